import { ReaderArchive } from '../../processing-unit/archive-client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectGrid, type HazelcastClient } from '../../common/grid-client.js';
import { openGridMaps, type IdempotencyRecord } from '../../common/grid-maps.js';
import { JsonMap } from '../../common/json-map.js';
import { silentLogger } from '../../common/logger.js';
import { gridNames } from '../../common/map-names.js';
import { RetryLaterError } from '../../common/errors.js';
import { Idempotency } from '../../processing-unit/idempotency.js';
import { TicketingService, type SectionEngine } from '../../processing-unit/ticketing/ticketing-service.js';
import { BatchEngine } from '../../processing-unit/write-path/batch-engine.js';
import { http } from '../support/http.js';
import { startSystem, uniqueName, type TestSystem } from '../support/system.js';

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
    // Each duplicate waits up to 5 s for the first answer; on a machine loaded by other test files it
    // may instead hear 409 IDEMPOTENCY_KEY_IN_FLIGHT (retry later). Either way the work is done once.
    const granted = answers.filter((r) => r.status === 201);
    const waiting = answers.filter((r) => r.status !== 201);
    expect(granted.length).toBeGreaterThan(0);
    for (const r of waiting)
      expect([r.status, r.body.error.code]).toEqual([409, 'IDEMPOTENCY_KEY_IN_FLIGHT']);
    expect(new Set(granted.map((r) => r.body.holdId)).size).toBe(1);
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
  it('a keyed POST /events retried after its record is gone answers with the event it created, never a second one', async () => {
    const key = 'create-event-lost-answer';
    const body = {
      name: 'Keyed event',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: 'ga', capacity: 5 }],
    };
    const first = await http('POST', `${a}/events`, body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    await http('POST', `${a}/events/${first.body.id}/sections/ga/holds`, { customerId: 'c1', quantity: 2 });

    // The unit "died" before recording the answer, and the claim expired: the client retries.
    await forgetIdempotencyRecords();
    const retry = await http('POST', `${b}/events`, body, { 'idempotency-key': key });
    expect([retry.status, retry.body.id]).toEqual([201, first.body.id]);
    expect(retry.body.sections[0]).toMatchObject({ id: 'ga', held: 2, available: 3 });

    // Another request under the same key is refused, record or not.
    await forgetIdempotencyRecords();
    const other = await http('POST', `${a}/events`, { ...body, name: 'Other' }, { 'idempotency-key': key });
    expect([other.status, other.body.error?.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);

    // With an id of the client's own, the retry is recognised too (it used to get 409 EVENT_EXISTS).
    const named = { ...body, id: 'keyed-named' };
    expect((await http('POST', `${a}/events`, named, { 'idempotency-key': 'create-named' })).status).toBe(
      201,
    );
    await forgetIdempotencyRecords();
    const again = await http('POST', `${b}/events`, named, { 'idempotency-key': 'create-named' });
    expect([again.status, again.body.id]).toEqual([201, 'keyed-named']);
    // Without the key it is what it always was: that id is taken.
    expect((await http('POST', `${a}/events`, named)).body.error?.code).toBe('EVENT_EXISTS');

    await system.drained();
    const rows = await system.db.query("SELECT event_id FROM events WHERE name = 'Keyed event' ORDER BY 1");
    expect(rows.rows.map((r) => r.event_id)).toEqual([first.body.id, 'keyed-named'].sort());
  });

  it('a keyed POST /auctions retried after its record is gone answers with the auction it created', async () => {
    const key = 'create-auction-lost-answer';
    const body = {
      title: 'Keyed lot',
      startingPrice: 1000,
      minIncrement: 100,
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    const first = await http('POST', `${a}/auctions`, body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(
      (await http('POST', `${a}/auctions/${first.body.id}/bids`, { bidderId: 'b1', amount: 1000 })).status,
    ).toBe(201);

    await forgetIdempotencyRecords();
    const retry = await http('POST', `${b}/auctions`, body, { 'idempotency-key': key });
    expect([retry.status, retry.body.id, retry.body.bidCount]).toEqual([201, first.body.id, 1]);
    await forgetIdempotencyRecords();
    const other = await http(
      'POST',
      `${a}/auctions`,
      { ...body, title: 'Other' },
      { 'idempotency-key': key },
    );
    expect([other.status, other.body.error?.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);

    await system.drained();
    const rows = await system.db.query("SELECT auction_id FROM auctions WHERE title = 'Keyed lot'");
    expect(rows.rows.map((r) => r.auction_id)).toEqual([first.body.id]);
  });

  /** A grid client of the test's own, for what a unit's death leaves behind. */
  async function withGrid<T>(use: (client: HazelcastClient) => Promise<T>): Promise<T> {
    const client = await connectGrid({
      members: system.hzMembers,
      clusterName: system.hzClusterName,
      log: silentLogger,
    });
    try {
      return await use(client);
    } finally {
      await client.shutdown();
    }
  }

  it("a bid's retry that outlives its record answers with that bid: once placed, never twice, never BID_TOO_LOW", async () => {
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const created = await http('POST', `${a}/auctions`, {
      id: 'idem-lot',
      title: 'Lot',
      startingPrice: 1000,
      minIncrement: 100,
      endsAt,
    });
    expect(created.status).toBe(201);
    const bids = (base: string) => `${base}/auctions/idem-lot/bids`;
    const body = { bidderId: 'b-1', amount: 1000 };
    const first = await http('POST', bids(a), body, { 'idempotency-key': 'bid-lost-answer' });
    expect(first.status).toBe(201);

    // Its unit "died" before recording the answer: the highest bidder's retry gets its own bid back.
    await forgetIdempotencyRecords();
    const retry = await http('POST', bids(b), body, { 'idempotency-key': 'bid-lost-answer' });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);

    // Outbid meanwhile: the retry still answers with the bid it placed, and places nothing.
    expect((await http('POST', bids(a), { bidderId: 'b-2', amount: 1500 })).status).toBe(201);
    await forgetIdempotencyRecords();
    const late = await http('POST', bids(b), body, { 'idempotency-key': 'bid-lost-answer' });
    expect(late.status).toBe(201);
    expect(late.body.bidId).toBe(first.body.bidId);

    // The same key for another bid, even without a record, is refused.
    await forgetIdempotencyRecords();
    const other = await http(
      'POST',
      bids(a),
      { ...body, amount: 2000 },
      { 'idempotency-key': 'bid-lost-answer' },
    );
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');

    const auction = (await http('GET', `${a}/auctions/idem-lot`)).body;
    expect(auction.bidCount).toBe(2);
    expect(auction.highestBid.bidderId).toBe('b-2');
    await system.drained();
    const rows = await system.db.query(
      'SELECT bid_id, bidder_id, amount::int AS amount FROM bids WHERE auction_id = $1 ORDER BY amount',
      ['idem-lot'],
    );
    expect(rows.rows).toEqual([
      { bid_id: first.body.bidId, bidder_id: 'b-1', amount: 1000 },
      { bid_id: expect.any(String), bidder_id: 'b-2', amount: 1500 },
    ]);
    const auctionRow = await system.db.query('SELECT bid_count FROM auctions WHERE auction_id = $1', [
      'idem-lot',
    ]);
    expect(auctionRow.rows).toEqual([{ bid_count: 2 }]);
  });

  it('a retry that reaches the section while its first attempt is still there places the hold once', async () => {
    // A first attempt still in a unit when its claim expired (a unit stalled past 30 s, or a
    // gateway timeout), and the client's retry: the same key reaches the section's writer twice,
    // before either is committed and before either hold is filed in the holds map.
    await http('POST', `${a}/events`, {
      id: 'idem3',
      name: 'Idem 3',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: 'ga', capacity: 50 }],
    });
    await withGrid(async (client) => {
      const maps = await openGridMaps(client, gridNames(system.namespace));
      const engine: SectionEngine = new BatchEngine(maps.sections, { log: silentLogger });
      const service = new TicketingService(maps, engine, new ReaderArchive(system.reader.url));
      const body = { customerId: 'c-twice', quantity: 2 };
      const [one, two] = await Promise.all([
        service.placeHold('idem3', 'ga', body, 'twice-1'),
        service.placeHold('idem3', 'ga', body, 'twice-1'),
      ]);
      expect(two.holdId).toBe(one.holdId);
      // Once more, after the first committed (its placement now in the outbox or the holds map).
      const three = await service.placeHold('idem3', 'ga', body, 'twice-1');
      expect(three.holdId).toBe(one.holdId);
      // And through a unit, with no record of the key left.
      await forgetIdempotencyRecords();
      const four = await http('POST', `${b}/events/idem3/sections/ga/holds`, body, {
        'idempotency-key': 'twice-1',
      });
      expect(four.status).toBe(201);
      expect(four.body.holdId).toBe(one.holdId);
      await engine.idle();
      const section = (await http('GET', `${a}/events/idem3/sections/ga`)).body;
      expect({ held: section.held, available: section.available }).toEqual({ held: 2, available: 48 });
      await system.drained();
      const rows = await system.db.query('SELECT hold_id, quantity FROM holds WHERE customer_id = $1', [
        'c-twice',
      ]);
      expect(rows.rows).toEqual([{ hold_id: one.holdId, quantity: 2 }]);
      const sectionRow = await system.db.query(
        'SELECT held, sold FROM sections WHERE event_id = $1 AND section_id = $2',
        ['idem3', 'ga'],
      );
      expect(sectionRow.rows).toEqual([{ held: 2, sold: 0 }]);
    });
  });

  it('a first attempt that fails late does not free a key its retry has since claimed', async () => {
    await withGrid(async (client) => {
      const map = await JsonMap.open<IdempotencyRecord>(client, uniqueName('idem-claims'));
      // Two units: the first claims for 1 s only, so that its claim expires while it still works.
      const stalled = new Idempotency({ idempotency: map }, { ttlSeconds: 60, pendingTtlSeconds: 1 });
      const idempotency = new Idempotency({ idempotency: map }, { ttlSeconds: 60, waitMs: 10_000 });
      let runs = 0;
      const slowFailure = stalled.run('late-fail', 'fp', async () => {
        runs += 1;
        await sleep(1_500);
        throw new RetryLaterError('NOT_READY', 'the grid went away mid-way', 1);
      });
      // The first claim expires after 1 s: the client's retry takes the key and is slow too.
      await sleep(1_100);
      let releaseRetry!: () => void;
      const retryMayFinish = new Promise<void>((done) => (releaseRetry = done));
      const retry = idempotency.run('late-fail', 'fp', async () => {
        runs += 1;
        await retryMayFinish;
        return { status: 201, body: { done: 'by the retry' } };
      });
      await expect(slowFailure).rejects.toBeInstanceOf(RetryLaterError);
      // A third attempt now must wait for the retry's answer, not do the work alongside it.
      const third = idempotency.run('late-fail', 'fp', async () => {
        runs += 1;
        return { status: 201, body: { done: 'by the third' } };
      });
      await sleep(200);
      releaseRetry();
      expect(await retry).toEqual({ status: 201, body: { done: 'by the retry' }, replayed: false });
      expect(await third).toEqual({ status: 201, body: { done: 'by the retry' }, replayed: true });
      expect(runs).toBe(2);
      await map.map.destroy();
    });
  });
});
