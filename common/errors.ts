/**
 * The error vocabulary of spacegrid. Every error has a stable `code` (the one API.md lists)
 * and the HTTP status it maps to; the mapping to HTTP happens in exactly one place
 * (`common/http-errors.ts`). Check errors with `instanceof`, never by message text.
 */
export class SpacegridError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    status: number,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
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
  | 'IDEMPOTENCY_KEY_IN_FLIGHT';

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

/** 429 or 503 with Retry-After: come back later. */
export class RetryLaterError extends SpacegridError {
  readonly retryAfterSeconds: number;
  constructor(code: 'OVERLOADED' | 'NOT_READY', message: string, retryAfterSeconds = 1) {
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

/** The grid kept changing under a batch more times than the retry limit allows. */
export class ContentionError extends SpacegridError {
  constructor(key: string, attempts: number) {
    super('OVERLOADED', 429, `too much contention on ${key} (${attempts} attempts)`);
  }
}
