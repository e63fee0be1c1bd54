import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { requireApiTime } from '../../common/api-time.js';
import { ConflictError, NotFoundError, ValidationError } from '../../common/errors.js';
import type { CreateEventBody, EventView, SectionView } from '../../common/ticketing-api-schemas.js';
import { SCRIPTS } from './lua-scripts.js';
import type { RedisLuaKeys } from './redis-lua-keys.js';

interface StoredEvent {
  id: string;
  name: string;
  startsAt: string;
  holdTtlSeconds: number;
  maxSeatsPerHold: number;
  sections: string[];
}

const SECTION_FIELDS = ['capacity', 'held', 'sold'] as const;

function sectionView(id: string, fields: Array<string | null>): SectionView {
  const [capacity, held, sold] = fields.map(Number) as [number, number, number];
  return { id, kind: 'GA', capacity, available: capacity - held - sold, held, sold };
}

/**
 * POST /events: the event and one hash per section, in one script (409 EVENT_EXISTS if taken).
 * General admission only: this reference implements what the flash-sale benchmark uses.
 */
export async function createEvent(
  redis: Redis,
  keys: RedisLuaKeys,
  body: CreateEventBody,
): Promise<EventView> {
  const ids = new Set<string>();
  for (const section of body.sections) {
    if (section.seats !== undefined || section.capacity === undefined) {
      throw new ValidationError(
        `section ${section.id}: the Redis + Lua reference does general admission only: give a capacity`,
      );
    }
    if (ids.has(section.id)) throw new ValidationError(`section ${section.id} appears twice`);
    ids.add(section.id);
  }
  const event: StoredEvent = {
    id: body.id ?? `e-${randomUUID()}`,
    name: body.name,
    startsAt: new Date(requireApiTime(body.startsAt, 'startsAt')).toISOString(),
    holdTtlSeconds: body.holdTtlSeconds ?? 600,
    maxSeatsPerHold: body.maxSeatsPerHold ?? 10,
    sections: body.sections.map((s) => s.id),
  };
  const created = await SCRIPTS.createEvent.run(
    redis,
    [keys.event(event.id), keys.sectionIndex(), ...event.sections.map((s) => keys.section(event.id, s))],
    [
      JSON.stringify(event),
      event.holdTtlSeconds,
      event.maxSeatsPerHold,
      ...body.sections.map((s) => s.capacity!),
      ...event.sections.map((s) => `${event.id}:${s}`),
    ],
  );
  if (created === 0) throw new ConflictError('EVENT_EXISTS', `event ${event.id} already exists`);
  return {
    ...event,
    sections: body.sections.map((s) => sectionView(s.id, [String(s.capacity), '0', '0'])),
  };
}

async function readStoredEvent(redis: Redis, keys: RedisLuaKeys, eventId: string): Promise<StoredEvent> {
  const json = await redis.get(keys.event(eventId));
  if (json === null) throw new NotFoundError('EVENT_NOT_FOUND', `no event ${eventId}`);
  return JSON.parse(json) as StoredEvent;
}

export async function readEvent(redis: Redis, keys: RedisLuaKeys, eventId: string): Promise<EventView> {
  const { sections, ...event } = await readStoredEvent(redis, keys, eventId);
  const fields = await Promise.all(
    sections.map((s) => redis.hmget(keys.section(eventId, s), ...SECTION_FIELDS)),
  );
  return { ...event, sections: sections.map((s, i) => sectionView(s, fields[i]!)) };
}

/** 404 with the right code: the event is missing, or only the section. */
export async function notFound(
  redis: Redis,
  keys: RedisLuaKeys,
  eventId: string,
  sectionId: string,
): Promise<never> {
  await readStoredEvent(redis, keys, eventId);
  throw new NotFoundError('SECTION_NOT_FOUND', `no section ${sectionId} in event ${eventId}`);
}

export async function readSection(
  redis: Redis,
  keys: RedisLuaKeys,
  eventId: string,
  sectionId: string,
): Promise<SectionView> {
  const fields = await redis.hmget(keys.section(eventId, sectionId), ...SECTION_FIELDS);
  if (fields[0] === null) return notFound(redis, keys, eventId, sectionId);
  return sectionView(sectionId, fields);
}

/** Deletes every key under the prefix (SCAN, never KEYS: Redis keeps serving meanwhile). */
export async function deleteAllKeys(redis: Redis, keys: RedisLuaKeys): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${keys.prefix}*`, 'COUNT', 1000);
    if (found.length > 0) deleted += await redis.unlink(...found);
    cursor = next;
  } while (cursor !== '0');
  return deleted;
}
