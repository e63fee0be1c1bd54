import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { API_FORMATS } from './api-formats.js';
import { RetryLaterError, ValidationError } from './errors.js';
import { errorBody, sendError } from './http-errors.js';
import type { Logger } from './logger.js';
import { rawHttpErrorHandlers } from './raw-http-errors.js';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.js';

export type HttpServer = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  Logger,
  TypeBoxTypeProvider
>;

/** Largest accepted body, everywhere: 1 MiB (room for a section of about 90,000 short seat ids). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface HttpServerOptions {
  log: Logger;
  /** Largest accepted body; default 1 MiB (room for a section of about 90,000 short seat ids). */
  bodyLimit?: number;
}

/** Ajv's form of API.md's own formats (`free-text`, `utc-time`). */
const AJV_FORMATS = Object.fromEntries(
  Object.entries(API_FORMATS).map(([name, format]) => [
    name,
    { type: 'string' as const, validate: format.validate },
  ]),
);

/**
 * A Fastify instance with spacegrid's conventions: JSON schemas are strict (unknown fields and
 * wrong types are refused, never silently coerced or dropped), and every error leaves in the
 * shape of API.md: through `sendError`, including the ones Fastify and Node's HTTP parser answer
 * by themselves (bad percent-encoding, an over-long path segment, unparsable HTTP, a request
 * arriving while the server closes).
 */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  let closing = false;
  const shuttingDown = new RetryLaterError('NOT_READY', 'this server is shutting down: try again', 1);
  const noHost = new ValidationError('an HTTP/1.1 request needs a Host header');
  const raw = rawHttpErrorHandlers(options.log);
  const app = Fastify({
    loggerInstance: options.log,
    // Per-request logs would cost more than the requests; metrics count them instead.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: on the hot path it is pure cost; errors log their own context.
    childLoggerFactory: (logger) => logger,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // The client's x-request-id (or a new one): in every error log about the request, and in its answer.
    requestIdHeader: false,
    genReqId: (request) => requestIdOf(request.headers[REQUEST_ID_HEADER]),
    // Fastify's own 503 while closing is not in API.md's shape: the onRequest hook below answers instead.
    return503OnClosing: false,
    // A URL Fastify's router cannot decode (FST_ERR_BAD_URL), or a path parameter longer than
    // `maxParamLength` (100; FST_ERR_MAX_PARAM_LENGTH, Fastify's 414): both go to sendError.
    frameworkErrors: (error, request, reply) => {
      sendError(error, request, reply, options.log);
    },
    clientErrorHandler: raw.clientError,
    // Node answers an HTTP/1.1 request without Host 400 with an empty body: the hook below answers instead.
    http: { requireHostHeader: false },
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: true,
        allErrors: false,
        formats: AJV_FORMATS,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.server.on('checkExpectation', raw.checkExpectation);

  // First of all hooks, so no route or later hook runs on a server that is closing. The grid's
  // proxy takes this 503 NOT_READY from a unit as "untouched" and sends the request to another.
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done(
      closing
        ? shuttingDown
        : request.headers.host === undefined && request.raw.httpVersion === '1.1'
          ? noHost
          : undefined,
    );
  });

  // API.md speaks JSON only: any other body is 415, not a string for the schema to puzzle over.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply, options.log));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
  return app as unknown as HttpServer;
}

/**
 * Stops accepting, lets in-flight requests finish, and resolves once the server is closed.
 * Node closes the connections that are idle when the server closes, but a keep-alive connection
 * whose request finishes later would hold the close up until its keep-alive timeout (72 s by
 * default): those are closed as soon as they fall idle.
 */
export async function closeGracefully(app: Pick<FastifyInstance, 'close' | 'server'>): Promise<void> {
  const closed = app.close();
  const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
  }
}
