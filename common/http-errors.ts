import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { RetryLaterError, SpacegridError } from './errors.js';
import type { Logger } from './logger.js';

/** The error body of API.md. */
export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

/** Fastify's own errors for bad requests, by code: what they mean in API.md terms. */
const FASTIFY_CODES: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'VALIDATION_FAILED' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'VALIDATION_FAILED' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'VALIDATION_FAILED' },
};

/**
 * The one place where errors become HTTP answers. Known errors keep their status and code; a
 * request Fastify itself refused becomes the matching 4xx; anything else is our bug: 500, logged.
 */
export function sendError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  log: Logger,
): FastifyReply {
  if (error instanceof SpacegridError) {
    if (error instanceof RetryLaterError) void reply.header('retry-after', String(error.retryAfterSeconds));
    if (error.status >= 500 && !(error instanceof RetryLaterError)) {
      log.warn({ err: error, url: request.url }, 'dependency unavailable');
      void reply.header('retry-after', '1');
    }
    return reply.code(error.status).send(errorBody(error.code, error.message, error.details));
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const details = {
      problems: fastifyError.validation.map((v) => ({
        field: `${fastifyError.validationContext ?? 'body'}${v.instancePath || ''}`,
        message: v.message ?? 'is invalid',
        ...(v.params && 'additionalProperty' in v.params
          ? { unknownField: v.params.additionalProperty }
          : {}),
      })),
    };
    return reply.code(400).send(errorBody('VALIDATION_FAILED', fastifyError.message, details));
  }
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return reply.code(known.status).send(errorBody(known.code, fastifyError.message));
  if (
    error instanceof SyntaxError ||
    (fastifyError.statusCode !== undefined && fastifyError.statusCode < 500)
  ) {
    return reply
      .code(fastifyError.statusCode ?? 400)
      .send(errorBody('VALIDATION_FAILED', fastifyError.message));
  }
  log.error({ err: error, method: request.method, url: request.url }, 'unhandled error');
  return reply.code(500).send(errorBody('INTERNAL', 'internal error'));
}
