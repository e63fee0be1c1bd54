import { describe, expect, it } from 'vitest';
import type { HttpResult } from '../outcome.js';
import { createRandom } from '../../common/random.js';
import { Observations } from '../verify/observations.js';
import { createScenario, type ScenarioName } from './create-scenario.js';
import { seatIds } from './fixtures.js';
import { DEFAULT_SCENARIO_OPTIONS, type PlannedRequest, type ScenarioOptions } from './scenario.js';
import type { SetupApi } from './setup-api.js';

const result = (status: number, body?: unknown): HttpResult => ({
  status,
  body,
  errorCode: (body as { error?: { code?: string } } | undefined)?.error?.code,
  failure: undefined,
});

function scenario(name: ScenarioName, options: Partial<ScenarioOptions> = {}) {
  const observations = new Observations();
  const created: Array<{ path: string; body: Record<string, unknown> }> = [];
  const api: SetupApi = {
    create: async (path, body) => {
      created.push({ path, body: body as Record<string, unknown> });
      return body;
    },
    read: async () => ({}),
  };
  const s = createScenario(
    name,
    { runId: 'run1', random: createRandom(42), observations, durationMs: 10_000 },
    { ...DEFAULT_SCENARIO_OPTIONS, ...options },
  );
  return { s, api, created, observations };
}

const bodyOf = (request: PlannedRequest): Record<string, unknown> =>
  JSON.parse(request.body!) as Record<string, unknown>;

describe('scenarios', () => {
  it('flash-sale holds, then buys the holds it was granted', async () => {
    const { s, api, created, observations } = scenario('flash-sale', { purchaseRatio: 1, capacity: 500 });
    await s.setup(api);
    expect(created[0]).toMatchObject({
      path: '/events',
      body: { id: 'run1-fs', sections: [{ id: 'floor', capacity: 500 }] },
    });
    const hold = s.next();
    expect(hold).toMatchObject({
      kind: 'hold',
      method: 'POST',
      path: '/events/run1-fs/sections/floor/holds',
    });
    const quantity = bodyOf(hold).quantity as number;
    expect(quantity).toBeGreaterThanOrEqual(1);
    expect(quantity).toBeLessThanOrEqual(4);
    hold.onResult!(result(201, { holdId: 'h-1', quantity }), 0, 1);
    const purchase = s.next();
    expect(purchase).toMatchObject({
      kind: 'purchase',
      path: '/events/run1-fs/sections/floor/holds/h-1/purchase',
      body: '{}',
    });
    purchase.onResult!(result(201, { orderId: 'o-1' }), 1, 2);
    expect(observations.holds.get('h-1')).toMatchObject({ quantity, purchase: 'confirmed' });
    expect(s.next().kind).toBe('hold');
  });

  it('seat-map asks for adjacent seats that exist, in one row', async () => {
    const { s, api, created } = scenario('seat-map', { seats: 120, purchaseRatio: 0 });
    await s.setup(api);
    const sections = created[0]!.body.sections as Array<{ seats: string[] }>;
    expect(sections[0]!.seats).toEqual(seatIds(120));
    const existing = new Set(seatIds(120));
    for (let i = 0; i < 200; i += 1) {
      const body = bodyOf(s.next());
      if (!body.seats) continue;
      const seats = body.seats as string[];
      expect(seats.every((seat) => existing.has(seat))).toBe(true);
      const row = seats[0]!.split('-')[0];
      const numbers = seats.map((seat) => Number(seat.split('-')[1]));
      expect(seats.every((seat) => seat.split('-')[0] === row)).toBe(true);
      numbers.forEach((n, k) => expect(n).toBe(numbers[0]! + k));
    }
  });

  it('auction-war bids at least what it learned was needed', async () => {
    const { s, api, observations } = scenario('auction-war');
    await s.setup(api);
    const bids = () => {
      let request = s.next();
      while (request.kind !== 'bid') request = s.next();
      return request;
    };
    const first = bids();
    expect(bodyOf(first).amount as number).toBeGreaterThanOrEqual(1000);
    first.onResult!(result(409, { error: { code: 'BID_TOO_LOW', details: { minimumNextBid: 5000 } } }), 0, 1);
    const second = bids();
    expect(bodyOf(second).amount as number).toBeGreaterThanOrEqual(5000);
    second.onResult!(
      result(201, { bidId: 'b-1', bidderId: 'x', amount: 6000, placedAt: '2026-01-01T00:00:00Z' }),
      2,
      3,
    );
    expect(bodyOf(bids()).amount as number).toBeGreaterThanOrEqual(6100);
    expect(observations.bids).toHaveLength(1);
  });

  it('auction-watch bids like auction-war; its watchers need the target, and none finish with no check', async () => {
    const { s, api, created } = scenario('auction-watch', { watchers: 0 });
    await s.setup(api);
    expect(created[0]).toMatchObject({ path: '/auctions', body: { id: 'run1-aw' } });
    expect(['bid', 'get-auction']).toContain(s.next().kind);
    expect(await s.finish!()).toEqual({ invariants: [] });
    const watched = scenario('auction-watch', { watchers: 5 });
    await expect(watched.s.setup(watched.api)).rejects.toThrow(/needs the target/);
  });

  it('basket-rush asks for baskets across its three sections, then buys or releases the granted ones', async () => {
    const { s, api, created, observations } = scenario('basket-rush', {
      sectionCapacity: 30,
      purchaseRatio: 0.5,
      releaseRatio: 0.5,
    });
    await s.setup(api);
    expect(created[0]).toMatchObject({
      path: '/events',
      body: {
        id: 'run1-br',
        sections: [
          { id: 'north', capacity: 30 },
          { id: 'south', capacity: 30 },
          { id: 'east', capacity: 30 },
        ],
      },
    });
    const customers = new Set<string>();
    for (let i = 0; i < 50; i += 1) {
      const request = s.next();
      expect(request).toMatchObject({ kind: 'basket', method: 'POST', path: '/baskets' });
      const body = bodyOf(request) as { customerId: string; items: Array<{ sectionId: string }> };
      customers.add(body.customerId);
      expect(body.items.length).toBeGreaterThanOrEqual(2);
      expect(body.items.length).toBeLessThanOrEqual(4);
      expect(new Set(body.items.map((item) => item.sectionId)).size).toBe(Math.min(body.items.length, 3));
      request.onResult!(result(409, { error: { code: 'BASKET_UNAVAILABLE', details: { items: [] } } }), 0, 1);
    }
    expect(customers.size).toBe(50);
    expect(observations.basketsNotGranted).toHaveLength(50);

    const kinds = new Set<string>();
    for (let i = 0; i < 40; i += 1) {
      const request = s.next();
      if (request.kind !== 'basket') {
        kinds.add(request.kind);
        continue;
      }
      const { items } = bodyOf(request) as { items: Array<Record<string, unknown>> };
      const views = items.map((item, k) => ({ ...item, holdId: `h-${i}-${k}` }));
      request.onResult!(result(201, { basketId: `b-${i}`, status: 'HELD', items: views }), 0, 1);
    }
    expect(kinds).toEqual(new Set(['basket-purchase', 'basket-release']));
    expect(observations.baskets.size).toBeGreaterThan(0);
    expect(observations.holds.size).toBeGreaterThan(observations.baskets.size);
  });

  it('mixed sets up every part and sends all their kinds', async () => {
    const { s, api, created } = scenario('mixed');
    await s.setup(api);
    expect(created.map((c) => c.path)).toEqual(['/events', '/events', '/events', '/auctions', '/auctions']);
    const kinds = new Set(Array.from({ length: 500 }, () => s.next().kind));
    expect([...kinds].sort()).toEqual([
      'bid',
      'get-auction',
      'get-bids',
      'get-event',
      'get-section',
      'hold',
      'hold-seats',
    ]);
  });
});
