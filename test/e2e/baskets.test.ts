/* eslint-disable @typescript-eslint/no-explicit-any -- answers and grid entries are inspected loosely */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BasketRecord } from '../../common/basket-model.js';
import { connectGrid, type HazelcastClient } from '../../common/grid-client.js';
import { openGridMaps, type GridMaps } from '../../common/grid-maps.js';
import { silentLogger } from '../../common/logger.js';
import { gridNames } from '../../common/map-names.js';
import type { HoldEntry } from '../../common/ticketing-model.js';
import {
  idempotentBasketId,
  itemIdempotencyKey,
  newBasket,
} from '../../processing-unit/baskets/basket-rules.js';
import { spawnPart, type ChildPart } from '../support/child-part.js';
import { http } from '../support/http.js';
import { scrapeSamples } from '../support/metrics.js';
import { startSystem, waitFor, type TestSystem } from '../support/system.js';

/**
 * Baskets: holds across sections, all or nothing, through the messaging grid and two units, against
 * the real grid, Redis and Postgres; and a coordinating unit killed -9 mid-way.
 */
describe('baskets', () => {
  let system: TestSystem;
  let client: HazelcastClient;
  let maps: GridMaps;
  const children: ChildPart[] = [];

  beforeAll(async () => {
    system = await startSystem({ units: 2 });
    client = await connectGrid({
      members: system.hzMembers,
      clusterName: system.hzClusterName,
      log: silentLogger,
    });
    maps = await openGridMaps(client, gridNames(system.namespace));
  });
  afterAll(async () => {
    for (const child of children) await child.kill().catch(() => undefined);
    await client?.shutdown();
    await system?.close();
  });

  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    http(method, `${system.gridUrl}${path}`, body, headers);

  async function createEvent(id: string, sections: unknown[], holdTtlSeconds?: number): Promise<void> {
    const created = await api('POST', '/events', {
      id,
      name: id,
      startsAt: '2026-12-20T18:00:00Z',
      ...(holdTtlSeconds ? { holdTtlSeconds } : {}),
      sections,
    });
    expect(created.status).toBe(201);
  }

  const section = async (eventId: string, sectionId: string) =>
    (await api('GET', `/events/${eventId}/sections/${sectionId}`)).body as { held: number; sold: number };

  /** Every hold of an event in the grid, as its entries say. */
  async function gridHolds(eventId: string): Promise<HoldEntry[]> {
    return (await maps.holds.map.values())
      .toArray()
      .map((raw) => JSON.parse(raw.toString()) as HoldEntry)
      .filter((hold) => hold.eventId === eventId);
  }

  async function baskets(): Promise<BasketRecord[]> {
    return (await maps.baskets.map.values())
      .toArray()
      .map((raw) => JSON.parse(raw.toString()) as BasketRecord);
  }

  /** Active holds per customer, in the grid. */
  function heldByCustomer(holds: Array<{ customerId: string; status: string }>): Map<string, number> {
    const held = new Map<string, number>();
    for (const hold of holds)
      if (hold.status === 'HELD') held.set(hold.customerId, (held.get(hold.customerId) ?? 0) + 1);
    return held;
  }

  /** The same, from Postgres once the write-behind caught up. */
  async function heldInPostgres(eventIds: string[]): Promise<Map<string, number>> {
    await system.drained(60_000);
    const rows = await system.db.query<{ customer_id: string; n: number }>(
      "SELECT customer_id, count(*)::int AS n FROM holds WHERE event_id = ANY($1) AND status = 'HELD' GROUP BY customer_id",
      [eventIds],
    );
    return new Map(rows.rows.map((r) => [r.customer_id, r.n]));
  }

  /** A small deterministic random source, so a failing run can be repeated. */
  function random(seed: number): (n: number) => number {
    let x = seed;
    return (n) => {
      x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
      return (x >>> 8) % n;
    };
  }

  it('holds across sections, buys all once, and releases all', async () => {
    await createEvent('bk-happy', [
      { id: 'a', capacity: 10 },
      { id: 'b', capacity: 10 },
      { id: 'v', seats: ['A-1', 'A-2', 'A-3'] },
    ]);
    const items = [
      { eventId: 'bk-happy', sectionId: 'b', quantity: 3 },
      { eventId: 'bk-happy', sectionId: 'a', quantity: 2 },
      { eventId: 'bk-happy', sectionId: 'v', seats: ['A-2'] },
    ];
    const created = await api('POST', '/baskets', { customerId: 'c-happy', items });
    expect(created.status).toBe(201);
    const basket = created.body;
    expect(basket).toMatchObject({ customerId: 'c-happy', status: 'HELD' });
    expect(basket.items.map((i: any) => [i.sectionId, i.quantity, i.seats])).toEqual([
      ['b', 3, undefined],
      ['a', 2, undefined],
      ['v', 1, ['A-2']],
    ]);
    const holds = await Promise.all(
      basket.items.map(
        async (i: any) =>
          (await api('GET', `/events/bk-happy/sections/${i.sectionId}/holds/${i.holdId}`)).body,
      ),
    );
    expect(holds.map((h) => h.status)).toEqual(['HELD', 'HELD', 'HELD']);
    expect(basket.expiresAt).toBe(holds.map((h) => h.expiresAt).sort()[0]);
    expect((await api('GET', `/baskets/${basket.basketId}`)).body).toEqual(basket);
    expect([(await section('bk-happy', 'a')).held, (await section('bk-happy', 'b')).held]).toEqual([2, 3]);
    expect((await section('bk-happy', 'v')).held).toBe(1);

    const bought = await api('POST', `/baskets/${basket.basketId}/purchase`, {});
    expect(bought.status).toBe(201);
    expect(bought.body.status).toBe('PURCHASED');
    expect(bought.body.orders.map((o: any) => o.holdId).sort()).toEqual(
      basket.items.map((i: any) => i.holdId).sort(),
    );
    const again = await api('POST', `/baskets/${basket.basketId}/purchase`, {});
    expect(again.status).toBe(200);
    expect(again.body).toEqual(bought.body);
    expect((await api('GET', `/baskets/${basket.basketId}`)).body.status).toBe('PURCHASED');
    const refused = await api('DELETE', `/baskets/${basket.basketId}`);
    expect([refused.status, refused.body.error.code]).toEqual([409, 'HOLD_NOT_ACTIVE']);
    expect(await section('bk-happy', 'a')).toMatchObject({ held: 0, sold: 2 });
    expect(await section('bk-happy', 'b')).toMatchObject({ held: 0, sold: 3 });

    // Under an Idempotency-Key a repeat is the same basket; a release gives every seat back.
    const body = { customerId: 'c-happy-2', items: [items[0], items[1]] };
    const first = await api('POST', '/baskets', body, { 'idempotency-key': 'basket-happy-2' });
    const repeat = await api('POST', '/baskets', body, { 'idempotency-key': 'basket-happy-2' });
    expect(first.status).toBe(201);
    expect([repeat.status, repeat.headers['idempotent-replayed']]).toEqual([201, 'true']);
    expect(repeat.body).toEqual(first.body);
    expect([(await section('bk-happy', 'a')).held, (await section('bk-happy', 'b')).held]).toEqual([2, 3]);
    expect((await api('DELETE', `/baskets/${first.body.basketId}`)).status).toBe(204);
    expect((await api('DELETE', `/baskets/${first.body.basketId}`)).status).toBe(204);
    expect((await api('GET', `/baskets/${first.body.basketId}`)).body.status).toBe('RELEASED');
    expect([(await section('bk-happy', 'a')).held, (await section('bk-happy', 'b')).held]).toEqual([0, 0]);
    const late = await api('POST', `/baskets/${first.body.basketId}/purchase`, {});
    expect([late.status, late.body.error.code]).toEqual([409, 'HOLD_NOT_ACTIVE']);
    const missing = await api('GET', '/baskets/bkt-none');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'BASKET_NOT_FOUND']);

    // The units count where their baskets came to rest (the dashboard shows it).
    const counted = new Map<string, number>();
    for (const url of system.unitUrls)
      for (const { labels, value } of await scrapeSamples(url, 'spacegrid_baskets_total'))
        counted.set(labels.outcome!, (counted.get(labels.outcome!) ?? 0) + value);
    expect(Object.fromEntries(counted)).toEqual({ held: 2, purchased: 1, released: 1 });
  });

  it(
    '200 competing baskets: each wholly held or not at all, never oversold',
    { timeout: 180_000 },
    async () => {
      const capacity = { a: 60, b: 60, c: 60 } as Record<string, number>;
      await createEvent(
        'bk-race',
        Object.entries(capacity).map(([id, n]) => ({ id, capacity: n })),
      );
      const pick = random(17);
      const requests = Array.from({ length: 200 }, (_, i) => ({
        customerId: `race-${i}`,
        items: Array.from({ length: 2 + pick(3) }, () => ({
          eventId: 'bk-race',
          sectionId: ['a', 'b', 'c'][pick(3)]!,
          quantity: 1 + pick(3),
        })),
      }));
      const answers = await Promise.all(requests.map((body) => api('POST', '/baskets', body)));
      const granted = new Map<string, (typeof requests)[number]>();
      answers.forEach((answer, i) => {
        expect([201, 409], JSON.stringify(answer.body)).toContain(answer.status);
        if (answer.status === 201) granted.set(requests[i]!.customerId, requests[i]!);
        else expect(answer.body.error.code).toBe('BASKET_UNAVAILABLE');
      });
      expect(granted.size).toBeGreaterThan(0);
      expect(granted.size).toBeLessThan(200);

      const wanted = { a: 0, b: 0, c: 0 } as Record<string, number>;
      for (const body of granted.values())
        for (const item of body.items) wanted[item.sectionId]! += item.quantity;
      for (const id of Object.keys(capacity)) {
        const state = await section('bk-race', id);
        expect(state.held, `section ${id}`).toBe(wanted[id]);
        expect(state.held).toBeLessThanOrEqual(capacity[id]!);
      }
      const expected = new Map([...granted].map(([customer, body]) => [customer, body.items.length]));
      expect(heldByCustomer(await gridHolds('bk-race'))).toEqual(expected);
      expect(await heldInPostgres(['bk-race'])).toEqual(expected);
    },
  );

  it(
    'a purchase with one hold expired buys nothing and releases the other',
    { timeout: 120_000 },
    async () => {
      await createEvent('bk-short', [{ id: 's', capacity: 10 }], 10);
      await createEvent('bk-long', [{ id: 's', capacity: 10 }], 600);
      const created = await api('POST', '/baskets', {
        customerId: 'c-expiry',
        items: [
          { eventId: 'bk-long', sectionId: 's', quantity: 2 },
          { eventId: 'bk-short', sectionId: 's', quantity: 1 },
        ],
      });
      expect(created.status).toBe(201);
      const expiresAt = Date.parse(created.body.expiresAt);
      await waitFor(() => Date.now() > expiresAt + 200, 30_000, 'the short hold to expire', 200);
      const bought = await api('POST', `/baskets/${created.body.basketId}/purchase`, {});
      expect([bought.status, bought.body.error?.code]).toEqual([410, 'HOLD_EXPIRED']);
      const long = created.body.items[0];
      expect((await api('GET', `/events/bk-long/sections/s/holds/${long.holdId}`)).body.status).not.toBe(
        'HELD',
      );
      await waitFor(
        async () => (await section('bk-long', 's')).held === 0 && (await section('bk-short', 's')).held === 0,
        30_000,
        'both sections to have their seats back',
      );
      expect((await section('bk-long', 's')).sold).toBe(0);
      expect((await section('bk-short', 's')).sold).toBe(0);
      expect((await api('GET', `/baskets/${created.body.basketId}`)).body.status).toBe('EXPIRED');
    },
  );

  it('a hold request that arrives after its basket was compensated places nothing', async () => {
    // A coordinator wrote PLACING for an item, sent the hold request and died; the request is
    // still on its way (a slow section unit) when recovery compensates the basket. Its late
    // arrival must not leave a hold alone until the hold's TTL.
    await createEvent('bk-late', [{ id: 'a', capacity: 10 }]);
    const item = { eventId: 'bk-late', sectionId: 'a', quantity: 2 };
    const now = Date.now();
    const fresh = newBasket('bkt-late', { customerId: 'c-late', items: [item] }, now);
    await maps.baskets.putIfAbsent('bkt-late', {
      ...fresh,
      items: [{ ...fresh.items[0]!, state: 'PLACING' }],
      owner: 'unit-that-died',
      leaseUntil: now - 1,
      deadline: now - 1,
    });
    await waitFor(
      async () => (await maps.baskets.get('bkt-late'))?.value.status === 'UNAVAILABLE',
      30_000,
      'recovery to compensate the basket',
    );
    const late = await api(
      'POST',
      '/events/bk-late/sections/a/holds',
      { customerId: 'c-late', quantity: 2 },
      {
        'idempotency-key': itemIdempotencyKey('bkt-late', 0),
      },
    );
    expect(late.status).toBe(201);
    expect(late.body.holdId).toBe(fresh.items[0]!.holdId);
    expect(heldByCustomer(await gridHolds('bk-late')).get('c-late')).toBeUndefined();
    expect((await section('bk-late', 'a')).held).toBe(0);
  });

  it(
    'a basket still being worked on past the wait is 504 BASKET_PENDING with its id: outcome unknown, not shed',
    { timeout: 60_000 },
    async () => {
      // Its coordinator holds a live lease and is still placing (a slow section, say): neither it
      // nor recovery settles the basket within the ~9 s a request waits. The basket may yet end
      // held, so "429, nothing done" would be a lie; the client needs the basket's id to look.
      await createEvent('bk-pending', [{ id: 'a', capacity: 10 }]);
      const body = {
        customerId: 'c-pending',
        items: [{ eventId: 'bk-pending', sectionId: 'a', quantity: 1 }],
      };
      const key = 'pending-basket-key';
      const basketId = idempotentBasketId(key);
      const now = Date.now();
      const fresh = newBasket(basketId, body, now);
      await maps.baskets.putIfAbsent(basketId, {
        ...fresh,
        items: [{ ...fresh.items[0]!, state: 'PLACING' }],
        owner: 'a-slow-unit',
        leaseUntil: now + 120_000,
        deadline: now + 120_000,
      });
      const answer = await api('POST', '/baskets', body, { 'idempotency-key': key });
      expect(answer.status, JSON.stringify(answer.body)).toBe(504);
      expect(answer.body.error.code).toBe('BASKET_PENDING');
      expect(answer.body.error.details).toEqual({ basketId });
      expect(answer.headers['retry-after']).toBe('1');
      const looked = await api('GET', `/baskets/${basketId}`);
      expect([looked.status, looked.body.error?.code]).toEqual([504, 'BASKET_PENDING']);
      // Once its coordinator has ended it (its one item refused), the same key answers with the basket.
      await maps.baskets.set(basketId, {
        ...fresh,
        status: 'UNAVAILABLE',
        items: [{ ...fresh.items[0]!, state: 'REFUSED', code: 'NOT_ENOUGH_SEATS' }],
        owner: null,
        leaseUntil: 0,
      });
      const again = await api('POST', '/baskets', body, { 'idempotency-key': key });
      expect([again.status, again.body.error?.code]).toEqual([409, 'BASKET_UNAVAILABLE']);
      expect(again.body.error.details.items).toEqual(['NOT_ENOUGH_SEATS']);
      // Written ended by hand, it has no time to live and its deadline has passed: recovery removes
      // it, as it does for a unit that died between ending a basket and setting its time to live.
      await waitFor(
        async () => (await maps.baskets.get(basketId)) === null,
        30_000,
        'recovery to remove the ended basket that has no time to live',
      );
    },
  );

  it('refuses bad input at the door, storing nothing', async () => {
    // This test's own customers, not the map's size: the test before leaves an ended basket that
    // recovery removes whenever its next pass comes, which may be during this one.
    const badOnes = async () =>
      (await baskets()).filter((b) => b.customerId === 'c-bad' || b.customerId === 'c bad');
    expect(await badOnes()).toEqual([]);
    const item = { eventId: 'bk-happy', sectionId: 'a', quantity: 1 };
    const bad: unknown[] = [
      { customerId: 'c-bad' },
      { customerId: 'c-bad', items: [] },
      { customerId: 'c-bad', items: Array.from({ length: 11 }, () => item) },
      { customerId: 'c-bad', items: [item], extra: true },
      { customerId: 'c-bad', items: [{ ...item, colour: 'red' }] },
      { customerId: 'c-bad', items: [{ ...item, quantity: 0 }] },
      { customerId: 'c-bad', items: [{ eventId: 'bk-happy', sectionId: 'v', quantity: 1, seats: ['A-1'] }] },
      { customerId: 'c bad', items: [item] },
      'not json',
    ];
    for (const body of bad) {
      const answer = await api(
        'POST',
        '/baskets',
        body,
        typeof body === 'string' ? { 'content-type': 'application/json' } : {},
      );
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
      expect(typeof answer.body.error.message).toBe('string');
    }
    const purchase = await api('POST', '/baskets/bkt-x/purchase', { please: true });
    expect([purchase.status, purchase.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(await badOnes()).toEqual([]);
    expect(heldByCustomer(await gridHolds('bk-happy')).get('c-bad')).toBeUndefined();

    // An unknown section is its own code, with the items; nothing held of the rest.
    const unknown = await api('POST', '/baskets', {
      customerId: 'c-unknown',
      items: [item, { eventId: 'bk-happy', sectionId: 'zz', quantity: 1 }],
    });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'SECTION_NOT_FOUND']);
    expect(unknown.body.error.details.items).toEqual(['ok', 'SECTION_NOT_FOUND']);
    expect(heldByCustomer(await gridHolds('bk-happy')).get('c-unknown')).toBeUndefined();
  });

  it(
    'a coordinating unit killed -9 mid-way leaves every basket whole or gone',
    { timeout: 240_000 },
    async () => {
      await createEvent('bk-crash', [
        { id: 'a', capacity: 5000 },
        { id: 'b', capacity: 5000 },
        { id: 'c', capacity: 5000 },
      ]);
      const env = {
        HZ_MEMBERS: system.hzMembers.join(','),
        HZ_CLUSTER_NAME: system.hzClusterName,
        GRID_NAMESPACE: system.namespace,
        READER_URL: system.reader.url,
      };
      const [victim, survivor] = [
        await spawnPart('processing-unit', env),
        await spawnPart('processing-unit', env),
      ];
      children.push(victim!, survivor!);
      for (const unit of [victim!, survivor!])
        await waitFor(
          async () => (await http('GET', `${unit.url}/readyz`)).status === 200,
          30_000,
          'unit ready',
        );

      const bodies = Array.from({ length: 150 }, (_, i) => ({
        customerId: `crash-${i}`,
        items: ['c', 'a', 'b'].map((sectionId) => ({ eventId: 'bk-crash', sectionId, quantity: 1 })),
      }));
      let answered = 0;
      const answers = bodies.map((body, i) =>
        http('POST', `${(i % 2 ? survivor! : victim!).url}/baskets`, body).then(
          (answer) => {
            answered += 1;
            return answer;
          },
          () => undefined,
        ),
      );
      // Killed while baskets are in flight: some answered, most not.
      await waitFor(() => answered >= 5, 60_000, 'the first baskets', 5);
      await victim!.kill();
      const settled = await Promise.all(answers);
      expect(answered).toBeLessThan(bodies.length);

      const grantedBySurvivor = settled.filter((a, i) => i % 2 === 1 && a?.status === 201).length;
      expect(grantedBySurvivor).toBeGreaterThan(0);
      // Whole or gone: every customer holds 0 or 3, and no basket is left mid-way.
      const whole = (held: Map<string, number>) => [...held.values()].every((n) => n === 3);
      await waitFor(
        async () =>
          whole(heldByCustomer(await gridHolds('bk-crash'))) &&
          (await baskets()).every((b) => !['HOLDING', 'RELEASING', 'PURCHASING'].includes(b.status)),
        90_000,
        'every basket whole or gone in the grid',
        500,
      );
      // The victim's baskets caught mid-way were finished by recovery: compensated, no item refused.
      const recovered = (await baskets()).filter(
        (b) =>
          b.items[0]!.eventId === 'bk-crash' &&
          b.status === 'UNAVAILABLE' &&
          b.items.every((item) => item.state !== 'REFUSED'),
      );
      expect(recovered.length).toBeGreaterThan(0);
      const inGrid = heldByCustomer(await gridHolds('bk-crash'));
      expect(whole(inGrid)).toBe(true);
      // Every basket a unit answered 201 for is whole.
      settled.forEach((answer, i) => {
        if (answer?.status === 201) expect(inGrid.get(bodies[i]!.customerId)).toBe(3);
        else if (answer) expect(inGrid.get(bodies[i]!.customerId)).toBeUndefined();
      });
      const held = [...inGrid.values()].reduce((n, k) => n + k, 0) / 3;
      for (const id of ['a', 'b', 'c']) expect((await section('bk-crash', id)).held).toBe(held);
      expect(await heldInPostgres(['bk-crash'])).toEqual(inGrid);
    },
  );
});
