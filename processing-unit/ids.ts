import { randomBytes } from 'node:crypto';

/**
 * Server-made identifiers: a prefix, the time in base 36 (so ids sort roughly by creation), and
 * 64 random bits. Always within API.md's `[A-Za-z0-9_-]{1,64}`.
 */
export function newId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${randomBytes(8).toString('hex')}`;
}
