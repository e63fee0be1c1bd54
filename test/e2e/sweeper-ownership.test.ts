/* eslint-disable @typescript-eslint/no-explicit-any -- answers are inspected loosely */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../support/http.js';
import { scrapeSum } from '../support/metrics.js';
import { startSystem, waitFor, type TestSystem } from '../support/system.js';

/** What one unit's sweeper touched, per kind of work, from its /metrics. */
const swept = (unitUrl: string, work: string): Promise<number> =>
  scrapeSum(unitUrl, 'spacegrid_swept_keys_total', { work });

/**
 * Time-driven work is done by the unit that owns the key (the grid's own rendezvous routing), so
 * three units do not race three times on each due hold; when a unit leaves, the others take over.
 */
describe('one sweeper per key', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ units: 3, sweepIntervalMs: 100 });
  });
  afterAll(async () => system?.close());

  const holdsExpiring = async (eventId: string, sections: number, perSection: number): Promise<string[]> => {
    const created = await http('POST', `${system.gridUrl}/events`, {
      id: eventId,
      name: eventId,
      startsAt: '2026-12-20T18:00:00Z',
      holdTtlSeconds: 10,
      sections: Array.from({ length: sections }, (_, i) => ({ id: `s${i}`, capacity: 1000 })),
    });
    expect(created.status).toBe(201);
    const ids: string[] = [];
    for (let s = 0; s < sections; s += 1) {
      for (let h = 0; h < perSection; h += 1) {
        const answer = await http('POST', `${system.gridUrl}/events/${eventId}/sections/s${s}/holds`, {
          customerId: `c${h}`,
          quantity: 1,
        });
        expect(answer.status).toBe(201);
        ids.push(`s${s}/holds/${answer.body.holdId}`);
      }
    }
    return ids;
  };
  const allExpired = (eventId: string, ids: string[]) =>
    waitFor(
      async () => {
        const views = await Promise.all(
          ids.map((id) => http('GET', `${system.gridUrl}/events/${eventId}/sections/${id}`)),
        );
        const event = await http('GET', `${system.gridUrl}/events/${eventId}`);
        return (
          views.every((v) => v.body.status === 'EXPIRED') &&
          event.body.sections.every((s: any) => s.held === 0 && s.available === s.capacity)
        );
      },
      40_000,
      'every hold expired and its seats back',
      250,
    );

  it('expires each due hold by exactly one unit, shared among them', async () => {
    const before = await Promise.all(system.unitUrls.map((u) => swept(u, 'hold expiry')));
    const ids = await holdsExpiring('owned', 12, 3);
    await allExpired('owned', ids);
    const after = await Promise.all(system.unitUrls.map((u) => swept(u, 'hold expiry')));
    const perUnit = after.map((n, i) => n - before[i]!);
    console.log(`hold expiries touched per unit: ${perUnit.join(', ')} (of ${ids.length} holds)`);
    // Every hold touched once in all (with every unit racing, it would be three times).
    expect(perUnit.reduce((a, b) => a + b, 0)).toBe(ids.length);
    // 12 sections over 3 units: more than one unit does some of the work.
    expect(perUnit.filter((n) => n > 0).length).toBeGreaterThan(1);
  }, 120_000);

  it('hands a leaving unit’s keys to the others', async () => {
    const leaving = system.units.pop()!;
    system.unitUrls.pop();
    await system.grid.setUnits(system.unitUrls);
    await leaving.close();
    const ids = await holdsExpiring('handed', 12, 2);
    await allExpired('handed', ids);
  }, 120_000);
});
