import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConflictError, HoldExpiredError, NotFoundError, ValidationError } from '../../common/errors.js';
import type { HoldBody, HoldView, OrderView } from '../../common/ticketing-api-schemas.js';
import { notFound } from './event-store.js';
import { SCRIPTS } from './lua-scripts.js';
import type { RedisLuaKeys } from './redis-lua-keys.js';

/** Random tags, 8 hex characters, taken from a buffer filled 4 KiB at a time. */
const tags = { buffer: randomBytes(4096), offset: 0 };
function nextTag(): string {
  if (tags.offset + 4 > tags.buffer.length) {
    tags.buffer = randomBytes(4096);
    tags.offset = 0;
  }
  tags.offset += 4;
  return tags.buffer.toString('hex', tags.offset - 4, tags.offset);
}

/** A hold's id is its stream entry's id and its tag: `<ms>-<seq>-<tag>`. */
const HOLD_ID = /^(\d{1,15})-(\d{1,15})-([0-9a-f]{8})$/;

function parseHoldId(holdId: string): { entryId: string; tag: string; createdMs: number } | undefined {
  const m = HOLD_ID.exec(holdId);
  return m ? { entryId: `${m[1]}-${m[2]}`, tag: m[3]!, createdMs: Number(m[1]) } : undefined;
}

const holdNotFound = (holdId: string) => new NotFoundError('HOLD_NOT_FOUND', `no hold ${holdId}`);

/** POST …/holds: one EVALSHA that checks and takes the seats and appends the hold to the stream. */
export async function placeHold(
  redis: Redis,
  keys: RedisLuaKeys,
  eventId: string,
  sectionId: string,
  body: HoldBody,
): Promise<HoldView> {
  if (body.seats !== undefined)
    throw new ValidationError(`section ${sectionId} is general admission: ask for a quantity, not seats`);
  if (body.quantity === undefined) throw new ValidationError('give a quantity');
  const tag = nextTag();
  const answer = (await SCRIPTS.hold.run(
    redis,
    [keys.section(eventId, sectionId), keys.stream(eventId, sectionId)],
    [body.quantity, body.customerId, tag],
  )) as [string, string | number, number?];
  switch (answer[0]) {
    case 'OK': {
      const entryId = String(answer[1]);
      const createdMs = Number(entryId.slice(0, entryId.indexOf('-')));
      return {
        holdId: `${entryId}-${tag}`,
        eventId,
        sectionId,
        customerId: body.customerId,
        quantity: body.quantity,
        status: 'HELD',
        expiresAt: new Date(createdMs + Number(answer[2]) * 1000).toISOString(),
      };
    }
    case 'NOT_ENOUGH_SEATS':
      throw new ConflictError('NOT_ENOUGH_SEATS', `only ${answer[1]} seats are available`, {
        available: Number(answer[1]),
      });
    case 'TOO_MANY':
      throw new ValidationError(`a hold takes 1 to ${answer[1]} seats in this event`, {
        maxSeatsPerHold: Number(answer[1]),
      });
    default:
      return notFound(redis, keys, eventId, sectionId);
  }
}

export async function readHold(
  redis: Redis,
  keys: RedisLuaKeys,
  eventId: string,
  sectionId: string,
  holdId: string,
  now = Date.now(),
): Promise<HoldView> {
  const id = parseHoldId(holdId);
  if (!id) throw holdNotFound(holdId);
  const [entries, purchase, ttl] = await Promise.all([
    redis.xrange(keys.stream(eventId, sectionId), id.entryId, id.entryId),
    redis.hget(keys.purchased(eventId, sectionId), holdId),
    redis.hget(keys.section(eventId, sectionId), 'ttl'),
  ]);
  const fields = entries[0]?.[1];
  if (!fields || fields[1] !== 'h' || fields[3] !== id.tag || ttl === null) throw holdNotFound(holdId);
  const expiresMs = id.createdMs + Number(ttl) * 1000;
  const orderId = purchase?.split(' ')[0];
  return {
    holdId,
    eventId,
    sectionId,
    customerId: fields[5]!,
    quantity: Number(fields[7]),
    status: orderId ? 'PURCHASED' : expiresMs <= now ? 'EXPIRED' : 'HELD',
    expiresAt: new Date(expiresMs).toISOString(),
    ...(orderId ? { orderId } : {}),
  };
}

/** POST …/purchase: 201 with the new order, 200 with the same order again, 410 once expired. */
export async function purchaseHold(
  redis: Redis,
  keys: RedisLuaKeys,
  eventId: string,
  sectionId: string,
  holdId: string,
): Promise<{ status: 200 | 201; body: OrderView }> {
  const id = parseHoldId(holdId);
  if (!id) throw holdNotFound(holdId);
  const answer = (await SCRIPTS.purchase.run(
    redis,
    [keys.section(eventId, sectionId), keys.stream(eventId, sectionId), keys.purchased(eventId, sectionId)],
    [holdId, id.entryId, id.tag, `o-${randomUUID()}`, Date.now()],
  )) as [string, string?, string?, string?];
  if (answer[0] === 'EXPIRED') throw new HoldExpiredError(`hold ${holdId} expired`);
  if (answer[0] === 'NOT_FOUND') throw holdNotFound(holdId);
  const [orderId, purchasedAt] = answer[1]!.split(' ') as [string, string];
  return {
    status: answer[0] === 'CREATED' ? 201 : 200,
    body: {
      orderId,
      holdId,
      eventId,
      sectionId,
      customerId: answer[2]!,
      quantity: Number(answer[3]),
      status: 'CONFIRMED',
      purchasedAt: new Date(Number(purchasedAt)).toISOString(),
    },
  };
}

/** The sweeper's pass: expires every overdue hold of every section; returns how many. */
export async function expireDueHolds(
  redis: Redis,
  keys: RedisLuaKeys,
  now = Date.now(),
  batch = 1000,
): Promise<number> {
  let expired = 0;
  for (const member of await redis.smembers(keys.sectionIndex())) {
    const [eventId, sectionId] = member.split(':') as [string, string];
    const sectionKeys = [
      keys.section(eventId, sectionId),
      keys.stream(eventId, sectionId),
      keys.purchased(eventId, sectionId),
    ];
    for (;;) {
      const [count, read] = (await SCRIPTS.expire.run(redis, sectionKeys, [now, batch])) as [number, number];
      expired += count;
      if (read < batch) break;
    }
  }
  return expired;
}
