import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectGrid } from '../../common/grid-client.js';
import { silentLogger } from '../../common/logger.js';
import { http } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

describe('Idempotency-Key', () => {
  let system: TestSystem;
  let a: string;
  let b: string;
  beforeAll(async () => {
    system = await startSystem({ units: 2 });
    [a, b] = system.unitUrls as [string, string];
    await http('POST', `${a}/events`, {
      id: 'idem',
      name: 'Idem',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: 'ga', capacity: 50 }],
    });
  });
  afterAll(async () => {
    await system?.close();
  });

  const holdUrl = (base: string) => `${base}/events/idem/sections/ga/holds`;

  /** What a unit dying before it records its answer, plus the claim's expiry, leaves: no record. */
  async function forgetIdempotencyRecords(): Promise<void> {
    const client = await connectGrid({
      members: system.hzMembers,
      clusterName: system.hzClusterName,
      log: silentLogger,
    });
    try {
      await (await client.getMap(`${system.namespace}.idempotency`)).clear();
    } finally {
      await client.shutdown();
    }
  }

  it('replays the first answer, on any unit, without doing the work twice', async () => {
    const first = await http(
      'POST',
      holdUrl(a),
      { customerId: 'c1', quantity: 2 },
      { 'idempotency-key': 'order-1' },
    );
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await http(
      'POST',
      holdUrl(b),
      { customerId: 'c1', quantity: 2 },
      { 'idempotency-key': 'order-1' },
    );
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await http('GET', `${a}/events/idem/sections/ga`)).body.held).toBe(2);
  });

  it('refuses the same key with a different request (422)', async () => {
    await http('POST', holdUrl(a), { customerId: 'c2', quantity: 1 }, { 'idempotency-key': 'order-2' });
    const other = await http(
      'POST',
      holdUrl(a),
      { customerId: 'c2', quantity: 3 },
      { 'idempotency-key': 'order-2' },
    );
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('replays refusals too: the first answer is the answer', async () => {
    const tooMany = await http(
      'POST',
      holdUrl(a),
      { customerId: 'c3', quantity: 10 },
      { 'idempotency-key': 'order-3' },
    );
    expect(tooMany.status).toBe(201);
    const big = { customerId: 'c4', quantity: 10 };
    // Fill the section, then a refused request under a key.
    for (let i = 0; i < 4; i += 1) await http('POST', holdUrl(a), big);
    const refused = await http(
      'POST',
      holdUrl(a),
      { customerId: 'c5', quantity: 10 },
      { 'idempotency-key': 'order-4' },
    );
    expect(refused.status).toBe(409);
    const replayed = await http(
      'POST',
      holdUrl(b),
      { customerId: 'c5', quantity: 10 },
      { 'idempotency-key': 'order-4' },
    );
    expect(replayed.status).toBe(409);
    expect(replayed.body).toEqual(refused.body);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
  });

  it('lets 20 concurrent duplicates do the work once', async () => {
    await http('POST', `${a}/events`, {
      id: 'idem2',
      name: 'Idem 2',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: 'ga', capacity: 50 }],
    });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        http(
          'POST',
          `${i % 2 ? a : b}/events/idem2/sections/ga/holds`,
          { customerId: 'dup', quantity: 1 },
          { 'idempotency-key': 'dup-1' },
        ),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((r) => r.body.holdId)).size).toBe(1);
    expect((await http('GET', `${a}/events/idem2/sections/ga`)).body.held).toBe(1);
  });

  it("a retry that outlives the key's record finds the hold it placed instead of placing another", async () => {
    const key = 'order-lost-answer';
    const body = { customerId: 'c9', quantity: 3 };
    const first = await http('POST', holdUrl(a), body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const heldBefore = (await http('GET', `${a}/events/idem/sections/ga`)).body.held as number;

    // The unit that placed it "died" before recording the answer, and the claim expired: no record left.
    await forgetIdempotencyRecords();
    const retry = await http('POST', holdUrl(b), body, { 'idempotency-key': key });
    expect(retry.status).toBe(201);
    expect(retry.body.holdId).toBe(first.body.holdId);
    expect((await http('GET', `${a}/events/idem/sections/ga`)).body.held).toBe(heldBefore);

    // The same key for another request, even without a record, is refused.
    await forgetIdempotencyRecords();
    const other = await http('POST', holdUrl(a), { ...body, quantity: 4 }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');

    await system.drained();
    const rows = await system.db.query('SELECT hold_id, quantity FROM holds WHERE customer_id = $1', ['c9']);
    expect(rows.rows).toEqual([{ hold_id: first.body.holdId, quantity: 3 }]);
  });
});
