import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../support/http.js';
import { startSystem, waitFor, type TestSystem } from '../support/system.js';

describe('bidding on the real grid', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ units: 2, sweepIntervalMs: 100 });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('a bidding war: 40 bidders through both units; amounts strictly rise; Postgres holds exactly the accepted bids', async () => {
    const [a, b] = system.unitUrls as [string, string];
    expect(
      (
        await http('POST', `${a}/auctions`, {
          id: 'war',
          title: 'Signed ball',
          startingPrice: 1000,
          minIncrement: 100,
          endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        })
      ).status,
    ).toBe(201);
    // Each bidder reads the minimum and bids it (or a little more), over and over, racing the others.
    const accepted: Array<{ bidId: string; amount: number; placedAt: string }> = [];
    let refused = 0;
    await Promise.all(
      Array.from({ length: 40 }, async (_, bidder) => {
        const base = bidder % 2 ? a : b;
        for (let round = 0; round < 5; round += 1) {
          const view = await http('GET', `${base}/auctions/war`);
          const amount = view.body.minimumNextBid + (bidder % 3) * 50;
          const answer = await http('POST', `${base}/auctions/war/bids`, { bidderId: `b${bidder}`, amount });
          if (answer.status === 201) accepted.push(answer.body);
          else {
            expect(answer.status).toBe(409);
            expect(answer.body.error.code).toBe('BID_TOO_LOW');
            expect(answer.body.error.details.minimumNextBid).toBeGreaterThan(amount);
            refused += 1;
          }
        }
      }),
    );
    expect(accepted.length).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0); // the race was real
    const ordered = [...accepted].sort((x, y) => x.placedAt.localeCompare(y.placedAt) || x.amount - y.amount);
    for (let i = 1; i < ordered.length; i += 1) {
      expect(ordered[i]!.amount).toBeGreaterThanOrEqual(ordered[i - 1]!.amount + 100);
    }
    const top = ordered[ordered.length - 1]!;
    const view = await http('GET', `${a}/auctions/war`);
    expect(view.body).toMatchObject({
      bidCount: accepted.length,
      highestBid: { bidId: top.bidId, amount: top.amount },
    });

    await system.drained();
    const rows = await system.db.query<{ bid_id: string; amount: string }>(
      "SELECT bid_id, amount FROM bids WHERE auction_id = 'war'",
    );
    expect(new Set(rows.rows.map((r) => r.bid_id))).toEqual(new Set(accepted.map((x) => x.bidId)));
    expect(rows.rows).toHaveLength(accepted.length);
    const auction = await system.db.query(
      "SELECT highest_amount, bid_count, status FROM auctions WHERE auction_id = 'war'",
    );
    expect(auction.rows[0]).toEqual({
      highest_amount: String(top.amount),
      bid_count: accepted.length,
      status: 'OPEN',
    });
  });

  it('closes by itself at endsAt, names the winner, refuses later bids, and Postgres follows', async () => {
    const [a, b] = system.unitUrls as [string, string];
    const endsAt = new Date(Date.now() + 1_500).toISOString();
    expect(
      (
        await http('POST', `${a}/auctions`, {
          id: 'soon',
          title: 'Soon',
          startingPrice: 500,
          minIncrement: 50,
          endsAt,
          reservePrice: 600,
        })
      ).status,
    ).toBe(201);
    const low = await http('POST', `${a}/auctions/soon/bids`, { bidderId: 'x', amount: 500 });
    const high = await http('POST', `${b}/auctions/soon/bids`, { bidderId: 'y', amount: 700 });
    expect([low.status, high.status]).toEqual([201, 201]);

    // Nobody touches the lot: the sweeper must commit the close, and Postgres must see it.
    await waitFor(
      async () =>
        (await system.db.query("SELECT status FROM auctions WHERE auction_id = 'soon'")).rows[0]?.status ===
        'CLOSED',
      20_000,
      'the close to reach Postgres without any request',
    );
    const view = await http('GET', `${b}/auctions/soon`);
    expect(view.body).toMatchObject({
      status: 'CLOSED',
      reserveMet: true,
      winner: { bidId: high.body.bidId, bidderId: 'y', amount: 700 },
    });
    expect(view.body).not.toHaveProperty('reservePrice');
    const late = await http('POST', `${a}/auctions/soon/bids`, { bidderId: 'z', amount: 10_000 });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('AUCTION_CLOSED');
  });

  it('holds expire by themselves too, with nobody touching the section', async () => {
    const [a] = system.unitUrls as [string];
    await http('POST', `${a}/events`, {
      id: 'ttl',
      name: 'TTL',
      startsAt: '2026-12-20T18:00:00Z',
      holdTtlSeconds: 10,
      sections: [{ id: 'ga', capacity: 5 }],
    });
    const hold = await http('POST', `${a}/events/ttl/sections/ga/holds`, { customerId: 'c', quantity: 5 });
    expect(hold.status).toBe(201);
    await waitFor(
      async () =>
        (await system.db.query(`SELECT status FROM holds WHERE hold_id = '${hold.body.holdId}'`)).rows[0]
          ?.status === 'EXPIRED',
      30_000,
      'the expiry to reach Postgres without any request',
    );
    expect((await system.db.query("SELECT held FROM sections WHERE event_id = 'ttl'")).rows[0].held).toBe(0);
    const purchase = await http('POST', `${a}/events/ttl/sections/ga/holds/${hold.body.holdId}/purchase`, {});
    expect(purchase.status).toBe(410);
    expect(purchase.body.error.code).toBe('HOLD_EXPIRED');
  });
});
