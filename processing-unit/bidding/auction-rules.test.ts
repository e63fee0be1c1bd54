import { describe, expect, it } from 'vitest';
import { RECENT_BIDS_KEPT, type AuctionAggregate, type AuctionSnapshot } from '../../common/bidding-model.js';
import type { DomainEvent } from '../../common/change-record.js';
import { ConflictError, ValidationError } from '../../common/errors.js';
import { appendOutbox } from '../../common/outbox.js';
import type { AuctionCommand } from './auction-commands.js';
import { buildAuction, type CreateAuctionInput } from './auction-factory.js';
import { auctionRules, minimumNextBid, reserveMet, type AuctionResult } from './auction-rules.js';

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const SEC = 1000;
const MIN = 60 * SEC;
const START = T0 + MIN;
const END = T0 + 10 * MIN;
const iso = (ms: number): string => new Date(ms).toISOString();

function auction(overrides: Partial<CreateAuctionInput> = {}): AuctionAggregate {
  const input: CreateAuctionInput = {
    title: 'Signed ball',
    startingPrice: 1000,
    minIncrement: 100,
    startsAt: iso(START),
    endsAt: iso(END),
    ...overrides,
  };
  return buildAuction(input, 'lot-7', T0).aggregate;
}

let bidSeq = 0;
function bid(amount: number, bidderId = 'b-1'): AuctionCommand {
  bidSeq += 1;
  return { type: 'placeBid', bidId: `bid-${bidSeq}`, bidderId, amount };
}

/** decide and evolve one command on the state itself (a test is its own batch-private draft). */
function place(state: AuctionAggregate, command: AuctionCommand, now: number): AuctionResult {
  const decision = auctionRules.decide(state, command, { now });
  for (const event of decision.events) auctionRules.evolve(state, event);
  return decision.result;
}

function refusal(fn: () => unknown): ConflictError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConflictError) return err;
    throw err;
  }
  throw new Error('expected a ConflictError, nothing was thrown');
}

type Outcome = { ok: true; result: AuctionResult } | { ok: false; error: unknown };

/** What the batch engine does with one batch, without the grid: due, each command, one version. */
function batch(
  state: AuctionAggregate,
  commands: AuctionCommand[],
  now: number,
): { state: AuctionAggregate; outcomes: Outcome[]; events: DomainEvent[] } {
  const draft = structuredClone(state);
  const events: DomainEvent[] = [];
  const apply = (produced: DomainEvent[]): void => {
    for (const event of produced) auctionRules.evolve(draft, event);
    events.push(...produced);
  };
  apply(auctionRules.due(draft, now));
  const outcomes = commands.map((command): Outcome => {
    try {
      const decision = auctionRules.decide(draft, command, { now });
      apply(decision.events);
      return { ok: true, result: decision.result };
    } catch (error) {
      return { ok: false, error };
    }
  });
  if (events.length > 0) {
    draft.version += 1;
    appendOutbox<AuctionSnapshot, AuctionAggregate>(draft, {
      version: draft.version,
      at: now,
      snapshot: auctionRules.snapshot(draft),
      events,
    });
  }
  draft.nextDeadline = auctionRules.nextDeadline(draft);
  return { state: draft, outcomes, events };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A small deterministic PRNG (mulberry32), so the simulation is reproducible. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('placeBid: amounts', () => {
  it('refuses a first bid below the starting price, with the minimum in details', () => {
    const state = auction();
    const err = refusal(() => auctionRules.decide(state, bid(999), { now: START }));
    expect(err.code).toBe('BID_TOO_LOW');
    expect(err.status).toBe(409);
    expect(err.details).toEqual({ minimumNextBid: 1000 });
  });

  it('accepts a first bid of exactly the starting price', () => {
    const state = auction();
    const result = place(state, bid(1000, 'b-1'), START);
    expect(result).toMatchObject({ kind: 'bid', bid: { amount: 1000, bidderId: 'b-1', auctionId: 'lot-7' } });
    expect(state.highestBid?.amount).toBe(1000);
    expect(state.bidCount).toBe(1);
  });

  it('accepts a first bid above the starting price', () => {
    const state = auction();
    place(state, bid(2500), START);
    expect(minimumNextBid(state)).toBe(2600);
  });

  it('asks each later bid for at least the highest plus the increment', () => {
    const state = auction();
    place(state, bid(1000), START);
    const low = refusal(() => auctionRules.decide(state, bid(1099), { now: START + 1 }));
    expect(low.code).toBe('BID_TOO_LOW');
    expect(low.details).toEqual({ minimumNextBid: 1100 });
    place(state, bid(1100), START + 2);
    place(state, bid(5000), START + 3);
    expect(minimumNextBid(state)).toBe(5100);
    expect(refusal(() => auctionRules.decide(state, bid(5099), { now: START + 4 })).details).toEqual({
      minimumNextBid: 5100,
    });
    expect(state.bidCount).toBe(3);
  });

  it('refuses a bid equal to the highest', () => {
    const state = auction();
    place(state, bid(1000), START);
    expect(refusal(() => auctionRules.decide(state, bid(1000, 'b-2'), { now: START + 1 })).code).toBe(
      'BID_TOO_LOW',
    );
  });

  it('lets a bidder raise their own bid', () => {
    const state = auction();
    place(state, bid(1000, 'b-1'), START);
    place(state, bid(1100, 'b-1'), START + 1);
    expect(state.highestBid).toMatchObject({ bidderId: 'b-1', amount: 1100 });
  });

  it('refuses amounts that are not positive integers of minor units', () => {
    const state = auction();
    for (const amount of [1000.5, 0, -1000, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => auctionRules.decide(state, bid(amount), { now: START })).toThrow(ValidationError);
    }
  });

  it('stamps the bid with the batch time and the command ids', () => {
    const state = auction();
    const result = place(
      state,
      { type: 'placeBid', bidId: 'x-1', bidderId: 'b-9', amount: 1200 },
      START + 1234,
    );
    expect(result).toEqual({
      kind: 'bid',
      bid: { bidId: 'x-1', auctionId: 'lot-7', bidderId: 'b-9', amount: 1200, placedAt: iso(START + 1234) },
      endsAt: iso(END),
    });
  });
});

describe('placeBid: times', () => {
  it('refuses a bid before startsAt', () => {
    const state = auction();
    const err = refusal(() => auctionRules.decide(state, bid(1000), { now: START - 1 }));
    expect(err.code).toBe('AUCTION_NOT_STARTED');
    expect(err.details).toEqual({ startsAt: iso(START) });
  });

  it('accepts a bid at exactly startsAt', () => {
    const state = auction();
    expect(place(state, bid(1000), START).kind).toBe('bid');
  });

  it('accepts a bid 1 ms before endsAt', () => {
    const state = auction();
    expect(place(state, bid(1000), END - 1).kind).toBe('bid');
  });

  it('refuses a bid at exactly endsAt as too late', () => {
    const state = auction();
    expect(refusal(() => auctionRules.decide(state, bid(1000), { now: END })).code).toBe('AUCTION_CLOSED');
  });

  it('refuses a bid after endsAt', () => {
    const state = auction();
    expect(refusal(() => auctionRules.decide(state, bid(1000), { now: END + MIN })).code).toBe(
      'AUCTION_CLOSED',
    );
  });

  it('refuses a bid once the close is committed, whatever the clock says', () => {
    const state = auction();
    state.closed = true;
    state.closedAt = state.endsAt;
    expect(refusal(() => auctionRules.decide(state, bid(1000), { now: START })).code).toBe('AUCTION_CLOSED');
  });

  it('does nothing on touch', () => {
    const state = auction();
    expect(auctionRules.decide(state, { type: 'touch' }, { now: START })).toEqual({
      result: { kind: 'none' },
      events: [],
    });
  });
});

describe('soft close', () => {
  const WINDOW = 120 * SEC;

  it('does not extend a bid placed before the window', () => {
    const state = auction({ softCloseSeconds: 120 });
    const result = place(state, bid(1000), END - WINDOW - 1);
    expect(result).toMatchObject({ kind: 'bid', endsAt: iso(END) });
    expect(state.endsAt).toBe(iso(END));
  });

  it('leaves endsAt where it is for a bid at exactly endsAt - softClose (placedAt + softClose = endsAt)', () => {
    const state = auction({ softCloseSeconds: 120 });
    const decision = auctionRules.decide(state, bid(1000), { now: END - WINDOW });
    expect(decision.events).toEqual([expect.objectContaining({ type: 'BidPlaced', endsAt: iso(END) })]);
  });

  it('extends for a bid strictly inside the window, to placedAt + softClose', () => {
    const state = auction({ softCloseSeconds: 120 });
    const decision = auctionRules.decide(state, bid(1000), { now: END - WINDOW + 1 });
    expect(decision.result).toMatchObject({ kind: 'bid', endsAt: iso(END + 1) });
    expect(decision.events).toEqual([expect.objectContaining({ type: 'BidPlaced', endsAt: iso(END + 1) })]);
    auctionRules.evolve(state, decision.events[0]!);
    expect(state.endsAt).toBe(iso(END + 1));
    expect(auctionRules.nextDeadline(state)).toBe(END + 1);
  });

  it('extends for a bid in the last millisecond', () => {
    const state = auction({ softCloseSeconds: 120 });
    expect(place(state, bid(1000), END - 1)).toMatchObject({ endsAt: iso(END - 1 + WINDOW) });
  });

  it('keeps extending while bids keep arriving in the window, and closes after the last one', () => {
    let state = auction({ softCloseSeconds: 120 });
    let amount = 1000;
    let endsAt = END;
    for (let i = 0; i < 20; i += 1) {
      const now = endsAt - 1 - (i % 3) * SEC;
      const { state: next, outcomes } = batch(state, [bid(amount, `b-${i % 2}`)], now);
      expect(outcomes[0]).toMatchObject({ ok: true, result: { kind: 'bid', endsAt: iso(now + WINDOW) } });
      expect(Date.parse(next.endsAt)).toBeGreaterThan(endsAt - 1);
      expect(next.nextDeadline).toBe(now + WINDOW);
      state = next;
      endsAt = now + WINDOW;
      amount += 100;
    }
    expect(endsAt).toBeGreaterThan(END + 19 * MIN);
    const { state: closed, outcomes, events } = batch(state, [bid(amount)], endsAt);
    expect(events.map((e) => e.type)).toEqual(['AuctionClosed']);
    expect(outcomes[0]).toMatchObject({ ok: false, error: { code: 'AUCTION_CLOSED' } });
    expect(closed.closedAt).toBe(iso(endsAt));
    expect(closed.highestBid?.amount).toBe(amount - 100);
  });

  it('never extends when softCloseSeconds is 0', () => {
    const state = auction({ softCloseSeconds: 0 });
    expect(place(state, bid(1000), END - 1)).toMatchObject({ endsAt: iso(END) });
    expect(state.endsAt).toBe(iso(END));
    expect(refusal(() => auctionRules.decide(state, bid(1100), { now: END })).code).toBe('AUCTION_CLOSED');
  });
});

describe('due: automatic close', () => {
  it('has nothing to do before endsAt', () => {
    const state = auction();
    expect(auctionRules.due(state, END - 1)).toEqual([]);
    expect(auctionRules.nextDeadline(state)).toBe(END);
  });

  it('closes an auction without bids at endsAt, with no winner', () => {
    const state = auction();
    const events = auctionRules.due(state, END);
    expect(events).toEqual([{ type: 'AuctionClosed', auctionId: 'lot-7', closedAt: iso(END), winner: null }]);
    auctionRules.evolve(state, events[0]!);
    expect(state.closed).toBe(true);
    expect(state.closedAt).toBe(iso(END));
    expect(auctionRules.nextDeadline(state)).toBeNull();
    expect(auctionRules.due(state, END + MIN)).toEqual([]);
  });

  it('records the end of the auction as closedAt even when the close is committed late', () => {
    const state = auction();
    expect(auctionRules.due(state, END + 5 * MIN)).toEqual([expect.objectContaining({ closedAt: iso(END) })]);
  });

  it('names the highest bid the winner when there is no reserve', () => {
    const state = auction();
    place(state, bid(1000, 'b-1'), START);
    place(state, bid(1300, 'b-2'), START + 1);
    const events = auctionRules.due(state, END);
    expect(events).toEqual([
      { type: 'AuctionClosed', auctionId: 'lot-7', closedAt: iso(END), winner: state.highestBid },
    ]);
    expect(state.highestBid).toMatchObject({ bidderId: 'b-2', amount: 1300 });
  });

  it('names no winner when the reserve is not met', () => {
    const state = auction({ reservePrice: 5000 });
    place(state, bid(4900), START);
    expect(reserveMet(state)).toBe(false);
    expect(auctionRules.due(state, END)).toEqual([expect.objectContaining({ winner: null })]);
  });

  it('names the winner when the highest bid equals the reserve', () => {
    const state = auction({ reservePrice: 5000 });
    place(state, bid(5000, 'b-4'), START);
    expect(reserveMet(state)).toBe(true);
    expect(auctionRules.due(state, END)).toEqual([
      expect.objectContaining({ winner: expect.objectContaining({ bidderId: 'b-4', amount: 5000 }) }),
    ]);
  });

  it('closes before any bid of the same batch is decided', () => {
    const state = auction();
    const { state: next, outcomes, events } = batch(state, [bid(1000), { type: 'touch' }], END);
    expect(events).toEqual([expect.objectContaining({ type: 'AuctionClosed' })]);
    expect(outcomes[0]).toMatchObject({ ok: false });
    expect((outcomes[0] as { error: ConflictError }).error.code).toBe('AUCTION_CLOSED');
    expect(outcomes[1]).toEqual({ ok: true, result: { kind: 'none' } });
    expect(next.closed).toBe(true);
    expect(next.nextDeadline).toBeNull();
    expect(next.bidCount).toBe(0);
  });

  it('is closed by a sweeper touch', () => {
    const state = auction();
    place(state, bid(1000), START);
    const { state: next } = batch(state, [{ type: 'touch' }], END + 10);
    expect(next.closed).toBe(true);
    expect(next.outbox.at(-1)?.events).toEqual([
      { type: 'AuctionClosed', auctionId: 'lot-7', closedAt: iso(END), winner: state.highestBid },
    ]);
  });
});

describe('evolve: recent bids', () => {
  it(`keeps the newest ${RECENT_BIDS_KEPT} bids, newest first, and counts all of them`, () => {
    const state = auction();
    const total = RECENT_BIDS_KEPT + 50;
    for (let i = 0; i < total; i += 1) place(state, bid(1000 + i * 100, `b-${i % 7}`), START + i);
    expect(state.bidCount).toBe(total);
    expect(state.recentBids).toHaveLength(RECENT_BIDS_KEPT);
    expect(state.recentBids[0]).toEqual(state.highestBid);
    expect(state.recentBids[0]?.amount).toBe(1000 + (total - 1) * 100);
    expect(state.recentBids.at(-1)?.amount).toBe(1000 + (total - RECENT_BIDS_KEPT) * 100);
    for (let i = 1; i < state.recentBids.length; i += 1) {
      expect(state.recentBids[i - 1]!.amount).toBeGreaterThan(state.recentBids[i]!.amount);
      expect(Date.parse(state.recentBids[i - 1]!.placedAt)).toBeGreaterThan(
        Date.parse(state.recentBids[i]!.placedAt),
      );
    }
  });

  it('ignores events about other aggregates', () => {
    const state = auction();
    const before = structuredClone(state);
    auctionRules.evolve(state, { type: 'HoldReleased', hold: {} as never });
    expect(state).toEqual(before);
  });
});

describe('versions and snapshots', () => {
  it('bumps the version once per batch that changed something and stamps it on the snapshot', () => {
    let state = auction({ startsAt: iso(START) });
    expect(state.version).toBe(1);
    expect(state.outbox[0]?.snapshot).toMatchObject({ version: 1, status: 'SCHEDULED', bidCount: 0 });

    const first = batch(state, [bid(1000, 'b-1'), bid(1000, 'b-2'), bid(1200, 'b-3')], START + 5);
    expect(first.state.version).toBe(2);
    expect(first.outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(first.state.outbox.map((e) => e.version)).toEqual([1, 2]);
    expect(first.state.outbox[1]?.snapshot).toEqual({
      auctionId: 'lot-7',
      title: 'Signed ball',
      status: 'OPEN',
      highestAmount: 1200,
      highestBidderId: 'b-3',
      bidCount: 2,
      endsAt: iso(END),
      version: 2,
    });
    state = first.state;

    const refusedOnly = batch(state, [bid(1200)], START + 6);
    expect(refusedOnly.state.version).toBe(2);
    expect(refusedOnly.state.outbox).toHaveLength(2);

    const close = batch(state, [], END);
    expect(close.state.version).toBe(3);
    expect(close.state.outbox[2]).toMatchObject({
      version: 3,
      at: END,
      snapshot: { status: 'CLOSED', version: 3, highestAmount: 1200 },
    });
    expect(auctionRules.snapshot(close.state).version).toBe(close.state.version);
  });

  it('reports OPEN for an auction created already open, without bids', () => {
    const state = auction({ startsAt: undefined });
    expect(auctionRules.snapshot(state)).toMatchObject({
      status: 'OPEN',
      highestAmount: null,
      highestBidderId: null,
    });
  });
});

describe('decide and due are pure', () => {
  it('do not mutate a deep-frozen state, whether they accept, extend, refuse or close', () => {
    const state = auction({ softCloseSeconds: 60, reservePrice: 1500 });
    place(state, bid(1000, 'b-1'), START);
    place(state, bid(1600, 'b-2'), START + 1);
    const json = JSON.stringify(state);
    deepFreeze(state);

    const accepted = auctionRules.decide(state, bid(1700), { now: START + 2 });
    expect(accepted.result.kind).toBe('bid');
    const extended = auctionRules.decide(state, bid(1700), { now: END - 1 });
    expect(extended.result).toMatchObject({ endsAt: iso(END - 1 + MIN) });
    expect(() => auctionRules.decide(state, bid(1650), { now: START + 2 })).toThrow(ConflictError);
    expect(() => auctionRules.decide(state, bid(1700), { now: START - 1 })).toThrow(ConflictError);
    expect(() => auctionRules.decide(state, bid(1700), { now: END })).toThrow(ConflictError);
    expect(auctionRules.due(state, END)).toHaveLength(1);
    auctionRules.snapshot(state);
    auctionRules.nextDeadline(state);

    expect(JSON.stringify(state)).toBe(json);
  });
});

describe('a bidding war', () => {
  it('accepts only strictly rising amounts, extends through the endgame and crowns the highest bid', () => {
    const random = prng(7);
    const bidders = ['ann', 'bob', 'cat', 'dan', 'eve'];
    const reservePrice = 30_000;
    let state = auction({ softCloseSeconds: 30, reservePrice, minIncrement: 50 });
    const accepted: number[] = [];
    let refused = 0;

    const round = (now: number): void => {
      const size = 1 + Math.floor(random() * 8);
      const commands: AuctionCommand[] = [];
      for (let i = 0; i < size; i += 1) {
        // Bidders read the price before the batch, so some lose the race and bid too low.
        const seen = state.highestBid?.amount ?? 900;
        commands.push(
          bid(seen + Math.floor(random() * 400), bidders[Math.floor(random() * bidders.length)]!),
        );
      }
      const before = Date.parse(state.endsAt);
      const out = batch(state, commands, now);
      for (const o of out.outcomes) {
        if (o.ok && o.result.kind === 'bid') {
          accepted.push(o.result.bid.amount);
        } else if (!o.ok) {
          expect(o.error).toBeInstanceOf(ConflictError);
          expect((o.error as ConflictError).code).toBe('BID_TOO_LOW');
          refused += 1;
        }
      }
      expect(Date.parse(out.state.endsAt)).toBeGreaterThanOrEqual(before);
      state = out.state;
    };

    // The main phase: bursts of bids until a minute before the scheduled end.
    for (let now = START; now < END - MIN; now += Math.floor(random() * 3 * SEC)) round(now);
    expect(state.endsAt).toBe(iso(END));
    // The endgame: every bid lands in the last 30 s, so the auction runs on past its end.
    for (let i = 0; i < 40; i += 1) round(Date.parse(state.endsAt) - 1 - Math.floor(random() * 29 * SEC));
    const endsAt = Date.parse(state.endsAt);
    expect(endsAt).toBeGreaterThan(END);

    const late = batch(state, [bid(state.highestBid!.amount + 1000)], endsAt);
    expect(late.outcomes[0]).toMatchObject({ ok: false, error: { code: 'AUCTION_CLOSED' } });
    state = late.state;

    expect(accepted.length).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(0);
    expect(accepted[0]).toBeGreaterThanOrEqual(1000);
    for (let i = 1; i < accepted.length; i += 1) {
      expect(accepted[i]! - accepted[i - 1]!).toBeGreaterThanOrEqual(50);
    }
    expect(state.bidCount).toBe(accepted.length);
    expect(state.highestBid?.amount).toBe(accepted.at(-1));
    expect(state.recentBids.map((b) => b.amount)).toEqual(accepted.slice(-RECENT_BIDS_KEPT).reverse());
    expect(state.closed).toBe(true);
    expect(state.highestBid!.amount).toBeGreaterThanOrEqual(reservePrice);
    expect(state.outbox.at(-1)?.events).toEqual([
      { type: 'AuctionClosed', auctionId: 'lot-7', closedAt: iso(endsAt), winner: state.highestBid },
    ]);
    expect(state.outbox.map((e) => e.version)).toEqual(
      Array.from({ length: state.version }, (_, i) => i + 1),
    );
  });
});

describe('a bid repeated (a retry under the same Idempotency-Key carries the same bid id)', () => {
  const first = (amount = 1000, bidderId = 'b-1'): AuctionCommand => ({
    type: 'placeBid',
    bidId: 'bid-k1',
    bidderId,
    amount,
  });

  it("answers the highest bidder's repeat with its bid, not BID_TOO_LOW, and places nothing", () => {
    const state = auction();
    const placed = place(state, first(), START);
    const { state: after, outcomes, events } = batch(state, [first()], START + SEC);
    expect(outcomes).toEqual([{ ok: true, result: placed }]);
    expect(events).toEqual([]);
    expect(after).toEqual(state);
  });

  it('answers a repeat with its own bid after it was outbid', () => {
    const state = auction();
    const placed = place(state, first(), START);
    place(state, bid(1500, 'b-2'), START + SEC);
    const result = place(state, first(), START + 2 * SEC);
    expect(result).toEqual({ ...placed, endsAt: state.endsAt });
    expect(state.bidCount).toBe(2);
    expect(state.highestBid?.bidderId).toBe('b-2');
  });

  it('places a repeat in the same batch once', () => {
    const { state, outcomes, events } = batch(auction(), [first(), first()], START);
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(events.filter((e) => e.type === 'BidPlaced')).toHaveLength(1);
    expect(state.bidCount).toBe(1);
  });

  it('answers a repeat with the bid after the auction closed, not AUCTION_CLOSED', () => {
    const state = auction();
    const placed = place(state, first(), START);
    const { outcomes } = batch(state, [first()], END + SEC);
    expect(outcomes).toEqual([{ ok: true, result: placed }]);
  });

  it('answers with the endsAt the auction has now (a later bid may have extended it)', () => {
    const state = auction({ softCloseSeconds: 120 });
    const placed = place(state, first(), START);
    const late = place(state, bid(2000, 'b-2'), END - SEC);
    expect(late.kind === 'bid' && late.endsAt).not.toBe(state.startsAt);
    const again = place(state, first(), END);
    expect(again).toEqual({ ...placed, endsAt: state.endsAt });
  });

  it.each([
    ['another bidder', first(1000, 'b-9')],
    ['another amount', first(1200)],
  ])('refuses the same id for %s with IDEMPOTENCY_KEY_REUSED (422)', (_what, command) => {
    const state = auction();
    place(state, first(), START);
    const { state: after, outcomes } = batch(state, [command], START + SEC);
    const outcome = outcomes[0];
    if (!outcome || outcome.ok) throw new Error('expected a refusal');
    expect(outcome.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
    expect(after).toEqual(state);
  });

  it(`never places it twice, even after ${RECENT_BIDS_KEPT} newer bids: BID_TOO_LOW then`, () => {
    const state = auction();
    place(state, first(), START);
    for (let i = 1; i <= RECENT_BIDS_KEPT; i += 1) place(state, bid(1000 + i * 100, 'b-2'), START + i);
    expect(refusal(() => place(state, first(), START + 5 * SEC)).code).toBe('BID_TOO_LOW');
    expect(state.bidCount).toBe(RECENT_BIDS_KEPT + 1);
  });
});
