/**
 * Every error code the public port (the messaging grid, and the units behind it) can answer, by
 * status. docs/API.md describes each, and the OpenAPI document lists each where it can occur.
 */
export const API_ERROR_CODES = [
  // 400
  'VALIDATION_FAILED',
  // 404
  'NOT_FOUND',
  'EVENT_NOT_FOUND',
  'SECTION_NOT_FOUND',
  'HOLD_NOT_FOUND',
  'AUCTION_NOT_FOUND',
  'BASKET_NOT_FOUND',
  // 408
  'REQUEST_TIMEOUT',
  // 409
  'EVENT_EXISTS',
  'AUCTION_EXISTS',
  'NOT_ENOUGH_SEATS',
  'SEAT_UNAVAILABLE',
  'HOLD_NOT_ACTIVE',
  'BID_TOO_LOW',
  'AUCTION_CLOSED',
  'AUCTION_NOT_STARTED',
  'IDEMPOTENCY_KEY_IN_FLIGHT',
  'BASKET_UNAVAILABLE',
  // 410
  'HOLD_EXPIRED',
  // 413, 415, 417
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'EXPECTATION_FAILED',
  // 422
  'IDEMPOTENCY_KEY_REUSED',
  // 429
  'OVERLOADED',
  // 431
  'HEADERS_TOO_LARGE',
  // 500, 502, 503, 504
  'INTERNAL',
  'UNIT_FAILED',
  'NOT_READY',
  'GRID_UNAVAILABLE',
  'RESTORING',
  'ARCHIVE_UNAVAILABLE',
  'UNIT_TIMEOUT',
  'BASKET_PENDING',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** Codes only the admin ports answer, or only a process's start-up reports: never the public port. */
export const ADMIN_ERROR_CODES = ['UNAUTHORIZED', 'REPAIR_NOT_FOUND', 'SERVICE_UNAVAILABLE'] as const;
export type AdminErrorCode = (typeof ADMIN_ERROR_CODES)[number];

/** Every code an error of spacegrid may carry: a new one is added to one of the lists above first. */
export type ErrorCode = ApiErrorCode | AdminErrorCode;

/**
 * The error vocabulary of spacegrid. Every error has a stable `code` (one of {@link ErrorCode})
 * and the HTTP status it maps to; the mapping to HTTP happens in exactly one place
 * (`common/http-errors.ts`). Check errors with `instanceof`, never by message text.
 */
export class SpacegridError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    status: number,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    // A 4xx is an answer, not a fault: after a sell-out nearly every request ends in one, and
    // capturing a stack trace was a tenth of a unit's CPU while it refused holds. Faults (5xx) keep
    // theirs.
    const stackTraceLimit = Error.stackTraceLimit;
    if (status < 500) Error.stackTraceLimit = 0;
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = options.details;
  }
}

/** 400: the request itself is malformed. */
export class ValidationError extends SpacegridError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VALIDATION_FAILED', 400, message, details ? { details } : {});
  }
}

export type NotFoundCode =
  | 'EVENT_NOT_FOUND'
  | 'SECTION_NOT_FOUND'
  | 'HOLD_NOT_FOUND'
  | 'AUCTION_NOT_FOUND'
  | 'BASKET_NOT_FOUND'
  | 'REPAIR_NOT_FOUND'
  | 'NOT_FOUND';

/** 404: the thing named in the path does not exist. */
export class NotFoundError extends SpacegridError {
  constructor(code: NotFoundCode, message: string) {
    super(code, 404, message);
  }
}

export type ConflictCode =
  | 'EVENT_EXISTS'
  | 'AUCTION_EXISTS'
  | 'NOT_ENOUGH_SEATS'
  | 'SEAT_UNAVAILABLE'
  | 'HOLD_NOT_ACTIVE'
  | 'BID_TOO_LOW'
  | 'AUCTION_CLOSED'
  | 'AUCTION_NOT_STARTED'
  | 'IDEMPOTENCY_KEY_IN_FLIGHT'
  | 'BASKET_UNAVAILABLE';

/** 401: an admin API wants `Authorization: Bearer <ADMIN_TOKEN>`. */
export class UnauthorizedError extends SpacegridError {
  constructor(message: string) {
    super('UNAUTHORIZED', 401, message);
  }
}

/** 409: the request is well formed but the current state refuses it. */
export class ConflictError extends SpacegridError {
  constructor(code: ConflictCode, message: string, details?: Record<string, unknown>) {
    super(code, 409, message, details ? { details } : {});
  }
}

/** 410: the hold expired before it was purchased. */
export class HoldExpiredError extends SpacegridError {
  constructor(message: string) {
    super('HOLD_EXPIRED', 410, message);
  }
}

/** 422: the same Idempotency-Key was sent with a different request. */
export class IdempotencyKeyReusedError extends SpacegridError {
  constructor(message: string) {
    super('IDEMPOTENCY_KEY_REUSED', 422, message);
  }
}

/**
 * 504: a basket is still being worked on after the wait a request gets (a section slow to answer,
 * or a coordinator that died and whose lease has not run out): it may still end held or refused,
 * so nothing can be said yet. Carries the basket's id so that a client without an Idempotency-Key
 * can look it up.
 */
export class BasketPendingError extends SpacegridError {
  constructor(basketId: string) {
    super(
      'BASKET_PENDING',
      504,
      `basket ${basketId} is still being worked on and may yet end held or refused: ask GET /baskets/${basketId}, or repeat the request with the same Idempotency-Key`,
      { details: { basketId } },
    );
  }
}

/** 429 or 503 with Retry-After: come back later. */
export class RetryLaterError extends SpacegridError {
  readonly retryAfterSeconds: number;
  /**
   * OVERLOADED (429): shed, come back. NOT_READY (503): the unit or grid cannot serve yet.
   * RESTORING (503): this aggregate's data was lost from the grid (a lost partition) and is being
   * restored from Postgres. ARCHIVE_UNAVAILABLE (503): what was asked for left the grid, and the
   * data reader that answers from Postgres cannot be reached.
   */
  constructor(
    code: 'OVERLOADED' | 'NOT_READY' | 'RESTORING' | 'ARCHIVE_UNAVAILABLE',
    message: string,
    retryAfterSeconds = 1,
  ) {
    super(code, code === 'OVERLOADED' ? 429 : 503, message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export type ServiceName = 'Postgres' | 'Redis' | 'Hazelcast' | 'Java' | 'Maven';

/** A dependency (Postgres, Redis, Hazelcast, ...) cannot be reached. Says which, and how to start it. */
export class ServiceUnavailableError extends SpacegridError {
  readonly service: ServiceName;
  constructor(service: ServiceName, message: string, cause?: unknown) {
    super('SERVICE_UNAVAILABLE', 503, message, { cause });
    this.service = service;
  }
}

/** Nothing answers at the service's address: refused, host not found, no route, or no answer in time. */
export class ServiceUnreachableError extends ServiceUnavailableError {}

/** The service answered, but refused the credentials it was given (for Hazelcast: the cluster name). */
export class ServiceCredentialsError extends ServiceUnavailableError {}

/** The TLS handshake with the service failed: a certificate not trusted, or TLS on one side only. */
export class ServiceTlsError extends ServiceUnavailableError {}

/** The Postgres server answered, but has no database of that name. */
export class DatabaseMissingError extends ServiceUnavailableError {
  readonly database: string;
  constructor(database: string, message: string, cause?: unknown) {
    super('Postgres', message, cause);
    this.database = database;
  }
}

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'no route to the host',
};

/** Certificate checks that failed (OpenSSL's names, as Node gives them in `code`). */
const CERTIFICATE_REFUSED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
]);

/**
 * What a socket error says about a connection that failed, from its `code` (never its text):
 * `unreachable` or `tls` with a few words for people, or undefined when the socket is not to blame.
 */
export function socketFailure(err: unknown): { kind: 'unreachable' | 'tls'; why: string } | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const unreachable = UNREACHABLE[code];
  if (unreachable) return { kind: 'unreachable', why: unreachable };
  if (CERTIFICATE_REFUSED.has(code) || /^ERR_(SSL|TLS)_/.test(code) || code === 'EPROTO')
    return { kind: 'tls', why: (err as Error).message };
  return undefined;
}

/**
 * The grid kept changing under a batch more times than the retry limit allows: 429 OVERLOADED with
 * Retry-After, like every shed request (nothing was done; the same request may be sent again).
 */
export class ContentionError extends RetryLaterError {
  constructor(key: string, attempts: number) {
    super('OVERLOADED', `too much contention on ${key} (${attempts} attempts)`, 1);
  }
}
