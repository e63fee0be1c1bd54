import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../support/http.js';
import { ownRedis, type OwnRedis } from '../support/own-redis.js';
import { startSystem, waitFor, type TestSystem } from '../support/system.js';

/**
 * Redis is only the pumps' conveyor: when it goes away (here: killed, losing every queued job),
 * holds keep succeeding, outboxes grow in the grid, and everything reaches Postgres once it is back.
 */
describe('a Redis outage', () => {
  let redis: OwnRedis;
  let system: TestSystem;
  beforeAll(async () => {
    redis = await ownRedis();
    system = await startSystem({ units: 1, redisUrl: redis.url });
  });
  afterAll(async () => {
    await system?.close();
    await redis?.kill();
  });

  const holdMany = async (base: string, from: number, count: number) => {
    const answers = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        http('POST', `${base}/events/outage/sections/main/holds`, {
          customerId: `c${from + i}`,
          quantity: 1,
        }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(count).fill(201));
    return answers.map((r) => r.body.holdId as string);
  };

  it('does not stop holds, and loses none of them', async () => {
    const base = system.unitUrls[0]!;
    expect(
      (
        await http('POST', `${base}/events`, {
          id: 'outage',
          name: 'Outage',
          startsAt: '2026-12-20T18:00:00Z',
          sections: [{ id: 'main', capacity: 10_000 }],
        })
      ).status,
    ).toBe(201);
    const before = await holdMany(base, 0, 50);
    await redis.kill();
    const during = await holdMany(base, 1000, 100);
    // The pump notices on its next send or confirmation, not at the instant Redis dies.
    await waitFor(() => system.pump.stats?.redisUp === false, 10_000, 'the pump to see Redis gone');
    await redis.start();

    const all = new Set([...before, ...during]);
    await waitFor(
      async () =>
        Number(
          (await system.db.query("SELECT count(*) AS n FROM holds WHERE event_id = 'outage'")).rows[0].n,
        ) === all.size,
      60_000,
      `${all.size} holds in Postgres after Redis came back`,
    );
    const rows = await system.db.query<{ hold_id: string }>(
      "SELECT hold_id FROM holds WHERE event_id = 'outage'",
    );
    expect(new Set(rows.rows.map((r) => r.hold_id))).toEqual(all);
    await waitFor(
      async () =>
        (await system.db.query("SELECT held FROM sections WHERE event_id = 'outage'")).rows[0]?.held === 150,
      30_000,
      'section held = 150 in Postgres',
    );
  });
});
