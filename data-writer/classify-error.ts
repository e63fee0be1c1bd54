/**
 * Why a write failed, as the writer must act on it:
 * - `transient`: the database or the way to it (connection lost or refused, a timeout, a
 *   serialization failure or deadlock, an administrator shutting it down, out of resources). Retry
 *   the same batch later, with backoff; it never counts against the change.
 * - `data`: the change itself cannot be stored (SQLSTATE classes 22, data exception, and 23,
 *   integrity violation; or anything else that is not known to pass). Retrying it cannot help: it
 *   is isolated and goes to repair.
 */
export type FailureKind = 'transient' | 'data';

/** SQLSTATE classes (first two characters) that say nothing about the change itself. */
const TRANSIENT_CLASSES = new Set([
  '08', // connection exception
  '40', // transaction rollback: serialization failure, deadlock
  '53', // insufficient resources: disk full, out of memory, too many connections
  '57', // operator intervention: admin shutdown, crash shutdown, cannot connect now, query canceled (statement timeout)
  '58', // system error: I/O error
]);

/** Node and pg errors that mean the database could not be reached or answered too late. */
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /query read timeout/i,
  /cannot use a pool after calling end/i,
  /client has encountered a connection error/i,
];

export function classifyWriteError(err: unknown): FailureKind {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code === 'string') {
    if (TRANSIENT_NODE_CODES.has(code)) return 'transient';
    if (/^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_CLASSES.has(code.slice(0, 2)) ? 'transient' : 'data';
  }
  const message = err instanceof Error ? err.message : String(err);
  return TRANSIENT_MESSAGES.some((pattern) => pattern.test(message)) ? 'transient' : 'data';
}

/** The SQLSTATE of a Postgres error, if it has one. */
export function sqlstateOf(err: unknown): string | null {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}
