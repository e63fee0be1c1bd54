import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

describe('a unit on the real grid', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ units: 1 });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('creates, holds, purchases, releases, and Postgres follows', async () => {
    const base = system.unitUrls[0]!;
    const created = await http('POST', `${base}/events`, {
      id: 'smoke',
      name: 'Smoke',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [
        { id: 'ga', capacity: 10 },
        { id: 'vip', seats: ['A-1', 'A-2', 'A-3'] },
      ],
    });
    expect(created.status).toBe(201);
    const hold = await http('POST', `${base}/events/smoke/sections/ga/holds`, {
      customerId: 'c1',
      quantity: 2,
    });
    expect(hold.status).toBe(201);
    const seatHold = await http('POST', `${base}/events/smoke/sections/vip/holds`, {
      customerId: 'c2',
      seats: ['A-2'],
    });
    expect(seatHold.status).toBe(201);
    const bought = await http(
      'POST',
      `${base}/events/smoke/sections/ga/holds/${hold.body.holdId}/purchase`,
      {},
    );
    expect(bought.status).toBe(201);
    const again = await http(
      'POST',
      `${base}/events/smoke/sections/ga/holds/${hold.body.holdId}/purchase`,
      {},
    );
    expect(again.status).toBe(200);
    expect(again.body.orderId).toBe(bought.body.orderId);
    const released = await http('DELETE', `${base}/events/smoke/sections/vip/holds/${seatHold.body.holdId}`);
    expect(released.status).toBe(204);
    const view = await http('GET', `${base}/events/smoke`);
    expect(view.body.sections).toEqual([
      expect.objectContaining({ id: 'ga', available: 8, held: 0, sold: 2 }),
      expect.objectContaining({ id: 'vip', available: 3, held: 0, sold: 0 }),
    ]);
    await system.drained();
    const rows = await system.db.query('SELECT section_id, held, sold FROM sections ORDER BY section_id');
    expect(rows.rows).toEqual([
      { section_id: 'ga', held: 0, sold: 2 },
      { section_id: 'vip', held: 0, sold: 0 },
    ]);
    const holds = await system.db.query('SELECT hold_id, status, order_id FROM holds ORDER BY created_at');
    expect(holds.rows).toEqual([
      { hold_id: hold.body.holdId, status: 'PURCHASED', order_id: bought.body.orderId },
      { hold_id: seatHold.body.holdId, status: 'RELEASED', order_id: null },
    ]);
  });
});
