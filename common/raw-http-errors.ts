import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ApiErrorCode } from './errors.js';
import { errorBody } from './http-errors.js';
import type { Logger } from './logger.js';

/**
 * What Node's HTTP layer answers by itself, before Fastify sees a request, in API.md's shape
 * instead of Node's empty bodies and Fastify's `{"error": "Bad Request", "message": "Client Error"}`:
 *
 * - the parser refuses the bytes (`clientError`): 400 VALIDATION_FAILED; HPE_HEADER_OVERFLOW (request
 *   line and headers above Node's 16 KiB, a huge URL included) 431 HEADERS_TOO_LARGE; a request
 *   that does not arrive within the server's request timeout 408 REQUEST_TIMEOUT;
 * - an `Expect` header other than `100-continue` (`checkExpectation`): 417 EXPECTATION_FAILED.
 */
export function rawHttpErrorHandlers(log: Logger): {
  /** For Fastify's `clientErrorHandler` option. */
  clientError(error: NodeJS.ErrnoException, socket: Socket): void;
  /** For the server's `checkExpectation` event. */
  checkExpectation(request: IncomingMessage, response: ServerResponse): void;
} {
  return { clientError, checkExpectation };

  function clientError(error: NodeJS.ErrnoException, socket: Socket): void {
    // A reset or closed connection has nobody left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, code, message]: [number, ApiErrorCode, string] =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT', 'the request did not arrive in time']
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'HEADERS_TOO_LARGE', 'the URL and headers together exceed 16 KiB']
          : [400, 'VALIDATION_FAILED', 'the request is not valid HTTP/1.1'];
    log.debug({ err: error }, 'client error');
    if (socket.writable) {
      const body = JSON.stringify(errorBody(code, message));
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  }

  function checkExpectation(request: IncomingMessage, response: ServerResponse): void {
    const body = JSON.stringify(
      errorBody('EXPECTATION_FAILED', `Expect: ${String(request.headers.expect)} is not supported`),
    );
    response.writeHead(417, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  }
}
