import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody } from '../common/http-errors.js';

export interface ClientGuardOptions {
  /** Open connections beyond which a new one is answered 429 OVERLOADED and closed. */
  maxConnections: number;
  /** Request line and headers must arrive within this from the request's first byte; else 408. */
  headersTimeoutMs: number;
  /** The whole request, headers and body, must arrive within this from its first byte; else 408. */
  requestTimeoutMs: number;
  /** A keep-alive connection with no request for this long is closed. */
  idleTimeoutMs: number;
}

export interface ClientGuard {
  /** Client connections open right now (refused ones not included). */
  readonly connections: number;
  /** Connections refused over the cap since the start. */
  readonly refused: number;
}

/** How long a refused connection may linger (reading what its client still sends) before it is destroyed. */
const REFUSED_LINGER_MS = 1000;
/** Bounds of how often Node looks for requests past their headers or request timeout. */
const MIN_CHECK_INTERVAL_MS = 10;
const MAX_CHECK_INTERVAL_MS = 1000;

const REFUSAL = (() => {
  const body = JSON.stringify(
    errorBody('OVERLOADED', 'the messaging grid has too many open connections: try again'),
  );
  return Buffer.from(
    `HTTP/1.1 429 ${STATUS_CODES[429]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n${body}`,
  );
})();

/**
 * Keeps slow and idle clients from holding the public port: Node's own timeouts for headers,
 * whole requests and idle keep-alive connections (its 408 goes through the server's clientError
 * handler, in API.md's shape), checked often enough to matter, and a cap on open connections.
 *
 * The cap sits in front of Node's HTTP layer: the server's one `connection` listener is wrapped,
 * so a connection over the cap never gets a parser. It is answered at once with a ready-made
 * 429 OVERLOADED (`Retry-After: 1`, `Connection: close`) instead of Node's silent close of
 * `server.maxConnections`, then half-closed; whatever its client still sends is read and
 * dropped (closing with unread bytes would reset the connection and lose the answer) until the
 * client closes or {@link REFUSED_LINGER_MS} passes.
 *
 * Call before the server listens: Node starts its timeout checks when it starts listening.
 */
export function guardClients(server: Server, options: ClientGuardOptions): ClientGuard {
  server.headersTimeout = options.headersTimeoutMs;
  server.requestTimeout = options.requestTimeoutMs;
  server.keepAliveTimeout = options.idleTimeoutMs;
  // Node's default (30 s) would let a request overrun its timeout by up to 30 s. A documented
  // option of createServer that @types/node 20 lacks; read when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    MAX_CHECK_INTERVAL_MS,
    Math.max(MIN_CHECK_INTERVAL_MS, Math.floor(options.headersTimeoutMs / 4)),
  );

  const listeners = server.listeners('connection');
  if (listeners.length !== 1)
    throw new Error(
      `guardClients expects the HTTP server's own connection listener alone, found ${listeners.length}`,
    );
  const http = listeners[0] as (this: Server, socket: Socket) => void;
  server.removeListener('connection', http);

  let open = 0;
  let refused = 0;
  // Shared listeners: nothing is allocated per connection beyond what Node allocates.
  const onClose = (): void => {
    open--;
  };
  server.on('connection', (socket: Socket) => {
    if (open >= options.maxConnections) {
      refused++;
      refuse(socket);
      return;
    }
    open++;
    socket.on('close', onClose);
    http.call(server, socket);
  });

  return {
    get connections() {
      return open;
    },
    get refused() {
      return refused;
    },
  };
}

function refuse(socket: Socket): void {
  socket.on('error', ignore);
  socket.on('end', destroySocket);
  socket.setTimeout(REFUSED_LINGER_MS, destroySocket);
  socket.resume();
  socket.end(REFUSAL);
}

function ignore(): void {}

function destroySocket(this: Socket): void {
  this.destroy();
}
