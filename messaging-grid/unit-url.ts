import { ValidationError } from '../common/errors.js';

/**
 * A unit's base URL in the one spelling the grid uses as the unit's id: `http://host:port`, no
 * path, no trailing slash. The id feeds rendezvous hashing, so every grid instance (and every
 * restart) must spell the same unit the same way.
 */
export function normalizeUnitUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ValidationError(`not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(`unit URL must be http or https: ${JSON.stringify(raw)}`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new ValidationError(`unit URL must be a base URL without path or query: ${JSON.stringify(raw)}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ValidationError(`unit URL must not carry credentials: ${JSON.stringify(raw)}`);
  }
  return url.origin;
}

/** Normalized, duplicates removed, order kept. */
export function normalizeUnitUrls(raw: readonly string[]): string[] {
  return [...new Set(raw.map(normalizeUnitUrl))];
}
