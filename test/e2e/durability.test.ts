import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnPart, type ChildPart } from '../support/child-part.js';
import { http } from '../support/http.js';
import { startSystem, waitFor, type TestSystem } from '../support/system.js';

/**
 * A change acknowledged to a client reaches Postgres even if the unit that acknowledged it, and
 * the pump that was carrying it, are killed -9 right after the answer. The outbox is inside the
 * aggregate, replicated to a backup member; the next pump's sweeper finds it.
 */
describe('kill -9 right after acknowledging', () => {
  let system: TestSystem;
  const children: ChildPart[] = [];
  beforeAll(async () => {
    system = await startSystem({ units: 1 });
  });
  afterAll(async () => {
    for (const child of children) await child.kill().catch(() => undefined);
    await system?.close();
  });

  const env = () => ({
    HZ_MEMBERS: system.hzMembers.join(','),
    HZ_CLUSTER_NAME: system.hzClusterName,
    GRID_NAMESPACE: system.namespace,
    REDIS_URL: system.redisUrl,
    DATABASE_URL: system.databaseUrl,
  });

  it('every acknowledged hold reaches Postgres', { timeout: 180_000 }, async () => {
    // The in-process pump stands down: the pump under test runs as a process we can kill.
    await system.pump.close();
    const unit = await spawnPart('processing-unit', env());
    children.push(unit);
    const pump = await spawnPart('data-pump', env());
    children.push(pump);
    await waitFor(async () => (await http('GET', `${unit.url}/readyz`)).status === 200, 20_000, 'unit ready');

    const created = await http('POST', `${unit.url}/events`, {
      id: 'crash',
      name: 'Crash',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [
        { id: 'a', capacity: 5000 },
        { id: 'b', capacity: 5000 },
      ],
    });
    expect(created.status).toBe(201);
    const answers = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        http('POST', `${unit.url}/events/crash/sections/${i % 2 ? 'a' : 'b'}/holds`, {
          customerId: `c${i}`,
          quantity: 2,
        }),
      ),
    );
    // The moment the last answer is in: both processes die without any chance to flush.
    await Promise.all([unit.kill(), pump.kill()]);
    const acknowledged = answers.filter((r) => r.status === 201).map((r) => r.body.holdId as string);
    expect(acknowledged).toHaveLength(400);

    const replacement = await spawnPart('data-pump', env());
    children.push(replacement);
    await waitFor(
      async () =>
        Number(
          (await system.db.query("SELECT count(*) AS n FROM holds WHERE event_id = 'crash'")).rows[0].n,
        ) >= 400,
      30_000,
      'every acknowledged hold in Postgres',
    );
    const rows = await system.db.query<{ hold_id: string }>(
      "SELECT hold_id FROM holds WHERE event_id = 'crash'",
    );
    expect(new Set(rows.rows.map((r) => r.hold_id))).toEqual(new Set(acknowledged));
    await waitFor(
      async () => {
        const sections = await system.db.query(
          "SELECT sum(held)::int AS held FROM sections WHERE event_id = 'crash'",
        );
        return sections.rows[0].held === 800;
      },
      30_000,
      'section counts in Postgres',
    );
    await replacement.stop();
  });
});
