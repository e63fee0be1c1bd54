import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../support/http.js';
import { startSystem, waitFor, type TestSystem } from '../support/system.js';

/** The public path: client → messaging grid → units → grid → pump → writer → Postgres. */
describe('end to end through the messaging grid', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ units: 2 });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('create → hold → purchase → release, and the rows in Postgres', async () => {
    const api = system.gridUrl;
    const created = await http('POST', `${api}/events`, {
      id: 'final-2026',
      name: 'Cup final',
      startsAt: '2026-12-20T18:00:00Z',
      holdTtlSeconds: 600,
      maxSeatsPerHold: 10,
      sections: [
        { id: 'north', capacity: 20000 },
        { id: 'vip', seats: ['A-1', 'A-2', 'A-3'] },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body.sections).toEqual([
      { id: 'north', kind: 'GA', capacity: 20000, available: 20000, held: 0, sold: 0 },
      { id: 'vip', kind: 'RESERVED', capacity: 3, available: 3, held: 0, sold: 0 },
    ]);

    const ga = await http('POST', `${api}/events/final-2026/sections/north/holds`, {
      customerId: 'c-17',
      quantity: 2,
    });
    expect(ga.status).toBe(201);
    expect(ga.body).toMatchObject({
      eventId: 'final-2026',
      sectionId: 'north',
      customerId: 'c-17',
      quantity: 2,
      status: 'HELD',
    });
    const best = await http('POST', `${api}/events/final-2026/sections/vip/holds`, {
      customerId: 'c-18',
      quantity: 2,
    });
    expect(best.body).toMatchObject({ status: 'HELD', seats: ['A-1', 'A-2'] });
    const seat = await http('POST', `${api}/events/final-2026/sections/vip/holds`, {
      customerId: 'c-19',
      seats: ['A-1'],
    });
    expect(seat.status).toBe(409);
    expect(seat.body.error).toMatchObject({ code: 'SEAT_UNAVAILABLE', details: { seats: ['A-1'] } });

    const order = await http(
      'POST',
      `${api}/events/final-2026/sections/north/holds/${ga.body.holdId}/purchase`,
      {},
    );
    expect(order.status).toBe(201);
    expect(order.body).toMatchObject({ holdId: ga.body.holdId, status: 'CONFIRMED', quantity: 2 });
    const held = await http('GET', `${api}/events/final-2026/sections/north/holds/${ga.body.holdId}`);
    expect(held.body).toMatchObject({ status: 'PURCHASED', orderId: order.body.orderId });
    expect(
      (await http('DELETE', `${api}/events/final-2026/sections/north/holds/${ga.body.holdId}`)).status,
    ).toBe(409);
    expect(
      (await http('DELETE', `${api}/events/final-2026/sections/vip/holds/${best.body.holdId}`)).status,
    ).toBe(204);
    const vip = await http('GET', `${api}/events/final-2026/sections/vip`);
    expect(vip.body).toMatchObject({
      held: 0,
      available: 3,
      seats: { 'A-1': 'AVAILABLE', 'A-2': 'AVAILABLE', 'A-3': 'AVAILABLE' },
    });
    expect((await http('GET', `${api}/readyz`)).status).toBe(200);

    await system.drained();
    expect((await system.db.query('SELECT event_id, name, hold_ttl_seconds FROM events')).rows).toEqual([
      { event_id: 'final-2026', name: 'Cup final', hold_ttl_seconds: 600 },
    ]);
    // drained() can answer before the pump has seen the last change: wait for the rows themselves.
    const expectedSections = [
      { section_id: 'north', kind: 'GA', capacity: 20000, held: 0, sold: 2 },
      { section_id: 'vip', kind: 'RESERVED', capacity: 3, held: 0, sold: 0 },
    ];
    const sectionRows = async () =>
      (
        await system.db.query(
          'SELECT section_id, kind, capacity, held, sold FROM sections ORDER BY section_id',
        )
      ).rows;
    await waitFor(
      async () => JSON.stringify(await sectionRows()) === JSON.stringify(expectedSections),
      30_000,
      'the sections in Postgres',
    ).catch(() => undefined);
    expect(await sectionRows()).toEqual(expectedSections);
    const holds = await system.db.query(
      'SELECT hold_id, status, order_id, seats FROM holds ORDER BY created_at',
    );
    expect(holds.rows).toEqual([
      { hold_id: ga.body.holdId, status: 'PURCHASED', order_id: order.body.orderId, seats: null },
      { hold_id: best.body.holdId, status: 'RELEASED', order_id: null, seats: ['A-1', 'A-2'] },
    ]);
    expect((await system.db.query('SELECT order_id, hold_id, quantity FROM orders')).rows).toEqual([
      { order_id: order.body.orderId, hold_id: ga.body.holdId, quantity: 2 },
    ]);
  });

  it('seat ids that name JavaScript object properties are seats like any other', async () => {
    const api = system.gridUrl;
    const seats = ['__proto__', 'constructor', 'toString', 'A-1'];
    const created = await http('POST', `${api}/events`, {
      id: 'proto-seats',
      name: 'Odd seat ids',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: 'box', seats }],
    });
    expect(created.status).toBe(201);
    const hold = await http('POST', `${api}/events/proto-seats/sections/box/holds`, {
      customerId: 'c-1',
      seats: ['__proto__', 'constructor'],
    });
    expect([hold.status, hold.body.seats]).toEqual([201, ['__proto__', 'constructor']]);
    const view = await http('GET', `${api}/events/proto-seats/sections/box`);
    expect(view.status).toBe(200);
    expect(Object.entries(view.body.seats)).toEqual([
      ['__proto__', 'HELD'],
      ['constructor', 'HELD'],
      ['toString', 'AVAILABLE'],
      ['A-1', 'AVAILABLE'],
    ]);
  });

  it('an auction and an event that share an id both reach Postgres, whatever their versions', async () => {
    // Ids are chosen by clients and events and auctions are separate namespaces, so "shared" is a
    // valid event id and a valid auction id. The auction gets ahead (version 6) and is written first;
    // the event's version 1 must still be sent, not taken for one the pump had already delivered.
    const api = system.gridUrl;
    const auction = await http('POST', `${api}/auctions`, {
      id: 'shared',
      title: 'Shared id',
      startingPrice: 1000,
      minIncrement: 100,
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(auction.status).toBe(201);
    for (let bid = 0; bid < 5; bid += 1) {
      const placed = await http('POST', `${api}/auctions/shared/bids`, {
        bidderId: `b${bid}`,
        amount: 1000 + bid * 100,
      });
      expect(placed.status).toBe(201);
    }
    const auctionRow = async () =>
      (await system.db.query("SELECT bid_count FROM auctions WHERE auction_id = 'shared'")).rows[0];
    await waitFor(async () => (await auctionRow())?.bid_count === 5, 30_000, 'the auction in Postgres');

    const event = await http('POST', `${api}/events`, {
      id: 'shared',
      name: 'Shared id',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: 'main', capacity: 10 }],
    });
    expect(event.status).toBe(201);
    const eventRow = async () =>
      (await system.db.query("SELECT name FROM events WHERE event_id = 'shared'")).rows[0];
    await waitFor(async () => (await eventRow()) !== undefined, 15_000, 'the event in Postgres').catch(
      () => undefined,
    );
    expect(await eventRow()).toEqual({ name: 'Shared id' });
    // And its outbox was trimmed only once the event was written, not for the auction's mark.
    expect((await http('GET', `${api}/events/shared`)).status).toBe(200);
  });

  it('a unit tries a transition on the hold entry it filed, but never trusts it: another unit’s release wins', async () => {
    // Each unit remembers the entries of the holds it placed and tries a purchase on that value
    // without reading it first; the compare-and-set must lose when another unit changed the entry.
    const [placer, other] = system.units.map((u) => u.url) as [string, string];
    const created = await http('POST', `${placer}/events`, {
      id: 'remember-2026',
      name: 'Remembered holds',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: 'main', capacity: 10 }],
    });
    expect(created.status).toBe(201);
    const holds = `/events/remember-2026/sections/main/holds`;

    const released = await http('POST', `${placer}${holds}`, { customerId: 'c-1', quantity: 2 });
    expect(released.status).toBe(201);
    expect((await http('DELETE', `${other}${holds}/${released.body.holdId}`)).status).toBe(204);
    const late = await http('POST', `${placer}${holds}/${released.body.holdId}/purchase`, {});
    expect([late.status, late.body.error?.code]).toEqual([409, 'HOLD_NOT_ACTIVE']);

    const bought = await http('POST', `${placer}${holds}`, { customerId: 'c-2', quantity: 3 });
    const order = await http('POST', `${placer}${holds}/${bought.body.holdId}/purchase`, {});
    expect(order.status).toBe(201);
    const again = await http('POST', `${other}${holds}/${bought.body.holdId}/purchase`, {});
    expect([again.status, again.body.orderId]).toEqual([200, order.body.orderId]);

    const section = await http('GET', `${system.gridUrl}/events/remember-2026/sections/main`);
    expect(section.body).toMatchObject({ held: 0, sold: 3, available: 7 });
  });
});
