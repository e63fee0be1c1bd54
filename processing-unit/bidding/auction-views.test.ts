import { describe, expect, it } from 'vitest';
import { RECENT_BIDS_KEPT, type AuctionAggregate } from '../../common/bidding-model.js';
import { buildAuction, type CreateAuctionInput } from './auction-factory.js';
import { auctionRules } from './auction-rules.js';
import { auctionView, bidsView, bidView } from './auction-views.js';

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const MIN = 60_000;
const START = T0 + MIN;
const END = T0 + 10 * MIN;
const iso = (ms: number): string => new Date(ms).toISOString();

function auction(overrides: Partial<CreateAuctionInput> = {}): AuctionAggregate {
  return buildAuction(
    {
      title: 'Signed ball',
      startingPrice: 1000,
      minIncrement: 100,
      startsAt: iso(START),
      endsAt: iso(END),
      ...overrides,
    },
    'lot-7',
    T0,
  ).aggregate;
}

function place(state: AuctionAggregate, bidId: string, bidderId: string, amount: number, now: number): void {
  const decision = auctionRules.decide(state, { type: 'placeBid', bidId, bidderId, amount }, { now });
  for (const event of decision.events) auctionRules.evolve(state, event);
}

describe('auctionView', () => {
  it('shows exactly the fields of API.md, SCHEDULED before the start', () => {
    expect(auctionView(auction(), START - 1)).toEqual({
      id: 'lot-7',
      title: 'Signed ball',
      status: 'SCHEDULED',
      startingPrice: 1000,
      minIncrement: 100,
      minimumNextBid: 1000,
      reserveMet: true,
      highestBid: null,
      bidCount: 0,
      startsAt: iso(START),
      endsAt: iso(END),
      winner: null,
    });
  });

  it('is OPEN from startsAt and shows the highest bid without a winner', () => {
    const state = auction();
    expect(auctionView(state, START).status).toBe('OPEN');
    place(state, 'x-1', 'b-1', 1000, START);
    place(state, 'x-2', 'b-2', 1250, START + 1);
    expect(auctionView(state, END - 1)).toMatchObject({
      status: 'OPEN',
      minimumNextBid: 1350,
      bidCount: 2,
      highestBid: { bidId: 'x-2', bidderId: 'b-2', amount: 1250, placedAt: iso(START + 1) },
      winner: null,
    });
    expect(auctionView(state, END - 1).highestBid).not.toHaveProperty('auctionId');
  });

  it('is CLOSED at endsAt with its winner before the close is committed', () => {
    const state = auction();
    place(state, 'x-1', 'b-1', 1500, START);
    expect(state.closed).toBe(false);
    expect(auctionView(state, END)).toMatchObject({
      status: 'CLOSED',
      winner: { bidId: 'x-1', bidderId: 'b-1', amount: 1500 },
    });
    expect(auctionView(state, END).winner).not.toHaveProperty('placedAt');
  });

  it('agrees with the committed close', () => {
    const state = auction();
    place(state, 'x-1', 'b-1', 1500, START);
    const uncommitted = structuredClone(state);
    for (const event of auctionRules.due(state, END + 5)) auctionRules.evolve(state, event);
    expect(state.closed).toBe(true);
    expect(auctionView(state, END + 10)).toEqual(auctionView(uncommitted, END + 10));
    expect(auctionView(state, END + 10).winner).toEqual({ bidId: 'x-1', bidderId: 'b-1', amount: 1500 });
  });

  it('has no winner when closed without bids', () => {
    expect(auctionView(auction(), END)).toMatchObject({ status: 'CLOSED', winner: null, reserveMet: true });
  });

  it('says whether the reserve is met, never what it is, and names no winner below it', () => {
    const reserve = 4321;
    const state = auction({ reservePrice: reserve });
    expect(auctionView(state, START).reserveMet).toBe(false);
    place(state, 'x-1', 'b-1', 4300, START);
    const below = auctionView(state, END);
    expect(below).toMatchObject({ status: 'CLOSED', reserveMet: false, winner: null });

    place(state, 'x-2', 'b-2', 4400, START + 1);
    const above = auctionView(state, END);
    expect(above).toMatchObject({ reserveMet: true, winner: { bidId: 'x-2', amount: 4400 } });

    for (const view of [auctionView(auction({ reservePrice: reserve }), START), below, above]) {
      expect(Object.keys(view)).not.toContain('reservePrice');
      expect(JSON.stringify(view)).not.toContain(String(reserve));
    }
  });

  it('shows the end as extended by soft close', () => {
    const state = auction({ softCloseSeconds: 60 });
    place(state, 'x-1', 'b-1', 1000, END - 1000);
    expect(auctionView(state, END)).toMatchObject({ status: 'OPEN', endsAt: iso(END - 1000 + MIN) });
  });
});

describe('bidsView', () => {
  function withBids(n: number): AuctionAggregate {
    const state = auction();
    for (let i = 0; i < n; i += 1) place(state, `x-${i}`, `b-${i % 3}`, 1000 + i * 100, START + i);
    return state;
  }

  it('lists the newest bids first, up to the limit', () => {
    const state = withBids(5);
    expect(bidsView(state, 2)).toEqual({
      bids: [
        { bidId: 'x-4', auctionId: 'lot-7', bidderId: 'b-1', amount: 1400, placedAt: iso(START + 4) },
        { bidId: 'x-3', auctionId: 'lot-7', bidderId: 'b-0', amount: 1300, placedAt: iso(START + 3) },
      ],
    });
    expect(bidsView(state, 100).bids.map((b) => b.bidId)).toEqual(['x-4', 'x-3', 'x-2', 'x-1', 'x-0']);
  });

  it('defaults to 50 and never gives more than it keeps', () => {
    const state = withBids(RECENT_BIDS_KEPT + 20);
    expect(bidsView(state).bids).toHaveLength(50);
    expect(bidsView(state, 100).bids).toHaveLength(RECENT_BIDS_KEPT);
    expect(bidsView(state, 1000).bids).toHaveLength(RECENT_BIDS_KEPT);
    expect(bidsView(state, 1).bids[0]?.bidId).toBe(`x-${RECENT_BIDS_KEPT + 19}`);
  });

  it('is empty without bids', () => {
    expect(bidsView(auction(), 10)).toEqual({ bids: [] });
  });
});

describe('bidView', () => {
  it('is the 201 answer of a bid', () => {
    const bid = { bidId: 'x-1', auctionId: 'lot-7', bidderId: 'b-3', amount: 1200, placedAt: iso(START) };
    expect(bidView(bid, 'lot-7', iso(END))).toEqual({
      bidId: 'x-1',
      auctionId: 'lot-7',
      bidderId: 'b-3',
      amount: 1200,
      placedAt: iso(START),
      endsAt: iso(END),
    });
  });
});
