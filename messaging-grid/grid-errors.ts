import { SpacegridError } from '../common/errors.js';

/**
 * 502: the unit failed after the request may have reached it (connection reset, answer cut
 * short). Whether the work was done is unknown: repeat it with the same Idempotency-Key.
 */
export class UnitFailedError extends SpacegridError {
  constructor(
    message: string,
    /** For the log only: clients never see unit addresses. */
    readonly unit: string,
    cause: unknown,
  ) {
    super('UNIT_FAILED', 502, message, { cause });
  }
}

/** 504: the unit did not answer within REQUEST_TIMEOUT_MS. Never retried: the work may be under way. */
export class UnitTimeoutError extends SpacegridError {
  constructor(
    message: string,
    /** For the log only: clients never see unit addresses. */
    readonly unit: string,
    cause: unknown,
  ) {
    super('UNIT_TIMEOUT', 504, message, { cause });
  }
}
