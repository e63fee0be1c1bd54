import { describe, expect, it } from 'vitest';
import type { HttpResult } from '../outcome.js';
import { bidsStrictlyRising } from './bid-checks.js';
import { bidsPersisted, gridEqualsDb, holdsPersisted } from './ledger-checks.js';
import { Observations } from './observations.js';
import { runInvariantChecks } from './run-invariant-checks.js';
import { gridAccountsForHolds, noOversellInDb, noOversellInGrid, seatsHeldOnce } from './section-checks.js';
import type { DbSnapshot, GridSnapshot } from './snapshots.js';

const NOW = Date.parse('2026-01-01T00:00:10Z');
const created = (body: Record<string, unknown>): HttpResult => ({
  status: 201,
  body,
  errorCode: undefined,
  failure: undefined,
});
const timedOut: HttpResult = { status: 0, body: undefined, errorCode: undefined, failure: 'timeout' };
const rejected = (code: string): HttpResult => ({
  status: 409,
  body: { error: { code } },
  errorCode: code,
  failure: undefined,
});

/** A GA section of 10 seats and a reserved one of 4, with holds h1 (3, purchased), h2 (2), r1. */
function ticketingRun(): Observations {
  const o = new Observations();
  o.loadStartedAt = NOW - 5000;
  o.addSection({ eventId: 'e', sectionId: 'ga', kind: 'GA', capacity: 10, holdTtlSeconds: 600 });
  o.addSection({ eventId: 'e', sectionId: 'res', kind: 'RESERVED', capacity: 4, holdTtlSeconds: 600 });
  o.holdAnswered('e', 'ga', 3, created({ holdId: 'h1', quantity: 3 }));
  o.holdAnswered('e', 'ga', 2, created({ holdId: 'h2', quantity: 2 }));
  o.holdAnswered('e', 'ga', 4, rejected('NOT_ENOUGH_SEATS'));
  o.purchaseAnswered('h1', created({ orderId: 'o1' }));
  o.holdAnswered('e', 'res', 2, created({ holdId: 'r1', quantity: 2, seats: ['A-1', 'A-2'] }));
  return o;
}

function grid(overrides: Partial<Record<'ga' | 'res', { held: number; sold: number }>> = {}): GridSnapshot {
  const ga = overrides.ga ?? { held: 2, sold: 3 };
  const res = overrides.res ?? { held: 2, sold: 0 };
  return {
    sections: new Map([
      ['e/ga', { eventId: 'e', sectionId: 'ga', capacity: 10, ...ga, seats: undefined }],
      [
        'e/res',
        {
          eventId: 'e',
          sectionId: 'res',
          capacity: 4,
          ...res,
          seats: { 'A-1': 'HELD', 'A-2': 'HELD', 'A-3': 'AVAILABLE', 'A-4': 'AVAILABLE' },
        },
      ],
    ]),
    auctions: new Map(),
    unreadable: [],
  };
}

function db(): DbSnapshot {
  return {
    sections: [
      { eventId: 'e', sectionId: 'ga', capacity: 10, held: 2, sold: 3 },
      { eventId: 'e', sectionId: 'res', capacity: 4, held: 2, sold: 0 },
    ],
    holds: [
      {
        holdId: 'h1',
        eventId: 'e',
        sectionId: 'ga',
        customerId: 'c1',
        quantity: 3,
        status: 'PURCHASED',
        seats: null,
      },
      {
        holdId: 'h2',
        eventId: 'e',
        sectionId: 'ga',
        customerId: 'c2',
        quantity: 2,
        status: 'HELD',
        seats: null,
      },
      {
        holdId: 'r1',
        eventId: 'e',
        sectionId: 'res',
        customerId: 'c3',
        quantity: 2,
        status: 'HELD',
        seats: ['A-1', 'A-2'],
      },
    ],
    auctions: [],
    bids: [],
  };
}

describe('section invariants', () => {
  it('pass on a consistent run', () => {
    const results = runInvariantChecks(ticketingRun(), grid(), db(), NOW);
    expect(results.filter((r) => r.status === 'FAIL')).toEqual([]);
    expect(results.map((r) => [r.name, r.status])).toContainEqual(['no oversell (API)', 'PASS']);
  });

  it('fail when the API shows more held + sold than capacity', () => {
    const result = noOversellInGrid(ticketingRun(), grid({ ga: { held: 8, sold: 3 } }));
    expect(result.status).toBe('FAIL');
    expect(result.failures[0]).toContain('held 8 + sold 3 > capacity 10');
  });

  it('fail when the seat map disagrees with the section counts', () => {
    const result = noOversellInGrid(ticketingRun(), grid({ res: { held: 1, sold: 0 } }));
    expect(result.status).toBe('FAIL');
    expect(result.failures[0]).toContain('seat map has 2 HELD');
  });

  it('fail when a Postgres section row is oversold or missing', () => {
    const rows = db();
    rows.sections[0]!.sold = 9;
    expect(noOversellInDb(ticketingRun(), rows).failures[0]).toContain('held 2 + sold 9 > capacity 10');
    rows.sections.pop();
    expect(noOversellInDb(ticketingRun(), rows).failures).toContain('Postgres: no sections row for e/res');
  });

  it('fail when the API lost a granted hold, or counts one nobody was granted', () => {
    expect(gridAccountsForHolds(ticketingRun(), grid({ ga: { held: 0, sold: 3 } }), NOW).status).toBe('FAIL');
    expect(gridAccountsForHolds(ticketingRun(), grid({ ga: { held: 3, sold: 3 } }), NOW).status).toBe('FAIL');
  });

  it('allow what unanswered requests may have taken', () => {
    const o = ticketingRun();
    o.holdAnswered('e', 'ga', 4, timedOut);
    expect(o.unknownHoldQuantity.get('e/ga')).toBe(4);
    expect(gridAccountsForHolds(o, grid({ ga: { held: 6, sold: 3 } }), NOW).status).toBe('PASS');
    expect(gridAccountsForHolds(o, grid({ ga: { held: 7, sold: 3 } }), NOW).status).toBe('FAIL');
  });

  it('skip the accounting once holds may have expired', () => {
    const later = NOW + 600_000;
    expect(gridAccountsForHolds(ticketingRun(), grid({ ga: { held: 0, sold: 3 } }), later).status).toBe(
      'SKIP',
    );
  });

  it('fail when a seat was granted twice, to clients or in Postgres', () => {
    const o = ticketingRun();
    o.holdAnswered('e', 'res', 1, created({ holdId: 'r2', quantity: 1, seats: ['A-2'] }));
    const told = seatsHeldOnce(o, db(), NOW);
    expect(told.status).toBe('FAIL');
    expect(told.failures[0]).toContain('seat e/res/A-2 in holds r1 and r2');

    const rows = db();
    rows.holds.push({
      holdId: 'r3',
      eventId: 'e',
      sectionId: 'res',
      customerId: 'c4',
      quantity: 1,
      status: 'PURCHASED',
      seats: ['A-1'],
    });
    expect(seatsHeldOnce(ticketingRun(), rows, NOW).failures[0]).toContain('Postgres: seat e/res/A-1');
    rows.holds[3]!.status = 'EXPIRED';
    expect(seatsHeldOnce(ticketingRun(), rows, NOW).status).toBe('PASS');
  });
});

describe('ledger invariants', () => {
  it('fail when a granted hold is missing or differs in Postgres', () => {
    const rows = db();
    rows.holds = rows.holds.filter((h) => h.holdId !== 'h2');
    rows.holds[0]!.status = 'HELD';
    const result = holdsPersisted(ticketingRun(), rows);
    expect(result.status).toBe('FAIL');
    expect(result.failures).toEqual(['hold h1: purchased, Postgres says HELD', 'hold h2 (e/ga) missing']);
  });

  it('fail when the grid and Postgres disagree', () => {
    const rows = db();
    rows.sections[0]!.held = 1;
    const result = gridEqualsDb(ticketingRun(), grid(), rows);
    expect(result.status).toBe('FAIL');
    expect(result.failures[0]).toBe('section e/ga: API held/sold 2/3, Postgres 1/3');
  });
});

function auctionRun(
  bids: Array<[id: string, amount: number, placedMs: number, sentAt: number, receivedAt: number]>,
): Observations {
  const o = new Observations();
  o.addAuction({ auctionId: 'lot', startingPrice: 1000, minIncrement: 100 });
  for (const [bidId, amount, placedMs, sentAt, receivedAt] of bids) {
    o.bidAnswered(
      'lot',
      created({ bidId, bidderId: 'b', amount, placedAt: new Date(NOW + placedMs).toISOString() }),
      sentAt,
      receivedAt,
    );
  }
  o.bidAnswered('lot', rejected('BID_TOO_LOW'), 0, 1);
  return o;
}

const auctionGrid = (highestAmount: number | null, bidCount: number): GridSnapshot => ({
  sections: new Map(),
  auctions: new Map([['lot', { auctionId: 'lot', highestAmount, bidCount }]]),
  unreadable: [],
});

const auctionDb = (bids: Array<[string, number, number]>, highest: number | null): DbSnapshot => ({
  sections: [],
  holds: [],
  auctions: [{ auctionId: 'lot', highestAmount: highest, bidCount: bids.length }],
  bids: bids.map(([bidId, amount, placedMs]) => ({
    bidId,
    auctionId: 'lot',
    amount,
    placedAt: NOW + placedMs,
  })),
});

describe('bid invariants', () => {
  const good: Array<[string, number, number, number, number]> = [
    ['b1', 1000, 0, 0, 5],
    ['b2', 1100, 3, 1, 6],
    ['b3', 1300, 9, 7, 12],
  ];

  it('pass when accepted bids rise in every view', () => {
    const o = auctionRun(good);
    const results = runInvariantChecks(
      o,
      auctionGrid(1300, 3),
      auctionDb(
        [
          ['b1', 1000, 0],
          ['b2', 1100, 3],
          ['b3', 1300, 9],
        ],
        1300,
      ),
      NOW,
    );
    expect(results.filter((r) => r.status === 'FAIL')).toEqual([]);
    expect(bidsStrictlyRising(o, auctionGrid(1300, 3), undefined).status).toBe('PASS');
  });

  it('fail when a later bid is not higher', () => {
    const result = bidsStrictlyRising(
      auctionRun([...good, ['b4', 1200, 12, 13, 15]]),
      auctionGrid(1300, 4),
      undefined,
    );
    expect(result.status).toBe('FAIL');
    expect(result.failures.join('\n')).toContain('bid b4 (1200');
  });

  it('fail when two accepted bids are closer than the increment, or below the starting price', () => {
    const result = bidsStrictlyRising(
      auctionRun([
        ['b1', 900, 0, 0, 1],
        ['b2', 950, 2, 2, 3],
      ]),
      auctionGrid(950, 2),
      undefined,
    );
    expect(result.failures).toContain('lot: accepted 900 below the starting price 1000');
    expect(result.failures).toContain('lot: accepted 900 and 950, less than the increment 100 apart');
  });

  it('fail on a real-time inversion even when the server stamps say otherwise', () => {
    // b2 was sent after b1's acceptance reached the client, yet is lower; placedAt claims b2 came first.
    const o = auctionRun([
      ['b1', 1500, 10, 0, 5],
      ['b2', 1200, 2, 6, 8],
    ]);
    const result = bidsStrictlyRising(o, auctionGrid(1500, 2), undefined);
    expect(result.failures.some((f) => f.includes('bid b2 (1200) accepted after b1 (1500)'))).toBe(true);
  });

  it('fail when Postgres bids fall, or the API shows another highest bid or count', () => {
    const o = auctionRun(good);
    const falling = bidsStrictlyRising(
      o,
      auctionGrid(1300, 3),
      auctionDb(
        [
          ['b1', 1000, 0],
          ['b2', 1100, 10],
          ['b3', 1300, 9],
        ],
        1300,
      ),
    );
    expect(falling.failures[0]).toContain('lot (Postgres)');
    expect(bidsStrictlyRising(o, auctionGrid(1100, 3), undefined).failures).toEqual([
      'lot: API highest 1100, highest accepted 1300',
    ]);
    expect(bidsStrictlyRising(o, auctionGrid(1300, 5), undefined).failures).toEqual([
      'lot: API bidCount 5, 3 accepted',
    ]);
  });

  it('fail when an accepted bid is missing from Postgres, or the auction row differs from the API', () => {
    const o = auctionRun(good);
    const rows = auctionDb(
      [
        ['b1', 1000, 0],
        ['b3', 1300, 9],
      ],
      1300,
    );
    expect(bidsPersisted(o, rows).failures).toEqual(['bid b2 (1100) missing']);
    expect(gridEqualsDb(o, auctionGrid(1300, 3), rows).failures).toEqual([
      'auction lot: API highest/count 1300/3, Postgres 1300/2',
    ]);
  });

  it('skip what the scenario does not exercise', () => {
    const results = runInvariantChecks(
      new Observations(),
      { sections: new Map(), auctions: new Map(), unreadable: [] },
      undefined,
      NOW,
    );
    expect(results.map((r) => r.status)).toEqual(['PASS', 'SKIP', 'SKIP', 'SKIP', 'SKIP']);
  });
});
