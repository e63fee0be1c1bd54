import { randomFillSync } from 'node:crypto';

/** Random bytes are drawn from the OS a pool at a time: one call per 512 ids, not one per id. */
const POOL = Buffer.alloc(4096);
let offset = POOL.length;

function random64Hex(): string {
  if (offset + 8 > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const hex = POOL.toString('hex', offset, offset + 8);
  offset += 8;
  return hex;
}

/**
 * Server-made identifiers: a prefix, the time in base 36 (so ids sort roughly by creation), and
 * 64 random bits. Always within API.md's `[A-Za-z0-9_-]{1,64}`.
 */
export function newId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${random64Hex()}`;
}
