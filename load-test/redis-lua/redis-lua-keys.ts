/**
 * Every key of the Redis + Lua reference starts with its prefix, so it shares a Redis with
 * BullMQ (whose keys start with `bull:`) without ever touching them, and can be emptied at start.
 */
export interface RedisLuaKeys {
  readonly prefix: string;
  /** String: the event as JSON (name, times, section ids). */
  event(eventId: string): string;
  /** Hash: capacity, held, sold, ttl (s), max (seats per hold), swept (the expiry cursor). */
  section(eventId: string, sectionId: string): string;
  /** Stream: one entry per granted hold (`t h`), purchase (`t p`) and expiry (`t x`). */
  stream(eventId: string, sectionId: string): string;
  /** Hash: hold id → `<orderId> <purchasedAt ms>` for every purchased hold. */
  purchased(eventId: string, sectionId: string): string;
  /** Set of `<eventId>:<sectionId>`: what the expiry sweeper visits. */
  sectionIndex(): string;
}

/** A prefix ends with `:` and has no glob characters (it is also the pattern emptied at start). */
export const KEY_PREFIX_PATTERN = /^[A-Za-z0-9_.-]{1,48}:$/;

export const DEFAULT_KEY_PREFIX = 'redis-lua:';

export function redisLuaKeys(prefix: string): RedisLuaKeys {
  if (!KEY_PREFIX_PATTERN.test(prefix)) {
    throw new RangeError(`key prefix "${prefix}": letters, digits, '_', '.', '-', ending in ':'`);
  }
  // Ids are [A-Za-z0-9_-] (API.md), so ':' never occurs inside one.
  const of = (kind: string, eventId: string, sectionId: string) => `${prefix}${kind}:${eventId}:${sectionId}`;
  return {
    prefix,
    event: (eventId) => `${prefix}event:${eventId}`,
    section: (eventId, sectionId) => of('section', eventId, sectionId),
    stream: (eventId, sectionId) => of('holds', eventId, sectionId),
    purchased: (eventId, sectionId) => of('purchased', eventId, sectionId),
    sectionIndex: () => `${prefix}sections`,
  };
}
