import { describe, it, expect } from 'vitest';
import { ConflictError, HoldExpiredError, SpacegridError } from '../../common/errors.js';
import { holdEntryOf, holdOf } from '../../common/hold-entry.js';
import type { Hold, HoldEntry, HoldStatus } from '../../common/ticketing-model.js';
import { decideHoldAction, type HoldAction, type HoldDecision } from './hold-rules.js';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const iso = (ms: number): string => new Date(ms).toISOString();

const T0 = Date.parse('2026-06-01T10:00:00.000Z');
const TTL = 60_000;
const EXPIRES = T0 + TTL;
const PURCHASED_AT = T0 + 1000;
const CLOSED_AT = T0 + 2000;

const PLACED: Hold = {
  holdId: 'h1',
  eventId: 'final-2026',
  sectionId: 'vip',
  customerId: 'c-17',
  quantity: 2,
  seats: ['A-1', 'A-2'],
  status: 'HELD',
  createdAt: iso(T0),
  expiresAt: iso(EXPIRES),
  version: 3,
};

/** The holds map's entry of a freshly placed hold. */
function heldEntry(overrides: Partial<Hold> = {}): HoldEntry {
  return holdEntryOf({ ...PLACED, ...overrides });
}

/** A closed entry; `pending` says whether its settlement with the section is still outstanding. */
function closedEntry(status: Exclude<HoldStatus, 'HELD'>, pending = false): HoldEntry {
  const at = status === 'PURCHASED' ? PURCHASED_AT : CLOSED_AT;
  return {
    ...PLACED,
    status,
    closedAt: iso(at),
    ...(status === 'PURCHASED' ? { orderId: 'o-1', purchasedAt: iso(PURCHASED_AT) } : {}),
    version: 4,
    deadline: null,
    pendingSince: pending ? at : null,
  };
}

const PURCHASE: HoldAction = { type: 'purchase', orderId: 'o-new' };
const RELEASE: HoldAction = { type: 'release' };
const EXPIRE: HoldAction = { type: 'expire' };
const ACTIONS: Record<HoldAction['type'], HoldAction> = {
  purchase: PURCHASE,
  release: RELEASE,
  expire: EXPIRE,
};

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Runs `fn`, expects it to throw a SpacegridError and returns it. */
function thrown(fn: () => unknown): SpacegridError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SpacegridError);
    return error as SpacegridError;
  }
  throw new Error('expected a SpacegridError, nothing was thrown');
}

function next(decision: HoldDecision): HoldEntry {
  if (decision.kind !== 'transition')
    throw new Error(`expected a transition, got ${JSON.stringify(decision)}`);
  return decision.next;
}

// ---------------------------------------------------------------------------------------------
// The transition table, row by row
// ---------------------------------------------------------------------------------------------

type Expect =
  | { transition: HoldStatus }
  | { unchanged: true }
  | { error: 'HOLD_NOT_ACTIVE' | 'HOLD_EXPIRED'; status: 409 | 410 };

const UNCHANGED: Expect = { unchanged: true };
const NOT_ACTIVE: Expect = { error: 'HOLD_NOT_ACTIVE', status: 409 };
const GONE: Expect = { error: 'HOLD_EXPIRED', status: 410 };

/**
 * Every (status, clock, action) combination, written out by hand: `live` is a time before
 * `expiresAt`, `overdue` one at or after it.
 */
const TABLE: Array<[HoldStatus, 'live' | 'overdue', HoldAction['type'], Expect]> = [
  ['HELD', 'live', 'purchase', { transition: 'PURCHASED' }],
  ['HELD', 'live', 'release', { transition: 'RELEASED' }],
  ['HELD', 'live', 'expire', UNCHANGED],
  ['HELD', 'overdue', 'purchase', { transition: 'EXPIRED' }],
  ['HELD', 'overdue', 'release', { transition: 'EXPIRED' }],
  ['HELD', 'overdue', 'expire', { transition: 'EXPIRED' }],
  ['PURCHASED', 'live', 'purchase', UNCHANGED],
  ['PURCHASED', 'live', 'release', NOT_ACTIVE],
  ['PURCHASED', 'live', 'expire', UNCHANGED],
  ['PURCHASED', 'overdue', 'purchase', UNCHANGED],
  ['PURCHASED', 'overdue', 'release', NOT_ACTIVE],
  ['PURCHASED', 'overdue', 'expire', UNCHANGED],
  ['RELEASED', 'live', 'purchase', NOT_ACTIVE],
  ['RELEASED', 'live', 'release', UNCHANGED],
  ['RELEASED', 'live', 'expire', UNCHANGED],
  ['RELEASED', 'overdue', 'purchase', NOT_ACTIVE],
  ['RELEASED', 'overdue', 'release', UNCHANGED],
  ['RELEASED', 'overdue', 'expire', UNCHANGED],
  ['EXPIRED', 'live', 'purchase', GONE],
  ['EXPIRED', 'live', 'release', UNCHANGED],
  ['EXPIRED', 'live', 'expire', UNCHANGED],
  ['EXPIRED', 'overdue', 'purchase', GONE],
  ['EXPIRED', 'overdue', 'release', UNCHANGED],
  ['EXPIRED', 'overdue', 'expire', UNCHANGED],
];

function entryIn(status: HoldStatus, pending = false): HoldEntry {
  return status === 'HELD' ? heldEntry() : closedEntry(status, pending);
}

describe('decideHoldAction: the transition table', () => {
  const clocks = { live: [T0, T0 + 1, EXPIRES - 1], overdue: [EXPIRES, EXPIRES + 1, EXPIRES + 100 * TTL] };

  it.each(TABLE)('%s, %s, %s', (status, clock, actionType, expected) => {
    for (const now of clocks[clock]) {
      for (const pending of status === 'HELD' ? [false] : [false, true]) {
        const entry = deepFreeze(entryIn(status, pending));
        const action = deepFreeze(ACTIONS[actionType]);
        const label = `${status}${pending ? ' (pending)' : ''} ${actionType} at ${now - EXPIRES} ms from expiresAt`;
        if ('error' in expected) {
          const err = thrown(() => decideHoldAction(entry, action, now));
          expect(err.code, label).toBe(expected.error);
          expect(err.status, label).toBe(expected.status);
          if (expected.error === 'HOLD_EXPIRED') expect(err, label).toBeInstanceOf(HoldExpiredError);
          else expect(err, label).toBeInstanceOf(ConflictError);
        } else if ('unchanged' in expected) {
          expect(decideHoldAction(entry, action, now), label).toEqual({ kind: 'unchanged' });
        } else {
          const decision = decideHoldAction(entry, action, now);
          expect(decision.kind, label).toBe('transition');
          expect(next(decision).status, label).toBe(expected.transition);
        }
      }
    }
  });

  it('the table covers every status, clock and action', () => {
    const keys = new Set(TABLE.map(([s, c, a]) => `${s}/${c}/${a}`));
    expect(keys.size).toBe(4 * 2 * 3);
  });
});

describe('decideHoldAction: the entry a transition returns', () => {
  it('purchase of a live hold: PURCHASED with orderId, purchasedAt and closedAt at now, no deadline, pending since now', () => {
    const entry = deepFreeze(heldEntry());
    const now = T0 + 5000;
    const result = next(decideHoldAction(entry, { type: 'purchase', orderId: 'o-9' }, now));
    expect(result).toEqual({
      ...PLACED,
      status: 'PURCHASED',
      orderId: 'o-9',
      purchasedAt: iso(now),
      closedAt: iso(now),
      deadline: null,
      pendingSince: now,
    });
    // the hold's own fields are kept as placed (the section stamps the version when it settles)
    expect(result.version).toBe(PLACED.version);
    expect(result.expiresAt).toBe(PLACED.expiresAt);
    expect(result.createdAt).toBe(PLACED.createdAt);
    expect(result.seats).toEqual(['A-1', 'A-2']);
  });

  it('release of a live hold: RELEASED with closedAt at now and no order fields', () => {
    const now = T0 + 7000;
    const result = next(decideHoldAction(deepFreeze(heldEntry()), RELEASE, now));
    expect(result).toEqual({
      ...PLACED,
      status: 'RELEASED',
      closedAt: iso(now),
      deadline: null,
      pendingSince: now,
    });
    expect('orderId' in result).toBe(false);
    expect('purchasedAt' in result).toBe(false);
  });

  it.each([
    ['purchase', PURCHASE],
    ['release', RELEASE],
    ['expire', EXPIRE],
  ] as const)('%s of an overdue hold: EXPIRED with closedAt at now and no order fields', (_l, action) => {
    const now = EXPIRES + 250;
    const result = next(decideHoldAction(deepFreeze(heldEntry()), action, now));
    expect(result).toEqual({
      ...PLACED,
      status: 'EXPIRED',
      closedAt: iso(now),
      deadline: null,
      pendingSince: now,
    });
    expect('orderId' in result).toBe(false);
    expect('purchasedAt' in result).toBe(false);
  });

  it('a GA hold (no seats) stays without seats', () => {
    const entry = heldEntry({ seats: undefined, quantity: 4 });
    delete entry.seats;
    const result = next(decideHoldAction(deepFreeze(entry), PURCHASE, T0 + 1));
    expect('seats' in result).toBe(false);
    expect(result.quantity).toBe(4);
  });

  it('returns a new entry and never touches the one it was given (deep-frozen input)', () => {
    const entry = deepFreeze(heldEntry());
    const before = structuredClone(entry);
    for (const [action, now] of [
      [PURCHASE, T0 + 1],
      [RELEASE, T0 + 1],
      [EXPIRE, T0 + 1],
      [PURCHASE, EXPIRES],
      [RELEASE, EXPIRES],
      [EXPIRE, EXPIRES],
    ] as const) {
      const decision = decideHoldAction(entry, action, now);
      if (decision.kind === 'transition') expect(decision.next).not.toBe(entry);
    }
    for (const status of ['PURCHASED', 'RELEASED', 'EXPIRED'] as const) {
      const closed = deepFreeze(closedEntry(status, true));
      const closedBefore = structuredClone(closed);
      for (const action of [PURCHASE, RELEASE, EXPIRE]) {
        try {
          decideHoldAction(closed, action, EXPIRES + 1);
        } catch (error) {
          expect(error).toBeInstanceOf(SpacegridError);
        }
      }
      expect(closed).toEqual(closedBefore);
    }
    expect(entry).toEqual(before);
  });

  it('is pure: the same input gives the same decision', () => {
    const entry = heldEntry();
    expect(decideHoldAction(entry, PURCHASE, T0 + 3)).toEqual(decideHoldAction(entry, PURCHASE, T0 + 3));
    expect(decideHoldAction(entry, RELEASE, EXPIRES)).toEqual(decideHoldAction(entry, RELEASE, EXPIRES));
  });

  it('a replayed purchase is unchanged whatever order id it carries (the first order stands)', () => {
    const purchased = closedEntry('PURCHASED');
    expect(decideHoldAction(purchased, { type: 'purchase', orderId: 'o-other' }, T0 + 3)).toEqual({
      kind: 'unchanged',
    });
    expect(purchased.orderId).toBe('o-1');
  });
});

describe('decideHoldAction: the boundary at expiresAt', () => {
  it('purchase: 1 ms before expiresAt buys, at expiresAt expires', () => {
    const entry = heldEntry();
    expect(next(decideHoldAction(entry, PURCHASE, EXPIRES - 1))).toMatchObject({
      status: 'PURCHASED',
      orderId: 'o-new',
      purchasedAt: iso(EXPIRES - 1),
    });
    expect(next(decideHoldAction(entry, PURCHASE, EXPIRES))).toMatchObject({
      status: 'EXPIRED',
      closedAt: iso(EXPIRES),
    });
  });

  it('release: 1 ms before expiresAt releases, at expiresAt expires', () => {
    const entry = heldEntry();
    expect(next(decideHoldAction(entry, RELEASE, EXPIRES - 1)).status).toBe('RELEASED');
    expect(next(decideHoldAction(entry, RELEASE, EXPIRES)).status).toBe('EXPIRED');
  });

  it('expire: 1 ms before expiresAt does nothing, at expiresAt expires', () => {
    const entry = heldEntry();
    expect(decideHoldAction(entry, EXPIRE, EXPIRES - 1)).toEqual({ kind: 'unchanged' });
    expect(next(decideHoldAction(entry, EXPIRE, EXPIRES)).status).toBe('EXPIRED');
  });

  it('uses expiresAt to the millisecond (a hold expiring at .999)', () => {
    const expiresAt = Date.parse('2026-06-01T10:01:00.999Z');
    const entry = heldEntry({ expiresAt: iso(expiresAt) });
    expect(decideHoldAction(entry, EXPIRE, expiresAt - 1)).toEqual({ kind: 'unchanged' });
    expect(next(decideHoldAction(entry, EXPIRE, expiresAt)).status).toBe('EXPIRED');
  });

  it('goes by expiresAt, not by the deadline field', () => {
    const entry: HoldEntry = { ...heldEntry(), deadline: EXPIRES + 10 * TTL };
    expect(next(decideHoldAction(entry, EXPIRE, EXPIRES)).status).toBe('EXPIRED');
    const early: HoldEntry = { ...heldEntry(), deadline: T0 };
    expect(decideHoldAction(early, EXPIRE, EXPIRES - 1)).toEqual({ kind: 'unchanged' });
  });
});

/**
 * How the service drives the rules: decide, compare-and-set the entry, and decide again after an
 * expiry won on the way to a purchase or release.
 */
function drive(
  entry: HoldEntry,
  action: HoldAction,
  now: number,
): { entry: HoldEntry; transitions: HoldStatus[]; error?: SpacegridError } {
  const transitions: HoldStatus[] = [];
  let current = entry;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    let decision: HoldDecision;
    try {
      decision = decideHoldAction(current, action, now);
    } catch (error) {
      if (!(error instanceof SpacegridError)) throw error;
      return { entry: current, transitions, error };
    }
    if (decision.kind === 'unchanged') return { entry: current, transitions };
    current = decision.next;
    transitions.push(current.status);
    if (current.status === 'EXPIRED' && action.type !== 'expire') continue;
    return { entry: current, transitions };
  }
  throw new Error('did not settle down');
}

describe('decideHoldAction: as the caller drives it', () => {
  it('a purchase arriving at expiresAt expires the hold, then answers 410 on the second decision', () => {
    const result = drive(heldEntry(), PURCHASE, EXPIRES);
    expect(result.transitions).toEqual(['EXPIRED']);
    expect(result.entry.status).toBe('EXPIRED');
    expect(result.error).toBeInstanceOf(HoldExpiredError);
    expect(result.error!.status).toBe(410);
  });

  it('a release arriving after expiresAt expires the hold, then answers unchanged (204)', () => {
    const result = drive(heldEntry(), RELEASE, EXPIRES + 1);
    expect(result.transitions).toEqual(['EXPIRED']);
    expect(result.error).toBeUndefined();
    expect(result.entry).toMatchObject({ status: 'EXPIRED', pendingSince: EXPIRES + 1 });
  });

  it('an expiry takes one transition and stops', () => {
    expect(drive(heldEntry(), EXPIRE, EXPIRES).transitions).toEqual(['EXPIRED']);
  });

  it.each([
    // [first action wins, second action, what the second one sees]
    ['purchase', 'purchase', 'unchanged'],
    ['purchase', 'release', 'HOLD_NOT_ACTIVE'],
    ['purchase', 'expire', 'unchanged'],
    ['release', 'purchase', 'HOLD_NOT_ACTIVE'],
    ['release', 'release', 'unchanged'],
    ['release', 'expire', 'unchanged'],
  ] as const)('racing: %s wins the compare-and-set, then %s decides again: %s', (first, second, seen) => {
    const start = heldEntry();
    // both decide on the same HELD entry and both want to transition (or not)...
    const winner = next(decideHoldAction(start, ACTIONS[first], T0 + 10));
    // ...only the first compare-and-set succeeds; the loser re-reads and decides on the winner's entry
    const again = drive(winner, ACTIONS[second], T0 + 11);
    expect(again.transitions).toEqual([]);
    expect(again.entry).toBe(winner);
    if (seen === 'unchanged') expect(again.error).toBeUndefined();
    else expect(again.error?.code).toBe(seen);
  });

  it.each([
    ['purchase', 'HOLD_EXPIRED'],
    ['release', 'unchanged'],
    ['expire', 'unchanged'],
  ] as const)('racing at expiresAt: the sweeper expires first, then %s decides again: %s', (second, seen) => {
    const expired = next(decideHoldAction(heldEntry(), EXPIRE, EXPIRES));
    const again = drive(expired, ACTIONS[second], EXPIRES + 1);
    expect(again.transitions).toEqual([]);
    expect(again.entry).toBe(expired);
    if (seen === 'unchanged') expect(again.error).toBeUndefined();
    else expect(again.error).toBeInstanceOf(HoldExpiredError);
  });

  it('an expiry that lost to a purchase leaves the purchase alone, even once overdue', () => {
    const purchased = next(decideHoldAction(heldEntry(), PURCHASE, EXPIRES - 1));
    expect(drive(purchased, EXPIRE, EXPIRES + 5).transitions).toEqual([]);
    expect(drive(purchased, PURCHASE, EXPIRES + 5)).toMatchObject({
      transitions: [],
      entry: { orderId: 'o-new' },
    });
  });
});

describe('holdEntryOf / holdOf', () => {
  it('a HELD hold gets its expiresAt as deadline and nothing pending', () => {
    expect(holdEntryOf(PLACED)).toEqual({ ...PLACED, deadline: EXPIRES, pendingSince: null });
  });

  it.each(['PURCHASED', 'RELEASED', 'EXPIRED'] as const)(
    'a %s hold gets no deadline and nothing pending',
    (status) => {
      const hold: Hold = { ...PLACED, status, closedAt: iso(CLOSED_AT) };
      expect(holdEntryOf(hold)).toEqual({ ...hold, deadline: null, pendingSince: null });
    },
  );

  it('holdOf drops exactly deadline and pendingSince, and round-trips', () => {
    const entry = closedEntry('PURCHASED', true);
    const hold = holdOf(entry);
    expect('deadline' in hold).toBe(false);
    expect('pendingSince' in hold).toBe(false);
    const { deadline: _d, pendingSince: _p, ...rest } = entry;
    expect(hold).toEqual(rest);
    expect(holdOf(holdEntryOf(PLACED))).toEqual(PLACED);
  });

  it('holdOf of a transition is the hold the section settles', () => {
    const purchased = next(decideHoldAction(heldEntry(), PURCHASE, T0 + 42));
    expect(holdOf(purchased)).toEqual({
      ...PLACED,
      status: 'PURCHASED',
      orderId: 'o-new',
      purchasedAt: iso(T0 + 42),
      closedAt: iso(T0 + 42),
    });
  });

  it('does not change its input', () => {
    const entry = deepFreeze(closedEntry('RELEASED', true));
    expect(() => holdOf(entry)).not.toThrow();
    expect(() => holdEntryOf(deepFreeze({ ...PLACED }))).not.toThrow();
  });
});
