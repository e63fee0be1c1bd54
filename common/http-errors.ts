import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import {
  ClientNotActiveError,
  ClientOfflineError,
  HazelcastInstanceNotActiveError,
  IndeterminateOperationStateError,
  IOError,
  MemberLeftError,
  NoDataMemberInClusterError,
  OperationTimeoutError,
  SplitBrainProtectionError,
  TargetDisconnectedError,
  TargetNotMemberError,
} from 'hazelcast-client';
import { apiFormatRule } from './api-formats.js';
import { ID_PATTERN, ID_RULE } from './api-schemas.js';
import { RetryLaterError, SpacegridError, type ErrorCode } from './errors.js';
import type { Logger } from './logger.js';

/** The error body of API.md. */
export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function errorBody(code: ErrorCode, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

/**
 * Fastify's own errors for bad requests, by code: what they mean in API.md terms, with a message
 * of ours where Fastify's is unclear or echoes the whole path.
 */
const FASTIFY_CODES: Record<string, { status: number; code: ErrorCode; message?: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'VALIDATION_FAILED' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'VALIDATION_FAILED' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'VALIDATION_FAILED' },
  FST_ERR_BAD_URL: {
    status: 400,
    code: 'VALIDATION_FAILED',
    message: 'the path is not valid percent-encoded UTF-8',
  },
  // Fastify answers 414 for a path parameter longer than its router's maxParamLength (100). Every
  // path parameter of API.md is an identifier, 1..64 characters, and a 65-character one is already
  // 400 VALIDATION_FAILED from the route's schema: a 101-character one is the same mistake and gets
  // the same answer, not a status that depends on a router setting.
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 400,
    code: 'VALIDATION_FAILED',
    message:
      "a path segment is longer than 100 characters; identifiers are 1 to 64 letters, digits, '_' or '-'",
  },
};

/** One refused value, as `details.problems[]` says it: where (`body/name`) and why, for a person. */
function describeProblem(
  context: string,
  problem: FastifySchemaValidationError,
): { field: string; message: string; unknownField?: unknown } {
  const { keyword, params } = problem;
  const explained =
    keyword === 'format'
      ? apiFormatRule(params.format)
      : keyword === 'pattern' && params.pattern === ID_PATTERN
        ? ID_RULE
        : undefined;
  return {
    field: `${context}${problem.instancePath || ''}`,
    message: explained ?? problem.message ?? 'is invalid',
    ...(params && 'additionalProperty' in params ? { unknownField: params.additionalProperty } : {}),
  };
}

/**
 * Errors of the grid client that mean "not now" rather than "a bug", in API.md terms. A member
 * that sees fewer members than the split-brain protection's minimum (member.yaml: it is on the
 * minority side of a network split) refuses every read and write on the data maps before doing
 * anything; so does the client itself while it is offline.
 *
 * Such a refusal leaves untouched the one call that was refused, not the request: a request that
 * writes may have written before a later step was refused (POST /events: the event, then its
 * sections). So only a read says NOT_READY ("nothing done": the messaging grid may send it to
 * another unit); a request that writes says GRID_UNAVAILABLE, like a call lost on the way (whether
 * it took effect is unknown: the client repeats it with its Idempotency-Key). A request refused
 * before its handler ran (the unit not ready) is a NOT_READY of its own, whatever its method.
 */
function fromGridClient(error: unknown, method: string): SpacegridError | undefined {
  const refused =
    error instanceof SplitBrainProtectionError ||
    error instanceof ClientOfflineError ||
    error instanceof ClientNotActiveError ||
    error instanceof HazelcastInstanceNotActiveError ||
    error instanceof NoDataMemberInClusterError;
  if (refused && method !== 'GET' && method !== 'HEAD') return mayHaveTakenEffect(error);
  if (error instanceof SplitBrainProtectionError) {
    return new RetryLaterError(
      'NOT_READY',
      'the grid members this unit reaches are cut off from the majority of the cluster (a network split): try again',
      2,
    );
  }
  if (refused)
    return new RetryLaterError('NOT_READY', 'the grid is unreachable from this unit: try again', 1);
  // Lost on the way: the operation may have taken effect. Not NOT_READY, so nothing repeats it
  // blindly; the client repeats it with its Idempotency-Key, which finds the first effect.
  if (
    error instanceof TargetDisconnectedError ||
    error instanceof IOError ||
    error instanceof MemberLeftError ||
    error instanceof TargetNotMemberError ||
    error instanceof OperationTimeoutError ||
    error instanceof IndeterminateOperationStateError
  ) {
    return mayHaveTakenEffect(error);
  }
  return undefined;
}

const mayHaveTakenEffect = (cause: unknown): SpacegridError =>
  new SpacegridError(
    'GRID_UNAVAILABLE',
    503,
    'the grid failed during the operation; whether it took effect is unknown: repeat it with the same Idempotency-Key',
    { cause },
  );

/**
 * The one place where errors become HTTP answers. Known errors keep their status and code; a grid
 * client's refusal that means "not now" becomes 503 with Retry-After; a request Fastify itself
 * refused becomes the matching 4xx; anything else is our bug: 500, logged.
 */
export function sendError(
  thrown: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  log: Logger,
): FastifyReply {
  const error = fromGridClient(thrown, request.method) ?? thrown;
  if (error instanceof SpacegridError) {
    if (error instanceof RetryLaterError) void reply.header('retry-after', String(error.retryAfterSeconds));
    if (error.status >= 500 && !(error instanceof RetryLaterError)) {
      // Which answer, not a guess at why: a 504 BASKET_PENDING is work still going on, not a failure.
      log.warn(
        { err: error, code: error.code, url: request.url, requestId: request.id },
        `answered ${error.status} ${error.code}`,
      );
      void reply.header('retry-after', '1');
    }
    return reply.code(error.status).send(errorBody(error.code, error.message, error.details));
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const context = fastifyError.validationContext ?? 'body';
    const problems = fastifyError.validation.map((v) => describeProblem(context, v));
    const message = problems.map((p) => `${p.field} ${p.message}`).join('; ');
    return reply.code(400).send(errorBody('VALIDATION_FAILED', message, { problems }));
  }
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) {
    return reply.code(known.status).send(errorBody(known.code, known.message ?? fastifyError.message));
  }
  if (
    error instanceof SyntaxError ||
    (fastifyError.statusCode !== undefined && fastifyError.statusCode < 500)
  ) {
    return reply
      .code(fastifyError.statusCode ?? 400)
      .send(errorBody('VALIDATION_FAILED', fastifyError.message));
  }
  log.error(
    { err: error, method: request.method, url: request.url, requestId: request.id },
    'unhandled error',
  );
  return reply.code(500).send(errorBody('INTERNAL', 'internal error'));
}
