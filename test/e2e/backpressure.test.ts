/* eslint-disable @typescript-eslint/no-explicit-any -- answers are inspected loosely */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWriter, type DataWriter } from '../../data-writer/build-writer.js';
import { http } from '../support/http.js';
import { startSystem, testLogger, waitFor, type TestSystem } from '../support/system.js';

/**
 * When the write-behind falls behind (here: no data writer at all, so nothing is confirmed), a key's
 * outbox grows only to its bound: then its writes are refused with 429 OVERLOADED and Retry-After,
 * reads and other keys go on, and once a writer catches up everything acknowledged is in Postgres.
 */
describe('backpressure from the write-behind', () => {
  let system: TestSystem;
  let writer: DataWriter | undefined;
  const granted: string[] = [];
  beforeAll(async () => {
    system = await startSystem({
      units: 1,
      writer: false,
      writeBehindBound: { maxEntries: 20, maxAgeMs: 600_000 },
    });
    const created = await http('POST', `${system.gridUrl}/events`, {
      id: 'bp',
      name: 'Backpressure',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [
        { id: 'hot', capacity: 1000 },
        { id: 'cold', capacity: 1000 },
      ],
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await system?.close();
    await writer?.close();
  });

  const hold = (section: string, customerId: string) =>
    http('POST', `${system.gridUrl}/events/bp/sections/${section}/holds`, { customerId, quantity: 1 });

  it('grants writes up to the bound, then refuses them clearly; reads and other keys go on', async () => {
    let refused: any;
    for (let i = 0; i < 40 && !refused; i += 1) {
      // One at a time: each hold is its own batch, one outbox entry each.
      const answer = await hold('hot', `c${i}`);
      if (answer.status === 201) granted.push(answer.body.holdId);
      else refused = answer;
    }
    expect(granted.length).toBeGreaterThanOrEqual(19);
    expect(granted.length).toBeLessThanOrEqual(20);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.body.error.code).toBe('OVERLOADED');
    expect(refused.body.error.message).toMatch(/write-behind is behind: \d+ changes not yet stored/);

    const section = await http('GET', `${system.gridUrl}/events/bp/sections/hot`);
    expect(section.status).toBe(200);
    expect(section.body.held).toBe(granted.length);
    expect((await hold('cold', 'other')).status).toBe(201);
    expect((await hold('hot', 'again')).status).toBe(429);

    // Finishing work already granted is never refused: a purchase of a held seat goes through
    // (refused after its hold's entry said PURCHASED, the buyer would be told no and charged anyway).
    const purchase = await http(
      'POST',
      `${system.gridUrl}/events/bp/sections/hot/holds/${granted[0]}/purchase`,
      {},
    );
    expect(purchase.status).toBe(201);
    const after = await http('GET', `${system.gridUrl}/events/bp/sections/hot`);
    expect(after.body).toMatchObject({ held: granted.length - 1, sold: 1 });
  });

  it('takes writes again once a writer has stored the backlog, and loses nothing acknowledged', async () => {
    writer = buildWriter(
      {
        port: 0,
        host: '127.0.0.1',
        databaseUrl: system.databaseUrl,
        redisUrl: system.redisUrl,
        namespace: system.namespace,
        concurrency: 64,
        maxBatch: 500,
        statementTimeoutMs: 15_000,
        adminToken: undefined,
      },
      testLogger(),
    );
    await writer.start();
    await waitFor(
      async () => (await hold('hot', 'later')).status === 201,
      30_000,
      'writes accepted again',
      200,
    );
    await system.drained();
    const rows = await system.db.query(
      "SELECT hold_id FROM holds WHERE event_id = 'bp' AND section_id = 'hot'",
    );
    const stored = new Set(rows.rows.map((r) => r.hold_id));
    for (const id of granted) expect(stored.has(id), id).toBe(true);
  });
});

describe('backpressure by age', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({
      units: 1,
      writer: false,
      writeBehindBound: { maxEntries: 100_000, maxAgeMs: 1_000 },
    });
  });
  afterAll(async () => system?.close());

  it('refuses writes to a key whose oldest unstored change is older than the bound', async () => {
    const created = await http('POST', `${system.gridUrl}/events`, {
      id: 'aged',
      name: 'Aged',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: 'ga', capacity: 1000 }],
    });
    expect(created.status).toBe(201);
    expect(
      (
        await http('POST', `${system.gridUrl}/events/aged/sections/ga/holds`, {
          customerId: 'first',
          quantity: 1,
        })
      ).status,
    ).toBe(201);
    let refused: any;
    await waitFor(
      async () => {
        const answer = await http('POST', `${system.gridUrl}/events/aged/sections/ga/holds`, {
          customerId: 'next',
          quantity: 1,
        });
        if (answer.status === 429) refused = answer;
        return refused !== undefined;
      },
      10_000,
      'a refusal by age',
      200,
    );
    expect(refused.body.error.message).toMatch(/a change has waited \d+ s to be stored in Postgres/);
  });
});
