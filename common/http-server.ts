import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { errorBody, sendError } from './http-errors.js';
import type { Logger } from './logger.js';

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

/**
 * A Fastify instance with spacegrid's conventions: JSON schemas are strict (unknown fields and
 * wrong types are refused, never silently coerced or dropped), and every error leaves through
 * `sendError` in the shape of API.md.
 */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const app = Fastify({
    loggerInstance: options.log,
    // Per-request logs would cost more than the requests; metrics count them instead.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: on the hot path it is pure cost; errors log their own context.
    childLoggerFactory: (logger) => logger,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    return503OnClosing: true,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

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
