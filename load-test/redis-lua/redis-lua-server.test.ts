import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRedisLuaServer, type RedisLuaServer } from './build-redis-lua-server.js';
import { expireDueHolds } from './hold-store.js';
import { redisLuaKeys } from './redis-lua-keys.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

describe('the Redis + Lua reference server (real Redis)', () => {
  const keys = redisLuaKeys(`redis-lua-test-${randomBytes(4).toString('hex')}:`);
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const stranger = `${keys.prefix.slice(0, -1)}-not-mine:key`;
  let server: RedisLuaServer;
  let base = '';

  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${base}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const createEvent = (id: string, sections: unknown[]) =>
    call('POST', '/events', {
      id,
      name: `test ${id}`,
      startsAt: '2030-01-01T18:00:00Z',
      holdTtlSeconds: 600,
      maxSeatsPerHold: 10,
      sections,
    });
  const hold = (eventId: string, sectionId: string, quantity: number, customerId = 'c-1') =>
    call('POST', `/events/${eventId}/sections/${sectionId}/holds`, { customerId, quantity });
  /** The stream's hold entries (`t h`): hold id → quantity. */
  const streamHolds = async (eventId: string, sectionId: string): Promise<Map<string, number>> => {
    const entries = await redis.xrange(keys.stream(eventId, sectionId), '-', '+');
    const holds = new Map<string, number>();
    for (const [id, fields] of entries)
      if (fields[1] === 'h') holds.set(`${id}-${fields[3]}`, Number(fields[7]));
    return holds;
  };

  beforeAll(async () => {
    try {
      await redis.connect();
    } catch (err) {
      throw new Error(`Redis is not answering at ${REDIS_URL}: start it (redis-server --port 6379)`, {
        cause: err,
      });
    }
    // Left from an earlier run under this prefix: must be gone once the server has started.
    await redis.set(`${keys.prefix}leftover`, '1');
    await redis.set(stranger, '1');
    server = buildRedisLuaServer({
      redisUrl: REDIS_URL,
      keyPrefix: keys.prefix,
      port: 0,
      sweepIntervalMs: 60_000,
    });
    base = await server.start();
  });

  afterAll(async () => {
    await server?.close();
    const left = await redis.keys(`${keys.prefix}*`);
    if (left.length > 0) await redis.del(...left);
    await redis.del(stranger);
    redis.disconnect();
  });

  it('empties its own key prefix at start, and nothing else', async () => {
    expect(await redis.exists(`${keys.prefix}leftover`)).toBe(0);
    expect(await redis.get(stranger)).toBe('1');
  });

  it('never oversells under concurrent holds: exactly the seats there are, each hold once in the stream', async () => {
    expect((await createEvent('race', [{ id: 'floor', capacity: 101 }])).status).toBe(201);
    // 120 holds of 2 seats race for 101 seats: exactly 50 can win, 1 seat stays.
    const answers = await Promise.all(
      Array.from({ length: 120 }, (_, i) => hold('race', 'floor', 2, `c-${i}`)),
    );
    const granted = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status === 409);
    expect(granted).toHaveLength(50);
    expect(refused).toHaveLength(70);
    for (const answer of refused) {
      expect(answer.body).toEqual({
        error: { code: 'NOT_ENOUGH_SEATS', message: 'only 1 seats are available', details: { available: 1 } },
      });
    }
    const section = await call('GET', '/events/race/sections/floor');
    expect(section.body).toEqual({
      id: 'floor',
      kind: 'GA',
      capacity: 101,
      available: 1,
      held: 100,
      sold: 0,
    });

    const ids = granted.map((a) => a.body.holdId as string);
    expect(new Set(ids).size).toBe(50);
    const inStream = await streamHolds('race', 'floor');
    expect([...inStream.keys()].sort()).toEqual([...ids].sort());
    expect([...inStream.values()].every((q) => q === 2)).toBe(true);
  });

  it('answers a hold beyond capacity with the API 409 shape, and takes nothing', async () => {
    expect((await createEvent('small', [{ id: 'ga', capacity: 3 }])).status).toBe(201);
    const answer = await hold('small', 'ga', 4);
    expect(answer.status).toBe(409);
    expect(answer.body).toEqual({
      error: { code: 'NOT_ENOUGH_SEATS', message: 'only 3 seats are available', details: { available: 3 } },
    });
    expect((await call('GET', '/events/small/sections/ga')).body).toMatchObject({ held: 0, available: 3 });
    expect((await streamHolds('small', 'ga')).size).toBe(0);
  });

  it('answers a hold as API.md does, and reads it back', async () => {
    const placed = await hold('small', 'ga', 2, 'c-7');
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      eventId: 'small',
      sectionId: 'ga',
      customerId: 'c-7',
      quantity: 2,
      status: 'HELD',
    });
    const holdId = placed.body.holdId as string;
    const expiresIn = Date.parse(placed.body.expiresAt as string) - Date.now();
    expect(expiresIn).toBeGreaterThan(500_000);
    expect(expiresIn).toBeLessThanOrEqual(600_000);
    const read = await call('GET', `/events/small/sections/ga/holds/${holdId}`);
    expect(read).toEqual({ status: 200, body: placed.body });
    const guessed = `${holdId.slice(0, -8)}00000000`;
    const missing = await call('GET', `/events/small/sections/ga/holds/${guessed}`);
    expect(missing.status).toBe(404);
    expect((missing.body.error as { code: string }).code).toBe('HOLD_NOT_FOUND');
  });

  it('purchases once: 201, then the same order with 200; seats move from held to sold', async () => {
    expect((await createEvent('buy', [{ id: 'ga', capacity: 10 }])).status).toBe(201);
    const placed = await hold('buy', 'ga', 3, 'c-9');
    const holdId = placed.body.holdId as string;
    const path = `/events/buy/sections/ga/holds/${holdId}/purchase`;
    const first = await call('POST', path, {});
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ holdId, customerId: 'c-9', quantity: 3, status: 'CONFIRMED' });
    const again = await call('POST', path, {});
    expect(again).toEqual({ status: 200, body: first.body });
    expect((await call('GET', '/events/buy/sections/ga')).body).toMatchObject({
      held: 0,
      sold: 3,
      available: 7,
    });
    expect((await call('GET', `/events/buy/sections/ga/holds/${holdId}`)).body).toMatchObject({
      status: 'PURCHASED',
      orderId: first.body.orderId,
    });
    const kinds = (await redis.xrange(keys.stream('buy', 'ga'), '-', '+')).map(([, f]) => f[1]);
    expect(kinds).toEqual(['h', 'p']);
  });

  it('the sweeper gives back the seats of overdue holds, not of purchased ones', async () => {
    expect((await createEvent('late', [{ id: 'ga', capacity: 10 }])).status).toBe(201);
    const bought = (await hold('late', 'ga', 2)).body.holdId as string;
    await hold('late', 'ga', 3);
    expect((await call('POST', `/events/late/sections/late/holds/${bought}/purchase`, {})).status).toBe(404);
    expect((await call('POST', `/events/late/sections/ga/holds/${bought}/purchase`, {})).status).toBe(201);
    // An hour on: the 3-seat hold is overdue (ttl 600 s). Other sections' holds expire too.
    const expired = await expireDueHolds(redis, keys, Date.now() + 3_600_000);
    expect(expired).toBeGreaterThanOrEqual(1);
    expect((await call('GET', '/events/late/sections/ga')).body).toMatchObject({
      held: 0,
      sold: 2,
      available: 8,
    });
    expect(await expireDueHolds(redis, keys, Date.now() + 3_600_000)).toBe(0);
    const kinds = (await redis.xrange(keys.stream('late', 'ga'), '-', '+')).map(([, f]) => f[1]);
    expect(kinds).toEqual(['h', 'h', 'p', 'x']);
  });

  it('refuses what it does not implement, and names what is missing', async () => {
    const reserved = await createEvent('seated', [{ id: 'r', seats: ['A-1', 'A-2'] }]);
    expect(reserved.status).toBe(400);
    expect((reserved.body.error as { code: string }).code).toBe('VALIDATION_FAILED');
    expect((await createEvent('small', [{ id: 'x', capacity: 1 }])).status).toBe(409);
    const noEvent = await hold('nope', 'ga', 1);
    expect(noEvent.status).toBe(404);
    expect((noEvent.body.error as { code: string }).code).toBe('EVENT_NOT_FOUND');
    const noSection = await hold('small', 'nope', 1);
    expect((noSection.body.error as { code: string }).code).toBe('SECTION_NOT_FOUND');
    const tooMany = await hold('small', 'ga', 11);
    expect(tooMany.status).toBe(400);
  });
});
