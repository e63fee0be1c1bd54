/** What the harness got back for one request. `status` is 0 when no HTTP answer arrived. */
export interface HttpResult {
  status: number;
  /** The parsed JSON body, or undefined (no body, not JSON, or no answer). */
  body: unknown;
  /** `error.code` of an API error body. */
  errorCode: string | undefined;
  /** Set when no HTTP answer arrived. */
  failure: 'network' | 'timeout' | undefined;
}

/**
 * Rejections that are the expected business answer under contention (sold out, seat taken,
 * outbid, a basket's item unavailable), not errors.
 */
export const BUSINESS_REJECTIONS: ReadonlySet<string> = new Set([
  'NOT_ENOUGH_SEATS',
  'SEAT_UNAVAILABLE',
  'BID_TOO_LOW',
  'BASKET_UNAVAILABLE',
]);

/**
 * Errors: `server` (5xx), `client` (any 4xx that is not a business rejection, 429 included),
 * `network`, `timeout`, and `overflow` (open model: due while the in-flight limit was reached,
 * never sent).
 */
export type ErrorCategory = 'server' | 'client' | 'network' | 'timeout' | 'overflow';

export type Outcome =
  { type: 'ok' } | { type: 'rejected'; code: string } | { type: 'error'; category: ErrorCategory };

const OK: Outcome = { type: 'ok' };

export function classifyOutcome(result: HttpResult): Outcome {
  if (result.failure) return { type: 'error', category: result.failure };
  const { status, errorCode } = result;
  if (status >= 200 && status < 300) return OK;
  if (status === 409 && errorCode !== undefined && BUSINESS_REJECTIONS.has(errorCode)) {
    return { type: 'rejected', code: errorCode };
  }
  return { type: 'error', category: status >= 500 ? 'server' : 'client' };
}

/** The key under which a result is counted in "status codes". */
export function statusKey(result: HttpResult): string {
  return result.failure ?? String(result.status);
}
