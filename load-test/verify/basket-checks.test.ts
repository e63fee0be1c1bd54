import { describe, expect, it } from 'vitest';
import type { HttpResult } from '../outcome.js';
import { basketsWholeInDb, basketsWholeInGrid, refusedBasketsHoldNothing } from './basket-checks.js';
import { Observations } from './observations.js';
import { runInvariantChecks } from './run-invariant-checks.js';
import { gridAccountsForHolds } from './section-checks.js';
import type { DbHoldRow, DbSnapshot, GridSnapshot } from './snapshots.js';

const NOW = Date.parse('2026-01-01T00:00:10Z');
const answer = (status: number, body?: unknown, failure?: 'timeout'): HttpResult => ({
  status,
  body,
  errorCode: (body as { error?: { code?: string } } | undefined)?.error?.code,
  failure,
});
const unavailable = (items: string[]): HttpResult =>
  answer(409, { error: { code: 'BASKET_UNAVAILABLE', message: 'nothing is held', details: { items } } });

const twoItems = [
  { eventId: 'e', sectionId: 'a', quantity: 2 },
  { eventId: 'e', sectionId: 'b', quantity: 1 },
];
const granted = (basketId: string, holdIds: [string, string]): HttpResult =>
  answer(201, {
    basketId,
    status: 'HELD',
    items: twoItems.map((item, i) => ({ ...item, holdId: holdIds[i] })),
  });

/**
 * Two GA sections of 10; baskets k1 (kept: h1, h2), p1 (purchased: h3, h4), r1 (released: h5, h6)
 * granted; customer x refused after a's hold was placed and b had no seats.
 */
function basketRun(): Observations {
  const o = new Observations();
  o.loadStartedAt = NOW - 5000;
  for (const sectionId of ['a', 'b'])
    o.addSection({ eventId: 'e', sectionId, kind: 'GA', capacity: 10, holdTtlSeconds: 600 });
  o.basketAnswered('k', twoItems, granted('k1', ['h1', 'h2']));
  o.basketAnswered('p', twoItems, granted('p1', ['h3', 'h4']));
  o.basketPurchaseAnswered('p1', answer(201, { basketId: 'p1', status: 'PURCHASED', orders: [] }));
  o.basketAnswered('r', twoItems, granted('r1', ['h5', 'h6']));
  o.basketReleaseAnswered('r1', answer(204));
  o.basketAnswered('x', twoItems, unavailable(['ok', 'NOT_ENOUGH_SEATS']));
  return o;
}

const STATUSES: Record<string, string> = {
  h1: 'HELD',
  h2: 'HELD',
  h3: 'PURCHASED',
  h4: 'PURCHASED',
  h5: 'RELEASED',
  h6: 'RELEASED',
};
const CUSTOMERS: Record<string, string> = { h1: 'k', h2: 'k', h3: 'p', h4: 'p', h5: 'r', h6: 'r' };

function grid(statuses: Record<string, string> = STATUSES): GridSnapshot {
  return {
    sections: new Map([
      ['e/a', { eventId: 'e', sectionId: 'a', capacity: 10, held: 2, sold: 2, seats: undefined }],
      ['e/b', { eventId: 'e', sectionId: 'b', capacity: 10, held: 1, sold: 1, seats: undefined }],
    ]),
    auctions: new Map(),
    unreadable: [],
    basketHolds: new Map(Object.entries(statuses)),
  };
}

const row = (holdId: string, status: string, customerId = CUSTOMERS[holdId]!): DbHoldRow => ({
  holdId,
  eventId: 'e',
  sectionId: Number(holdId.slice(1)) % 2 === 1 ? 'a' : 'b',
  customerId,
  quantity: Number(holdId.slice(1)) % 2 === 1 ? 2 : 1,
  status,
  seats: null,
});

function db(statuses: Record<string, string> = STATUSES, extra: DbHoldRow[] = []): DbSnapshot {
  return {
    sections: [
      { eventId: 'e', sectionId: 'a', capacity: 10, held: 2, sold: 2 },
      { eventId: 'e', sectionId: 'b', capacity: 10, held: 1, sold: 1 },
    ],
    holds: [...Object.entries(statuses).map(([holdId, status]) => row(holdId, status)), ...extra],
    auctions: [],
    bids: [],
  };
}

describe('basket invariants', () => {
  it('pass on a consistent run, with every other check', () => {
    const results = runInvariantChecks(basketRun(), grid(), db(), NOW);
    expect(results.filter((r) => r.status === 'FAIL')).toEqual([]);
    const basketChecks = results.filter((r) => r.name.includes('basket'));
    expect(basketChecks.map((r) => [r.name, r.status])).toEqual([
      ['every granted basket whole (API)', 'PASS'],
      ['every granted basket whole (Postgres)', 'PASS'],
      ['no refused basket holds anything (Postgres)', 'PASS'],
    ]);
  });

  it('count a released basket out of the section, and one whose release got no answer either way', () => {
    const o = basketRun();
    expect(gridAccountsForHolds(o, grid(), NOW).status).toBe('PASS');
    o.basketReleaseAnswered('k1', answer(0, undefined, 'timeout'));
    expect(gridAccountsForHolds(o, grid(), NOW).status).toBe('PASS');
    const released = grid();
    released.sections.get('e/a')!.held = 0;
    released.sections.get('e/b')!.held = 0;
    expect(gridAccountsForHolds(o, released, NOW).status).toBe('PASS');
  });

  it('fail when a basket is split across statuses, or a hold is missing', () => {
    const split = basketsWholeInGrid(basketRun(), grid({ ...STATUSES, h2: 'RELEASED' }), NOW);
    expect(split.status).toBe('FAIL');
    expect(split.failures).toEqual(['basket k1 (kept): holds h1 HELD, h2 RELEASED; expected all HELD']);
    const missing = { ...STATUSES, h4: 'HTTP 404' };
    expect(basketsWholeInGrid(basketRun(), grid(missing), NOW).failures[0]).toContain('h4 HTTP 404');
    const { h6: _gone, ...withoutH6 } = STATUSES;
    expect(basketsWholeInDb(basketRun(), db(withoutH6), NOW).failures[0]).toContain('h6 missing');
  });

  it('fail when a basket is whole but not in the status it was told', () => {
    const notBought = { ...STATUSES, h3: 'HELD', h4: 'HELD' };
    expect(basketsWholeInDb(basketRun(), db(notBought), NOW).failures).toEqual([
      'basket p1 (purchase confirmed): holds h3 HELD, h4 HELD; expected all PURCHASED',
    ]);
  });

  it('accept either status when a purchase got no answer, but still one status per basket', () => {
    const o = basketRun();
    o.basketPurchaseAnswered('k1', answer(0, undefined, 'timeout'));
    expect(basketsWholeInGrid(o, grid(), NOW).status).toBe('PASS');
    expect(basketsWholeInGrid(o, grid({ ...STATUSES, h1: 'PURCHASED', h2: 'PURCHASED' }), NOW).status).toBe(
      'PASS',
    );
    expect(basketsWholeInGrid(o, grid({ ...STATUSES, h1: 'PURCHASED' }), NOW).status).toBe('FAIL');
  });

  it('fail when a refused basket left a hold, unless its item was undecided', () => {
    const stray = [row('s1', 'HELD', 'x')];
    const result = refusedBasketsHoldNothing(basketRun(), db(STATUSES, stray));
    expect(result.status).toBe('FAIL');
    expect(result.failures).toEqual(['customer x: basket refused, 1 active hold(s)']);
    expect(refusedBasketsHoldNothing(basketRun(), db(STATUSES, [row('s1', 'RELEASED', 'x')])).status).toBe(
      'PASS',
    );

    const o = basketRun();
    o.basketAnswered('y', twoItems, unavailable(['ok', 'UNIT_TIMEOUT']));
    expect(o.unknownHoldQuantity.get('e/b')).toBe(1);
    const lingering = refusedBasketsHoldNothing(o, db(STATUSES, [row('s2', 'HELD', 'y')]));
    expect(lingering.status).toBe('PASS');
    expect(lingering.detail).toContain('1 hold(s) of undecided items linger');
    const twoLeft = db(STATUSES, [row('s2', 'HELD', 'y'), row('s3', 'HELD', 'y')]);
    expect(refusedBasketsHoldNothing(o, twoLeft).failures[0]).toContain('customer y');
  });

  it('allow an unanswered basket all of its items or none, never part', () => {
    const o = basketRun();
    o.basketAnswered('u', twoItems, answer(0, undefined, 'timeout'));
    expect(o.unknownHoldQuantity.get('e/a')).toBe(2);
    expect(refusedBasketsHoldNothing(o, db()).status).toBe('PASS');
    const whole = [row('u1', 'HELD', 'u'), row('u2', 'HELD', 'u')];
    expect(refusedBasketsHoldNothing(o, db(STATUSES, whole)).status).toBe('PASS');
    expect(refusedBasketsHoldNothing(o, db(STATUSES, whole.slice(1))).failures).toEqual([
      'customer u: basket unanswered, 1 active hold(s) of its 2 item(s)',
    ]);
  });

  it.each([
    ['504 BASKET_PENDING (its coordinator was still at work)', 504, 'BASKET_PENDING', { basketId: 'bkt-1' }],
    ['429 that names no item (what units answered before BASKET_PENDING)', 429, 'OVERLOADED', undefined],
  ])('take a %s as unanswered, not refused', (_name, status, code, details) => {
    const o = basketRun();
    const busy = { error: { code, message: 'basket bkt-1 is still being worked on', details } };
    o.basketAnswered('w', twoItems, answer(status, busy));
    // The coordinator finished after the answer: the basket is whole, which is allowed.
    const whole = [row('w1', 'HELD', 'w'), row('w2', 'HELD', 'w')];
    expect(refusedBasketsHoldNothing(o, db(STATUSES, whole)).status).toBe('PASS');
    expect(refusedBasketsHoldNothing(o, db(STATUSES, whole.slice(1))).status).toBe('FAIL');
  });

  it('skip when the run made no basket, or the API holds were not read', () => {
    const none = new Observations();
    expect(basketsWholeInGrid(none, grid(), NOW).status).toBe('SKIP');
    expect(basketsWholeInDb(none, db(), NOW).status).toBe('SKIP');
    expect(refusedBasketsHoldNothing(none, db()).status).toBe('SKIP');
    const { basketHolds: _unread, ...unread } = grid();
    expect(basketsWholeInGrid(basketRun(), unread, NOW).status).toBe('SKIP');
  });
});
