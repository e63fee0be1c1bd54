import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { Agent, type Dispatcher } from 'undici';
import { RetryLaterError } from '../common/errors.js';
import { sendError } from '../common/http-errors.js';
import type { HttpServer } from '../common/http-server.js';
import type { Logger } from '../common/logger.js';
import { REQUEST_ID_HEADER } from '../common/request-id.js';
import { UnitFailedError, UnitTimeoutError } from './grid-errors.js';
import { NO_UNIT, type FailoverReason, type GridMetrics } from './grid-metrics.js';
import { Rendezvous } from '../common/rendezvous.js';
import { isStreamRequest, routingKey } from './routing-key.js';
import { isEventStream, StreamRelay } from './stream-relay.js';
import { describeError, type UnitPool, type UnitTarget } from './unit-pool.js';

export interface ProxyOptions {
  pool: UnitPool;
  metrics: GridMetrics;
  /**
   * Requests in the grid beyond which new ones get 429 OVERLOADED. A request counts from its
   * headers (before its body is read) until its answer is sent or its connection is gone.
   */
  maxInFlight: number;
  /** Longest wait for the unit's headers, and between chunks of its body. */
  requestTimeoutMs: number;
  log: Logger;
}

export interface ProxyControl {
  readonly inFlight: number;
  /** From now on every proxied answer says `Connection: close`, so clients leave before the server closes. */
  drain(): void;
}

const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/** Tries after the first one, each on the next unit in rank order. */
const MAX_RETRIES = 2;
/** Methods whose repetition is harmless even when the first try may have done the work. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** A unit refusing before doing anything (its onRequest hook, or Fastify closing): safe to retry elsewhere. */
const NOT_READY_MARK = Buffer.from('"NOT_READY"');
const CLOSING_MARK = Buffer.from('{"error":"Service Unavailable"');
const EMPTY = Buffer.alloc(0);
/** Marks a response already counted out of the requests in flight. */
const RELEASED = Symbol('released');

/** Node and undici error codes that mean the request never left the grid. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/** A live stream's longest silence: the units send a heartbeat every 15 s. */
const STREAM_BODY_TIMEOUT_MS = 60_000;
/** Bytes a stream's client may leave unread in the grid before it is cut off. */
const STREAM_MAX_BUFFERED_BYTES = 256 * 1024;

interface Answer {
  unit: UnitTarget;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Set when the answer is a live stream: its body is relayed as it comes, not collected. */
  relay?: StreamRelay;
}

/** How a try failed: `connect` nothing sent; `reset` before any answer; `partial` answer cut short; `timeout`. */
type Failure = 'connect' | 'reset' | 'partial' | 'timeout';

class AttemptFailed {
  constructor(
    readonly failure: Failure,
    readonly error: unknown,
  ) {}
}

/**
 * One try on one unit, straight on undici's dispatcher: the answer is collected as the chunks
 * arrive (usually one, so no copy), without a stream, a promise per step or an async resource
 * per request, which is what `request()` would add on this hot path.
 */
class UnitCall implements Dispatcher.DispatchHandler {
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private responded = false;
  private relay: StreamRelay | undefined;

  constructor(
    private readonly unit: UnitTarget,
    private readonly resolve: (answer: Answer) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  onRequestStart(): void {}

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.responded = true;
    this.status = statusCode;
    this.headers = headers;
    if (isEventStream(statusCode, headers)) {
      this.relay = new StreamRelay(controller, headers, STREAM_MAX_BUFFERED_BYTES);
      this.resolve({ unit: this.unit, status: statusCode, headers, body: EMPTY, relay: this.relay });
    }
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.relay) this.relay.data(chunk);
    else this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.relay) {
      this.relay.end();
      return;
    }
    const { chunks } = this;
    const body = chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    this.resolve({ unit: this.unit, status: this.status, headers: this.headers, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.relay) {
      this.relay.fail();
      return;
    }
    // An error without a code is not the network's: our bug, a 500.
    if (codeOf(error) === undefined) this.reject(error);
    else this.reject(new AttemptFailed(classify(error, this.responded ? 'partial' : 'reset'), error));
  }
}

/**
 * The catch-all route: every request that is not the grid's own goes to a ready unit, chosen by
 * the aggregate key in its path (rendezvous hashing) or round robin when it has none. Bodies are
 * forwarded as bytes, never parsed: the unit judges them.
 */
export function registerProxy(app: HttpServer, options: ProxyOptions): ProxyControl {
  const { pool, metrics, maxInFlight, requestTimeoutMs, log } = options;
  let inFlight = 0;
  let draining = false;
  let roundRobin = 0;
  let table: Rendezvous<UnitTarget> | undefined;
  let tableOf: readonly UnitTarget[] | undefined;
  // Shared instances: a stack trace per shed request would cost the most exactly when the grid can least afford it.
  const overloaded = new RetryLaterError('OVERLOADED', 'the messaging grid is at capacity', 1);
  const notReady = new RetryLaterError('NOT_READY', 'no processing unit is ready', 1);
  const unitsGone = new RetryLaterError('NOT_READY', 'no processing unit could be reached', 1);
  // Live streams hold their unit connection for as long as they last: not the pools' (bounded)
  // connections, which would run out for everything else, but connections of their own.
  const streams = new Agent({ keepAliveTimeout: 1_000 });
  const relays = new Set<StreamRelay>();

  const rendezvous = (ready: readonly UnitTarget[]): Rendezvous<UnitTarget> => {
    if (ready !== tableOf) {
      table = new Rendezvous(ready, (unit) => unit.url);
      tableOf = ready;
    }
    return table!;
  };

  const send = (
    unit: UnitTarget,
    request: FastifyRequest,
    headers: Record<string, string>,
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const stream = isStreamRequest(request.method, request.url);
      (stream ? streams : unit.dispatcher).dispatch(
        {
          origin: unit.url,
          method: request.method as Dispatcher.HttpMethod,
          path: request.url,
          headers,
          body: (request.body as Buffer | undefined) ?? null,
          headersTimeout: requestTimeoutMs,
          bodyTimeout: stream ? STREAM_BODY_TIMEOUT_MS : requestTimeoutMs,
        },
        new UnitCall(unit, resolve, reject),
      );
    });

  async function forward(request: FastifyRequest): Promise<Answer> {
    const ready = pool.ready;
    if (ready.length === 0) throw notReady;
    const key = routingKey(request.url);
    let start = 0;
    let unit: UnitTarget;
    if (key === null) {
      start = roundRobin;
      roundRobin = roundRobin >= 1_000_000_000 ? 0 : roundRobin + 1;
      unit = ready[start % ready.length]!;
    } else {
      unit = rendezvous(ready).pick(key)!;
    }
    const headers = forwardedHeaders(request);
    let order: readonly UnitTarget[] | undefined;
    const next = (attempt: number): UnitTarget | undefined => {
      if (attempt >= MAX_RETRIES) return undefined;
      order ??= key === null ? rotate(ready, start % ready.length) : rendezvous(ready).rank(key);
      return order[attempt + 1];
    };

    for (let attempt = 0; ; attempt++) {
      let answer: Answer;
      try {
        answer = await send(unit, request, headers);
      } catch (err) {
        if (!(err instanceof AttemptFailed)) throw err;
        const { failure, error } = err;
        if (failure === 'connect' || failure === 'reset') pool.markDown(unit, describeError(error));
        const retry =
          failure === 'connect' ||
          (failure === 'reset' &&
            (IDEMPOTENT.has(request.method) || headers['idempotency-key'] !== undefined)) ||
          (failure === 'partial' && (request.method === 'GET' || request.method === 'HEAD'));
        const following = retry ? next(attempt) : undefined;
        if (following !== undefined) {
          metrics.failover(failure as FailoverReason);
          log.debug({ unit: unit.url, next: following.url, failure, err: error }, 'failing over');
          unit = following;
          continue;
        }
        throw toHttpError(failure, error, unit, unitsGone);
      }
      if (answer.status === 503 && refusedUntouched(answer.body)) {
        pool.markDown(unit, 'answered 503 NOT_READY');
        const following = next(attempt);
        if (following !== undefined) {
          metrics.failover('not-ready');
          unit = following;
          continue;
        }
      }
      return answer;
    }
  }

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    let target = NO_UNIT;
    try {
      const answer = await forward(request);
      target = answer.unit.url;
      const { relay } = answer;
      if (relay) {
        if (draining) {
          relay.close();
          throw notReady;
        }
        relays.add(relay);
        relay.onDone(() => relays.delete(relay));
        void reply.code(200);
        reply.hijack();
        // An open stream is a connection, bounded by MAX_CONNECTIONS, not a request in flight:
        // counting it would let watchers shed every other request with 429.
        reply.raw.off('close', release);
        release.call(reply.raw);
        relay.attach(reply.raw, reply.getHeaders());
        return reply;
      }
      void reply.code(answer.status);
      const { headers } = answer;
      const contentType = headers['content-type'];
      if (contentType !== undefined) void reply.header('content-type', contentType);
      const retryAfter = headers['retry-after'];
      if (retryAfter !== undefined) void reply.header('retry-after', retryAfter);
      const replayed = headers['idempotent-replayed'];
      if (replayed !== undefined) void reply.header('idempotent-replayed', replayed);
      if (draining) void reply.header('connection', 'close');
      return await reply.send(answer.body);
    } catch (err) {
      return sendError(err, request, reply, log);
    } finally {
      metrics.forUnit(target).observe(reply.statusCode, reply.elapsedTime / 1000);
    }
  }

  // A request leaves the count when its response closes: answered, or its connection gone (a
  // client too slow to send its body, cut by the request timeout, never reaches the handler).
  // Node emits `close` once per response either way; one shared listener, nothing per request.
  // A stream leaves it earlier, when it starts (below): once per response, whichever comes first.
  function release(this: ServerResponse & { [RELEASED]?: true }): void {
    if (this[RELEASED]) return;
    this[RELEASED] = true;
    inFlight--;
  }
  const shed = metrics.forUnit(NO_UNIT);
  void app.register(async (scope) => {
    // Bytes in, bytes out: no parser but this one in this scope, whatever the content type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    // What the grid refuses before the handler runs (429 above MAX_IN_FLIGHT, 413, 415) counts too.
    scope.setErrorHandler((error, request, reply) => {
      sendError(error, request, reply, log);
      shed.observe(reply.statusCode, reply.elapsedTime / 1000);
    });
    scope.route({
      method: METHODS,
      url: '/*',
      exposeHeadRoute: false,
      onRequest: (request, reply, done) => {
        if (inFlight < maxInFlight) {
          inFlight++;
          reply.raw.on('close', release);
          done();
          return;
        }
        // Its body, if any, is never read: the client may still be sending it, so the connection goes.
        const { headers } = request;
        const length = headers['content-length'];
        if ((length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined)
          void reply.header('connection', 'close');
        done(overloaded);
      },
      handler: handle,
    });
  });

  return {
    get inFlight() {
      return inFlight;
    },
    drain() {
      draining = true;
      for (const relay of relays) relay.close();
      void streams.close();
    },
  };
}

/**
 * Headers that describe one connection, not the request (RFC 9110 §7.6.1), and those the grid sets
 * itself for its own connection to the unit: never passed on.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
]);

/**
 * The request's headers as the unit gets them: every end-to-end header the client sent (so one
 * added later is not silently lost), minus hop-by-hop ones and those named in `Connection`, plus the
 * request's id (the client's `x-request-id`, or the one the grid made), which the unit logs and returns.
 */
function forwardedHeaders(request: FastifyRequest): Record<string, string> {
  const incoming = request.headers;
  const named = incoming.connection;
  const alsoHopByHop = named === undefined ? undefined : new Set(named.toLowerCase().split(/\s*,\s*/));
  const headers: Record<string, string> = {};
  for (const name in incoming) {
    if (HOP_BY_HOP.has(name) || alsoHopByHop?.has(name)) continue;
    const value = incoming[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  headers[REQUEST_ID_HEADER] = request.id;
  return headers;
}

function rotate<T>(items: readonly T[], start: number): T[] {
  return [...items.slice(start), ...items.slice(0, start)];
}

function refusedUntouched(body: Buffer): boolean {
  return body.includes(NOT_READY_MARK) || body.subarray(0, CLOSING_MARK.length).equals(CLOSING_MARK);
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Happy eyeballs (several addresses per host) fails with an AggregateError of the per-address errors.
  if (err instanceof AggregateError) return codeOf(err.errors[0]);
  return undefined;
}

function classify(err: unknown, otherwise: 'reset' | 'partial'): Failure {
  const code = codeOf(err);
  if (code !== undefined && TIMEOUTS.has(code)) return 'timeout';
  if (code !== undefined && NOT_SENT.has(code)) return otherwise === 'reset' ? 'connect' : 'partial';
  return otherwise;
}

function toHttpError(failure: Failure, error: unknown, unit: UnitTarget, unitsGone: RetryLaterError): Error {
  switch (failure) {
    case 'connect':
      return unitsGone;
    case 'timeout':
      return new UnitTimeoutError(
        'the processing unit did not answer in time; the request may still take effect: repeat it with the same Idempotency-Key',
        unit.url,
        error,
      );
    case 'reset':
    case 'partial':
      return new UnitFailedError(
        'the processing unit failed while handling the request; whether it took effect is unknown: repeat it with the same Idempotency-Key',
        unit.url,
        error,
      );
  }
}
