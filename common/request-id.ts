import { randomUUID } from 'node:crypto';

/** The header that carries a request's id from the client through the grid to the unit, and back. */
export const REQUEST_ID_HEADER = 'x-request-id';

const USABLE = /^[\x21-\x7e]{1,128}$/;

/**
 * The id of a request: the client's own `x-request-id` when it sent a usable one (1..128 visible
 * ASCII characters), otherwise a new UUID. Every log line about the request carries it, and every
 * answer returns it.
 */
export function requestIdOf(sent: string | string[] | undefined): string {
  return typeof sent === 'string' && USABLE.test(sent) ? sent : randomUUID();
}
