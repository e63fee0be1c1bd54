import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

describe('1,000 concurrent single-seat holds on 300 seats, through both units at once', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ units: 2 });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('grants exactly 300, refuses the rest with 409, and Postgres agrees once drained', async () => {
    const [a, b] = system.unitUrls as [string, string];
    const created = await http('POST', `${a}/events`, {
      id: 'race',
      name: 'Race',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: 'floor', capacity: 300 }],
    });
    expect(created.status).toBe(201);

    // Alternate units, so affinity cannot help: only the grid's compare-and-set stands between them.
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        http('POST', `${i % 2 === 0 ? a : b}/events/race/sections/floor/holds`, {
          customerId: `c${i}`,
          quantity: 1,
        }),
      ),
    );
    const statuses = answers.map((r) => r.status);
    const other = answers.filter((r) => r.status !== 201 && r.status !== 409);
    if (other.length > 0)
      console.log(
        `other answers: ${JSON.stringify(other.slice(0, 3).map((r) => [r.status, r.body]))} (${other.length})`,
      );
    expect(statuses.filter((s) => s === 201)).toHaveLength(300);
    expect(statuses.filter((s) => s === 409)).toHaveLength(700);
    expect(new Set(answers.filter((r) => r.status === 409).map((r) => r.body.error.code))).toEqual(
      new Set(['NOT_ENOUGH_SEATS']),
    );
    const granted = answers.filter((r) => r.status === 201).map((r) => r.body.holdId as string);
    expect(new Set(granted).size).toBe(300);
    // Both units really did grant some: the race was real.
    expect(answers.filter((r, i) => r.status === 201 && i % 2 === 0).length).toBeGreaterThan(0);
    expect(answers.filter((r, i) => r.status === 201 && i % 2 === 1).length).toBeGreaterThan(0);

    const view = await http('GET', `${b}/events/race/sections/floor`);
    expect(view.body).toMatchObject({ capacity: 300, held: 300, sold: 0, available: 0 });

    await system.drained();
    const section = await system.db.query("SELECT held, sold FROM sections WHERE event_id = 'race'");
    expect(section.rows).toEqual([{ held: 300, sold: 0 }]);
    const holds = await system.db.query<{ hold_id: string }>(
      "SELECT hold_id FROM holds WHERE event_id = 'race' AND status = 'HELD'",
    );
    expect(new Set(holds.rows.map((r) => r.hold_id))).toEqual(new Set(granted));
  });
});
