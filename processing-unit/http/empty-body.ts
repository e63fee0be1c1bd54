import { ValidationError } from '../../common/errors.js';

/** Refuses a body other than `{}` or none, for POSTs that take nothing (purchases). */
export function requireEmptyBody(body: unknown, what: string): void {
  if (
    body !== undefined &&
    body !== null &&
    (typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length > 0)
  ) {
    throw new ValidationError(`the ${what} body must be {} (or empty)`);
  }
}
