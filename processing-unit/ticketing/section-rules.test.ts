import { describe, it, expect } from 'vitest';
import type { DomainEvent } from '../../common/change-record.js';
import {
  ConflictError,
  HoldExpiredError,
  NotFoundError,
  SpacegridError,
  ValidationError,
} from '../../common/errors.js';
import { appendOutbox, trimOutbox } from '../../common/outbox.js';
import type { EventRecord, Hold, SectionAggregate, SectionSnapshot } from '../../common/ticketing-model.js';
import type { AggregateRules } from '../write-path/aggregate-rules.js';
import { buildEventRecord, seatIndexOf } from './event-catalog.js';
import type { SectionCommand, SectionContext } from './section-commands.js';
import {
  available,
  closedHoldInOutbox,
  decideOnClosedHold,
  newSection,
  sectionRules,
  type SectionResult,
} from './section-rules.js';

// ---------------------------------------------------------------------------------------------
// Test harness: drives the pure rules exactly the way write-path/batch-engine.ts does.
// ---------------------------------------------------------------------------------------------

type Rules = AggregateRules<SectionAggregate, SectionCommand, SectionResult, SectionContext, SectionSnapshot>;
type Outcome = { ok: true; value: SectionResult } | { ok: false; error: unknown };

interface BatchResult {
  state: SectionAggregate;
  outcomes: Outcome[];
  events: DomainEvent[];
}

/**
 * One batch: a private draft of the state (the engine re-reads JSON from the grid for every
 * batch), `due` first, then each command's `decide` + `evolve`, then version++ and the outbox
 * entry if anything happened, then `nextDeadline`.
 */
function runBatch(
  rules: Rules,
  context: SectionContext,
  state: SectionAggregate,
  commands: SectionCommand[],
): BatchResult {
  const draft = structuredClone(state);
  const events: DomainEvent[] = [];
  const apply = (produced: DomainEvent[]): void => {
    for (const event of produced) rules.evolve(draft, event);
    events.push(...produced);
  };
  apply(rules.due(draft, context.now));
  const outcomes = commands.map((command): Outcome => {
    try {
      const decision = rules.decide(draft, command, context);
      apply(decision.events);
      return { ok: true, value: decision.result };
    } catch (error) {
      return { ok: false, error };
    }
  });
  if (events.length > 0) {
    draft.version += 1;
    appendOutbox<SectionSnapshot, SectionAggregate>(draft, {
      version: draft.version,
      at: context.now,
      snapshot: rules.snapshot(draft),
      events,
    });
  }
  draft.nextDeadline = rules.nextDeadline(draft);
  return { state: draft, outcomes, events };
}

class SectionHarness {
  readonly rules: Rules;
  readonly seatIndex: ReadonlyMap<string, number> | undefined;
  state: SectionAggregate;
  lastEvents: DomainEvent[] = [];

  constructor(
    readonly event: EventRecord,
    readonly sectionId: string,
  ) {
    const spec = event.sections.find((s) => s.id === sectionId);
    if (!spec) throw new Error(`no section ${sectionId}`);
    this.seatIndex = seatIndexOf(spec);
    this.rules = sectionRules(this.seatIndex);
    this.state = newSection(event.id, spec);
  }

  context(now: number): SectionContext {
    return { now, event: this.event, seatIndex: this.seatIndex };
  }

  batch(now: number, ...commands: SectionCommand[]): Outcome[] {
    const result = runBatch(this.rules, this.context(now), this.state, commands);
    this.state = result.state;
    this.lastEvents = result.events;
    return result.outcomes;
  }

  /** One command in its own batch; returns the result or throws the refusal. */
  run(now: number, command: SectionCommand): SectionResult {
    const [outcome] = this.batch(now, command);
    if (!outcome) throw new Error('no outcome');
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  hold(now: number, command: Omit<Extract<SectionCommand, { type: 'placeHold' }>, 'type'>): Hold {
    return holdOf(this.run(now, { type: 'placeHold', ...command }));
  }
}

function holdOf(result: SectionResult): Hold {
  if (result.kind !== 'hold') throw new Error(`expected a hold, got ${JSON.stringify(result)}`);
  return result.hold;
}

function value(outcome: Outcome | undefined): SectionResult {
  if (!outcome) throw new Error('no outcome');
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

function refusal(outcome: Outcome | undefined): SpacegridError {
  if (!outcome) throw new Error('no outcome');
  if (outcome.ok) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(SpacegridError);
  return outcome.error as SpacegridError;
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

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

const iso = (ms: number): string => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const T0 = Date.parse('2026-06-01T10:00:00.000Z');
const TTL_S = 60;
const TTL = TTL_S * 1000;
const VIP_SEATS = ['A-1', 'A-2', 'A-3', 'A-4', 'A-5', 'A-6'];

const EVENT = buildEventRecord(
  {
    name: 'Cup final',
    startsAt: '2026-12-20T18:00:00Z',
    holdTtlSeconds: TTL_S,
    maxSeatsPerHold: 4,
    sections: [
      { id: 'ga', capacity: 10 },
      { id: 'vip', seats: VIP_SEATS },
    ],
  },
  'final-2026',
  T0 - 1000,
);

const ga = (): SectionHarness => new SectionHarness(EVENT, 'ga');
const vip = (): SectionHarness => new SectionHarness(EVENT, 'vip');

function seatMap(h: SectionHarness): string {
  return h.state.seatStates ?? '';
}

// ---------------------------------------------------------------------------------------------

describe('newSection / available', () => {
  it('creates an empty GA section', () => {
    const h = ga();
    expect(h.state).toEqual({
      eventId: 'final-2026',
      sectionId: 'ga',
      kind: 'GA',
      capacity: 10,
      held: 0,
      sold: 0,
      version: 0,
      holds: {},
      nextDeadline: null,
      outbox: [],
      outboxSince: null,
    });
    expect('seatStates' in h.state).toBe(false);
    expect(available(h.state)).toBe(10);
  });

  it('creates an empty RESERVED section with every seat available', () => {
    const h = vip();
    expect(h.state.kind).toBe('RESERVED');
    expect(h.state.capacity).toBe(6);
    expect(h.state.seatStates).toBe('AAAAAA');
    expect(available(h.state)).toBe(6);
  });

  it('available is capacity - held - sold', () => {
    const state = { ...newSection('e', { id: 's', kind: 'GA', capacity: 10 }), held: 3, sold: 4 };
    expect(available(state)).toBe(3);
  });
});

describe('general admission holds', () => {
  it('places a hold with the documented record and a single HoldPlaced event', () => {
    const h = ga();
    const hold = h.hold(T0, { holdId: 'h1', customerId: 'c-17', quantity: 2 });
    expect(hold).toEqual({
      holdId: 'h1',
      eventId: 'final-2026',
      sectionId: 'ga',
      customerId: 'c-17',
      quantity: 2,
      status: 'HELD',
      createdAt: iso(T0),
      expiresAt: iso(T0 + TTL),
      version: 1,
    });
    expect('seats' in hold).toBe(false);
    expect(h.lastEvents).toEqual([{ type: 'HoldPlaced', hold }]);
    expect(h.state.held).toBe(2);
    expect(h.state.sold).toBe(0);
    expect(h.state.version).toBe(1);
    expect(h.state.holds).toEqual({ h1: hold });
    expect(h.state.nextDeadline).toBe(T0 + TTL);
    expect(h.state.outbox).toHaveLength(1);
    expect(h.state.outbox[0]).toEqual({
      version: 1,
      at: T0,
      snapshot: {
        eventId: 'final-2026',
        sectionId: 'ga',
        kind: 'GA',
        capacity: 10,
        held: 2,
        sold: 0,
        version: 1,
      },
      events: [{ type: 'HoldPlaced', hold }],
    });
  });

  it('holds up to capacity, then refuses with NOT_ENOUGH_SEATS and details.available', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 4 });
    h.hold(T0 + 1, { holdId: 'h2', customerId: 'c2', quantity: 4 });
    const versionBefore = h.state.version;
    const [tooMany] = h.batch(T0 + 2, { type: 'placeHold', holdId: 'h3', customerId: 'c3', quantity: 3 });
    const err = refusal(tooMany);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.code).toBe('NOT_ENOUGH_SEATS');
    expect(err.status).toBe(409);
    expect(err.details).toEqual({ available: 2 });
    // A refused command changes nothing, and a batch without events does not bump the version.
    expect(h.state.held).toBe(8);
    expect(h.state.version).toBe(versionBefore);
    expect(h.state.holds.h3).toBeUndefined();

    h.hold(T0 + 3, { holdId: 'h4', customerId: 'c3', quantity: 2 });
    expect(h.state.held).toBe(10);
    expect(available(h.state)).toBe(0);

    const full = thrown(() =>
      h.run(T0 + 4, { type: 'placeHold', holdId: 'h5', customerId: 'c4', quantity: 1 }),
    );
    expect(full.code).toBe('NOT_ENOUGH_SEATS');
    expect(full.details).toEqual({ available: 0 });
  });

  it('counts sold seats against capacity too', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 4 });
    h.run(T0 + 1, { type: 'purchase', holdId: 'h1', orderId: 'o1' });
    h.hold(T0 + 2, { holdId: 'h2', customerId: 'c1', quantity: 4 });
    const err = thrown(() =>
      h.run(T0 + 3, { type: 'placeHold', holdId: 'h3', customerId: 'c1', quantity: 3 }),
    );
    expect(err.code).toBe('NOT_ENOUGH_SEATS');
    expect(err.details).toEqual({ available: 2 });
  });

  it('applies a batch of commands in order, with one version bump for the whole batch', () => {
    const h = ga();
    const outcomes = h.batch(
      T0,
      { type: 'placeHold', holdId: 'h1', customerId: 'c1', quantity: 4 },
      { type: 'placeHold', holdId: 'h2', customerId: 'c2', quantity: 4 },
      { type: 'placeHold', holdId: 'h3', customerId: 'c3', quantity: 4 },
      { type: 'placeHold', holdId: 'h4', customerId: 'c4', quantity: 2 },
    );
    expect(holdOf(value(outcomes[0])).version).toBe(1);
    expect(holdOf(value(outcomes[1])).version).toBe(1);
    expect(refusal(outcomes[2]).details).toEqual({ available: 2 });
    expect(holdOf(value(outcomes[3])).quantity).toBe(2);
    expect(h.state.held).toBe(10);
    expect(h.state.version).toBe(1);
    expect(h.state.outbox).toHaveLength(1);
    expect(h.state.outbox[0]!.events.map((e) => e.type)).toEqual(['HoldPlaced', 'HoldPlaced', 'HoldPlaced']);
  });

  it.each([
    ['zero', 0],
    ['negative', -1],
    ['above maxSeatsPerHold', 5],
    ['far above maxSeatsPerHold', 1000],
  ])('refuses a %s quantity with VALIDATION_FAILED', (_label, quantity) => {
    const h = ga();
    const err = thrown(() => h.run(T0, { type: 'placeHold', holdId: 'h1', customerId: 'c1', quantity }));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.status).toBe(400);
    expect(err.details).toEqual({ maxSeatsPerHold: 4 });
    expect(h.state.held).toBe(0);
    expect(h.state.version).toBe(0);
  });

  it('accepts exactly maxSeatsPerHold and exactly 1', () => {
    const h = ga();
    expect(h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 4 }).quantity).toBe(4);
    expect(h.hold(T0, { holdId: 'h2', customerId: 'c1', quantity: 1 }).quantity).toBe(1);
  });

  it('validates the quantity before looking at availability', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 4 });
    h.hold(T0, { holdId: 'h2', customerId: 'c1', quantity: 4 });
    h.hold(T0, { holdId: 'h3', customerId: 'c1', quantity: 2 });
    const err = thrown(() => h.run(T0, { type: 'placeHold', holdId: 'h4', customerId: 'c1', quantity: 5 }));
    expect(err.code).toBe('VALIDATION_FAILED');
  });

  it('refuses both quantity and seats, and neither, with VALIDATION_FAILED', () => {
    for (const h of [ga(), vip()]) {
      const both = thrown(() =>
        h.run(T0, { type: 'placeHold', holdId: 'h1', customerId: 'c1', quantity: 1, seats: ['A-1'] }),
      );
      expect(both).toBeInstanceOf(ValidationError);
      const neither = thrown(() => h.run(T0, { type: 'placeHold', holdId: 'h1', customerId: 'c1' }));
      expect(neither).toBeInstanceOf(ValidationError);
      expect(h.state.held).toBe(0);
      expect(h.state.version).toBe(0);
    }
  });

  it('refuses seats on a GA section with VALIDATION_FAILED (not a seat conflict)', () => {
    const h = ga();
    const err = thrown(() =>
      h.run(T0, { type: 'placeHold', holdId: 'h1', customerId: 'c1', seats: ['A-1'] }),
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(h.state.held).toBe(0);
  });

  it('a refused command does not disturb the other commands of its batch', () => {
    const h = ga();
    const outcomes = h.batch(
      T0,
      { type: 'placeHold', holdId: 'h1', customerId: 'c1', quantity: 2 },
      { type: 'placeHold', holdId: 'h2', customerId: 'c1', quantity: 0 },
      { type: 'purchase', holdId: 'nope', orderId: 'o' },
      { type: 'purchase', holdId: 'h1', orderId: 'o1' },
    );
    expect(value(outcomes[0]).kind).toBe('hold');
    expect(refusal(outcomes[1]).code).toBe('VALIDATION_FAILED');
    expect(refusal(outcomes[2]).code).toBe('HOLD_NOT_FOUND');
    expect(value(outcomes[3])).toMatchObject({ kind: 'purchased', firstTime: true });
    expect(h.state).toMatchObject({ held: 0, sold: 2, version: 1 });
  });
});

describe('reserved seats by id', () => {
  it('holds the requested seats, in the requested order', () => {
    const h = vip();
    const hold = h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-4', 'A-2'] });
    expect(hold.seats).toEqual(['A-4', 'A-2']);
    expect(hold.quantity).toBe(2);
    expect(seatMap(h)).toBe('AHAHAA');
    expect(h.state.held).toBe(2);
  });

  it('refuses unknown seats with VALIDATION_FAILED and lists only the unknown ones', () => {
    const h = vip();
    const err = thrown(() =>
      h.run(T0, { type: 'placeHold', holdId: 'h1', customerId: 'c1', seats: ['A-1', 'Z-9', 'B-1'] }),
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.status).toBe(400);
    expect(err.details).toEqual({ seats: ['Z-9', 'B-1'] });
    expect(seatMap(h)).toBe('AAAAAA');
  });

  it('refuses a seat listed twice with VALIDATION_FAILED', () => {
    const h = vip();
    const err = thrown(() =>
      h.run(T0, { type: 'placeHold', holdId: 'h1', customerId: 'c1', seats: ['A-1', 'A-1'] }),
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect(seatMap(h)).toBe('AAAAAA');
    expect(h.state.held).toBe(0);
  });

  it('refuses an empty seat list and more than maxSeatsPerHold seats', () => {
    const h = vip();
    expect(
      thrown(() => h.run(T0, { type: 'placeHold', holdId: 'h1', customerId: 'c1', seats: [] })).code,
    ).toBe('VALIDATION_FAILED');
    const five = thrown(() =>
      h.run(T0, { type: 'placeHold', holdId: 'h1', customerId: 'c1', seats: VIP_SEATS.slice(0, 5) }),
    );
    expect(five).toBeInstanceOf(ValidationError);
    expect(five.details).toEqual({ maxSeatsPerHold: 4 });
  });

  it('refuses a held seat with SEAT_UNAVAILABLE listing only the taken seats', () => {
    const h = vip();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-2', 'A-3'] });
    const err = thrown(() =>
      h.run(T0 + 1, { type: 'placeHold', holdId: 'h2', customerId: 'c2', seats: ['A-1', 'A-3', 'A-2'] }),
    );
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.code).toBe('SEAT_UNAVAILABLE');
    expect(err.status).toBe(409);
    expect(err.details).toEqual({ seats: ['A-3', 'A-2'] });
    // all-or-nothing: A-1 was not taken by the refused hold
    expect(seatMap(h)).toBe('AHHAAA');
    expect(h.state.held).toBe(2);
  });

  it('refuses a sold seat with SEAT_UNAVAILABLE', () => {
    const h = vip();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-6'] });
    h.run(T0 + 1, { type: 'purchase', holdId: 'h1', orderId: 'o1' });
    const err = thrown(() =>
      h.run(T0 + 2, { type: 'placeHold', holdId: 'h2', customerId: 'c2', seats: ['A-6'] }),
    );
    expect(err.code).toBe('SEAT_UNAVAILABLE');
    expect(err.details).toEqual({ seats: ['A-6'] });
  });

  it('gives a seat to the first of two holds for it in the same batch', () => {
    const h = vip();
    const outcomes = h.batch(
      T0,
      { type: 'placeHold', holdId: 'h1', customerId: 'c1', seats: ['A-1', 'A-2'] },
      { type: 'placeHold', holdId: 'h2', customerId: 'c2', seats: ['A-2', 'A-3'] },
      { type: 'placeHold', holdId: 'h3', customerId: 'c3', seats: ['A-3', 'A-4'] },
    );
    expect(holdOf(value(outcomes[0])).seats).toEqual(['A-1', 'A-2']);
    expect(refusal(outcomes[1]).details).toEqual({ seats: ['A-2'] });
    expect(holdOf(value(outcomes[2])).seats).toEqual(['A-3', 'A-4']);
    expect(seatMap(h)).toBe('HHHHAA');
  });

  it('checks duplicates and unknown seats before availability', () => {
    const h = vip();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1'] });
    expect(
      thrown(() => h.run(T0, { type: 'placeHold', holdId: 'h2', customerId: 'c1', seats: ['A-1', 'A-1'] }))
        .code,
    ).toBe('VALIDATION_FAILED');
    expect(
      thrown(() => h.run(T0, { type: 'placeHold', holdId: 'h2', customerId: 'c1', seats: ['A-1', 'X'] }))
        .code,
    ).toBe('VALIDATION_FAILED');
  });
});

describe('best available in a reserved section', () => {
  it('takes the first seats of a fresh section', () => {
    const h = vip();
    const hold = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 3 });
    expect(hold.seats).toEqual(['A-1', 'A-2', 'A-3']);
    expect(hold.quantity).toBe(3);
    expect(seatMap(h)).toBe('HHHAAA');
  });

  it('prefers the first run of adjacent seats over earlier scattered ones', () => {
    const h = vip();
    h.hold(T0, { holdId: 'x', customerId: 'c0', seats: ['A-2', 'A-5'] }); // A H A A H A
    expect(h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 }).seats).toEqual(['A-3', 'A-4']);
  });

  it('takes a single seat from the first available position', () => {
    const h = vip();
    h.hold(T0, { holdId: 'x', customerId: 'c0', seats: ['A-1', 'A-2'] });
    expect(h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 1 }).seats).toEqual(['A-3']);
  });

  it('falls back to the first available seats, wherever they are, when no run is long enough', () => {
    const h = vip();
    h.hold(T0, { holdId: 'x', customerId: 'c0', seats: ['A-2', 'A-4', 'A-6'] }); // A H A H A H
    const hold = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    expect(hold.seats).toEqual(['A-1', 'A-3']);
    expect(seatMap(h)).toBe('HHHHAH');
    expect(h.hold(T0, { holdId: 'h2', customerId: 'c1', quantity: 1 }).seats).toEqual(['A-5']);
  });

  it('uses a run at the very end of the section', () => {
    const h = vip();
    h.hold(T0, { holdId: 'x', customerId: 'c0', seats: ['A-1', 'A-3'] }); // H A H A A A
    expect(h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 3 }).seats).toEqual(['A-4', 'A-5', 'A-6']);
  });

  it('treats sold seats as breaking a run', () => {
    const h = vip();
    h.hold(T0, { holdId: 'x', customerId: 'c0', seats: ['A-3'] });
    h.run(T0, { type: 'purchase', holdId: 'x', orderId: 'o' }); // A A S A A A
    expect(h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 3 }).seats).toEqual(['A-4', 'A-5', 'A-6']);
  });

  it('refuses with NOT_ENOUGH_SEATS and details.available when too few seats remain', () => {
    const h = vip();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 4 });
    const err = thrown(() => h.run(T0, { type: 'placeHold', holdId: 'h2', customerId: 'c2', quantity: 3 }));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.code).toBe('NOT_ENOUGH_SEATS');
    expect(err.details).toEqual({ available: 2 });
    expect(h.hold(T0, { holdId: 'h3', customerId: 'c2', quantity: 2 }).seats).toEqual(['A-5', 'A-6']);
    const none = thrown(() => h.run(T0, { type: 'placeHold', holdId: 'h4', customerId: 'c2', quantity: 1 }));
    expect(none.details).toEqual({ available: 0 });
  });
});

describe('expiry', () => {
  it('expires nothing just before expiresAt, and the hold exactly at expiresAt', () => {
    const h = ga();
    const hold = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 3 });
    const deadline = Date.parse(hold.expiresAt);
    expect(deadline).toBe(T0 + TTL);

    expect(h.rules.due(h.state, deadline - 1)).toEqual([]);
    h.batch(deadline - 1, { type: 'touch' });
    expect(h.lastEvents).toEqual([]);
    expect(h.state.version).toBe(1);
    expect(h.state.held).toBe(3);

    const due = h.rules.due(h.state, deadline);
    expect(due).toEqual([
      { type: 'HoldExpired', hold: { ...hold, status: 'EXPIRED', closedAt: iso(deadline), version: 2 } },
    ]);
    h.batch(deadline, { type: 'touch' });
    expect(h.lastEvents).toEqual(due);
    expect(h.state).toMatchObject({ held: 0, sold: 0, version: 2, holds: {}, nextDeadline: null });
    expect(h.state.outbox[1]!.snapshot).toMatchObject({ held: 0, version: 2 });
  });

  it('expires every overdue hold in one batch, and only those', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 1 });
    h.hold(T0 + 10, { holdId: 'h2', customerId: 'c1', quantity: 2 });
    h.hold(T0 + 20, { holdId: 'h3', customerId: 'c1', quantity: 3 });
    h.batch(T0 + TTL + 10, { type: 'touch' });
    expect(h.lastEvents.map((e) => (e.type === 'HoldExpired' ? e.hold.holdId : e.type)).sort()).toEqual([
      'h1',
      'h2',
    ]);
    expect(Object.keys(h.state.holds)).toEqual(['h3']);
    expect(h.state.held).toBe(3);
    expect(h.state.nextDeadline).toBe(T0 + 20 + TTL);
  });

  it('returns the seats of an expired GA hold', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 4 });
    h.hold(T0, { holdId: 'h2', customerId: 'c1', quantity: 4 });
    h.hold(T0 + 1000, { holdId: 'h3', customerId: 'c1', quantity: 2 });
    expect(available(h.state)).toBe(0);
    // Expiry runs before the commands of a batch: this batch can take the freed seats.
    const hold = h.hold(T0 + TTL, { holdId: 'h4', customerId: 'c2', quantity: 4 });
    expect(hold.quantity).toBe(4);
    expect(h.lastEvents.map((e) => e.type)).toEqual(['HoldExpired', 'HoldExpired', 'HoldPlaced']);
    expect(h.state.held).toBe(6);
  });

  it('returns the seats of an expired reserved hold', () => {
    const h = vip();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1', 'A-3'] });
    expect(seatMap(h)).toBe('HAHAAA');
    const err = thrown(() =>
      h.run(T0 + TTL - 1, { type: 'placeHold', holdId: 'h2', customerId: 'c2', seats: ['A-3'] }),
    );
    expect(err.code).toBe('SEAT_UNAVAILABLE');
    h.batch(T0 + TTL, { type: 'touch' });
    expect(seatMap(h)).toBe('AAAAAA');
    expect(h.hold(T0 + TTL, { holdId: 'h2', customerId: 'c2', seats: ['A-3'] }).seats).toEqual(['A-3']);
  });

  it('never expires a purchased hold', () => {
    const h = vip();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1'] });
    h.run(T0 + 1, { type: 'purchase', holdId: 'h1', orderId: 'o1' });
    expect(h.rules.due(h.state, T0 + 10 * TTL)).toEqual([]);
    h.batch(T0 + 10 * TTL, { type: 'touch' });
    expect(h.state).toMatchObject({ held: 0, sold: 1, seatStates: 'SAAAAA' });
  });

  it('touch alone changes nothing when nothing is due', () => {
    const h = ga();
    const [outcome] = h.batch(T0, { type: 'touch' });
    expect(value(outcome)).toEqual({ kind: 'none' });
    expect(h.state.version).toBe(0);
    expect(h.state.outbox).toEqual([]);
  });
});

describe('purchase', () => {
  it('purchases an active GA hold: held -> sold', () => {
    const h = ga();
    const placed = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 3 });
    const result = h.run(T0 + 5000, { type: 'purchase', holdId: 'h1', orderId: 'o1' });
    const purchased: Hold = {
      ...placed,
      status: 'PURCHASED',
      orderId: 'o1',
      purchasedAt: iso(T0 + 5000),
      closedAt: iso(T0 + 5000),
      version: 2,
    };
    expect(result).toEqual({ kind: 'purchased', hold: purchased, firstTime: true });
    expect(h.lastEvents).toEqual([{ type: 'HoldPurchased', hold: purchased }]);
    expect(h.state).toMatchObject({ held: 0, sold: 3, version: 2, holds: {}, nextDeadline: null });
  });

  it('purchases an active reserved hold: seats become S', () => {
    const h = vip();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-2', 'A-5'] });
    h.hold(T0, { holdId: 'h2', customerId: 'c2', seats: ['A-3'] });
    const result = h.run(T0 + 1, { type: 'purchase', holdId: 'h1', orderId: 'o1' });
    expect(result).toMatchObject({ kind: 'purchased', firstTime: true, hold: { seats: ['A-2', 'A-5'] } });
    expect(seatMap(h)).toBe('ASHASA');
    expect(h.state).toMatchObject({ held: 1, sold: 2 });
  });

  it('purchases just before expiresAt', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 1 });
    expect(h.run(T0 + TTL - 1, { type: 'purchase', holdId: 'h1', orderId: 'o1' })).toMatchObject({
      kind: 'purchased',
      firstTime: true,
    });
  });

  it('answers a second purchase from the outbox with the same order (firstTime false)', () => {
    const h = vip();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1'] });
    const first = h.run(T0 + 1, { type: 'purchase', holdId: 'h1', orderId: 'o1' });
    const version = h.state.version;
    const again = h.run(T0 + 2, { type: 'purchase', holdId: 'h1', orderId: 'o-other' });
    expect(again.kind).toBe('purchased');
    if (again.kind !== 'purchased' || first.kind !== 'purchased') throw new Error('unreachable');
    expect(again.firstTime).toBe(false);
    expect(again.hold.orderId).toBe('o1');
    expect(again.hold).toEqual(first.hold);
    expect(h.lastEvents).toEqual([]);
    expect(h.state.version).toBe(version);
    expect(h.state).toMatchObject({ held: 0, sold: 1, seatStates: 'SAAAAA' });
    // ...even long after the hold would have expired
    expect(h.run(T0 + 10 * TTL, { type: 'purchase', holdId: 'h1', orderId: 'o3' })).toMatchObject({
      firstTime: false,
      hold: { orderId: 'o1' },
    });
  });

  it('answers a second purchase in the same batch with the same order (firstTime false)', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    const [first, second] = h.batch(
      T0 + 1,
      { type: 'purchase', holdId: 'h1', orderId: 'o1' },
      { type: 'purchase', holdId: 'h1', orderId: 'o2' },
    );
    expect(value(first)).toMatchObject({ kind: 'purchased', firstTime: true, hold: { orderId: 'o1' } });
    expect(value(second)).toMatchObject({ kind: 'purchased', firstTime: false, hold: { orderId: 'o1' } });
    expect(h.state).toMatchObject({ held: 0, sold: 2 });
  });

  it('refuses a purchase of a hold whose expiry was already committed with HOLD_EXPIRED (410)', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    h.batch(T0 + TTL, { type: 'touch' }); // the sweeper
    const err = thrown(() => h.run(T0 + TTL + 1, { type: 'purchase', holdId: 'h1', orderId: 'o1' }));
    expect(err).toBeInstanceOf(HoldExpiredError);
    expect(err.code).toBe('HOLD_EXPIRED');
    expect(err.status).toBe(410);
    expect(h.state).toMatchObject({ held: 0, sold: 0 });
  });

  it('refuses a purchase arriving at expiresAt, before any sweep, with HOLD_EXPIRED (410)', () => {
    const h = vip();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1'] });
    // `due` expires the hold in this very batch; the purchase must see that as an expiry.
    const [outcome] = h.batch(T0 + TTL, { type: 'purchase', holdId: 'h1', orderId: 'o1' });
    const err = refusal(outcome);
    expect(err).toBeInstanceOf(HoldExpiredError);
    expect(err.status).toBe(410);
    expect(h.state).toMatchObject({ held: 0, sold: 0, seatStates: 'AAAAAA' });
    // and it stays 410 afterwards
    expect(thrown(() => h.run(T0 + TTL + 1, { type: 'purchase', holdId: 'h1', orderId: 'o1' })).code).toBe(
      'HOLD_EXPIRED',
    );
  });

  it('refuses a purchase of a released hold with HOLD_NOT_ACTIVE', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    h.run(T0 + 1, { type: 'release', holdId: 'h1' });
    const err = thrown(() => h.run(T0 + 2, { type: 'purchase', holdId: 'h1', orderId: 'o1' }));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.code).toBe('HOLD_NOT_ACTIVE');
    expect(err.status).toBe(409);
    expect(h.state).toMatchObject({ held: 0, sold: 0 });
  });

  it('refuses a purchase of a hold released earlier in the same batch with HOLD_NOT_ACTIVE', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    const [released, purchase] = h.batch(
      T0 + 1,
      { type: 'release', holdId: 'h1' },
      { type: 'purchase', holdId: 'h1', orderId: 'o1' },
    );
    expect(value(released)).toEqual({ kind: 'released' });
    expect(refusal(purchase).code).toBe('HOLD_NOT_ACTIVE');
  });

  it('refuses an unknown hold with HOLD_NOT_FOUND (404)', () => {
    const h = ga();
    const err = thrown(() => h.run(T0, { type: 'purchase', holdId: 'ghost', orderId: 'o1' }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.code).toBe('HOLD_NOT_FOUND');
    expect(err.status).toBe(404);
  });

  it('does not find a hold of another section', () => {
    const a = ga();
    const b = vip();
    a.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 1 });
    expect(thrown(() => b.run(T0, { type: 'purchase', holdId: 'h1', orderId: 'o1' })).code).toBe(
      'HOLD_NOT_FOUND',
    );
  });
});

describe('release', () => {
  it('releases an active hold and returns its seats', () => {
    const h = vip();
    const placed = h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1', 'A-2'] });
    const result = h.run(T0 + 3, { type: 'release', holdId: 'h1' });
    expect(result).toEqual({ kind: 'released' });
    expect(h.lastEvents).toEqual([
      { type: 'HoldReleased', hold: { ...placed, status: 'RELEASED', closedAt: iso(T0 + 3), version: 2 } },
    ]);
    expect(h.state).toMatchObject({ held: 0, sold: 0, seatStates: 'AAAAAA', holds: {}, nextDeadline: null });
    expect(h.hold(T0 + 4, { holdId: 'h2', customerId: 'c2', seats: ['A-2'] }).seats).toEqual(['A-2']);
  });

  it('releases a GA hold and frees its quantity', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 4 });
    h.run(T0 + 1, { type: 'release', holdId: 'h1' });
    expect(available(h.state)).toBe(10);
  });

  it('is idempotent: a second release answers released and changes nothing', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    h.run(T0 + 1, { type: 'release', holdId: 'h1' });
    const version = h.state.version;
    expect(h.run(T0 + 2, { type: 'release', holdId: 'h1' })).toEqual({ kind: 'released' });
    expect(h.lastEvents).toEqual([]);
    expect(h.state.version).toBe(version);
    expect(h.state.held).toBe(0);
  });

  it('is idempotent within one batch', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    const [first, second] = h.batch(
      T0 + 1,
      { type: 'release', holdId: 'h1' },
      { type: 'release', holdId: 'h1' },
    );
    expect(value(first)).toEqual({ kind: 'released' });
    expect(value(second)).toEqual({ kind: 'released' });
    expect(h.state.held).toBe(0);
    expect(h.lastEvents).toHaveLength(1);
  });

  it('answers released for an expired hold (seats are already back)', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    expect(h.run(T0 + TTL, { type: 'release', holdId: 'h1' })).toEqual({ kind: 'released' });
    expect(h.run(T0 + TTL + 1, { type: 'release', holdId: 'h1' })).toEqual({ kind: 'released' });
    expect(h.state.held).toBe(0);
  });

  it('refuses to release a purchased hold with HOLD_NOT_ACTIVE', () => {
    const h = vip();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1'] });
    h.run(T0 + 1, { type: 'purchase', holdId: 'h1', orderId: 'o1' });
    const err = thrown(() => h.run(T0 + 2, { type: 'release', holdId: 'h1' }));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.code).toBe('HOLD_NOT_ACTIVE');
    expect(h.state).toMatchObject({ sold: 1, seatStates: 'SAAAAA' });
  });

  it('refuses to release a hold purchased earlier in the same batch with HOLD_NOT_ACTIVE', () => {
    const h = vip();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1'] });
    const [purchase, release] = h.batch(
      T0 + 1,
      { type: 'purchase', holdId: 'h1', orderId: 'o1' },
      { type: 'release', holdId: 'h1' },
    );
    expect(value(purchase)).toMatchObject({ kind: 'purchased', firstTime: true });
    expect(refusal(release).code).toBe('HOLD_NOT_ACTIVE');
    expect(h.state).toMatchObject({ sold: 1, seatStates: 'SAAAAA' });
  });

  it('refuses an unknown hold with HOLD_NOT_FOUND', () => {
    const h = vip();
    const err = thrown(() => h.run(T0, { type: 'release', holdId: 'ghost' }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.code).toBe('HOLD_NOT_FOUND');
  });

  it('no longer knows a closed hold once the pump has trimmed its outbox entry (the adapter must)', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    h.run(T0 + 1, { type: 'release', holdId: 'h1' });
    trimOutbox<SectionSnapshot, SectionAggregate>(h.state, h.state.version);
    expect(h.state.outbox).toEqual([]);
    expect(h.state.outboxSince).toBeNull();
    expect(thrown(() => h.run(T0 + 2, { type: 'release', holdId: 'h1' })).code).toBe('HOLD_NOT_FOUND');
  });
});

describe('closedHoldInOutbox / decideOnClosedHold', () => {
  const base: Hold = {
    holdId: 'h1',
    eventId: 'e',
    sectionId: 's',
    customerId: 'c',
    quantity: 1,
    status: 'HELD',
    createdAt: iso(T0),
    expiresAt: iso(T0 + TTL),
    version: 1,
  };

  it('finds only closing events, newest first', () => {
    const state = newSection('e', { id: 's', kind: 'GA', capacity: 5 });
    const released: Hold = { ...base, status: 'RELEASED', version: 2 };
    const other: Hold = { ...base, holdId: 'h2', status: 'PURCHASED', orderId: 'o', version: 3 };
    state.outbox = [
      { version: 1, at: T0, snapshot: {} as SectionSnapshot, events: [{ type: 'HoldPlaced', hold: base }] },
      {
        version: 2,
        at: T0,
        snapshot: {} as SectionSnapshot,
        events: [{ type: 'HoldReleased', hold: released }],
      },
      {
        version: 3,
        at: T0,
        snapshot: {} as SectionSnapshot,
        events: [
          { type: 'HoldPlaced', hold: { ...base, holdId: 'h2' } },
          { type: 'HoldPurchased', hold: other },
        ],
      },
    ];
    expect(closedHoldInOutbox(state, 'h1')).toEqual(released);
    expect(closedHoldInOutbox(state, 'h2')).toEqual(other);
    expect(closedHoldInOutbox(state, 'h3')).toBeUndefined();
    state.outbox = [state.outbox[0]!];
    expect(closedHoldInOutbox(state, 'h1')).toBeUndefined();
  });

  it('maps a closed hold to the documented answers', () => {
    const purchased: Hold = { ...base, status: 'PURCHASED', orderId: 'o1' };
    const expired: Hold = { ...base, status: 'EXPIRED' };
    const released: Hold = { ...base, status: 'RELEASED' };
    const buy: SectionCommand = { type: 'purchase', holdId: 'h1', orderId: 'o2' };
    const rel: SectionCommand = { type: 'release', holdId: 'h1' };

    expect(decideOnClosedHold(buy, purchased)).toEqual({
      kind: 'purchased',
      hold: purchased,
      firstTime: false,
    });
    expect(thrown(() => decideOnClosedHold(buy, expired))).toBeInstanceOf(HoldExpiredError);
    expect(thrown(() => decideOnClosedHold(buy, released)).code).toBe('HOLD_NOT_ACTIVE');

    expect(thrown(() => decideOnClosedHold(rel, purchased)).code).toBe('HOLD_NOT_ACTIVE');
    expect(decideOnClosedHold(rel, expired)).toEqual({ kind: 'released' });
    expect(decideOnClosedHold(rel, released)).toEqual({ kind: 'released' });

    expect(decideOnClosedHold({ type: 'touch' }, purchased)).toEqual({ kind: 'none' });
  });
});

describe('decide and due do not mutate', () => {
  function busyVip(): SectionHarness {
    const h = vip();
    h.hold(T0, { holdId: 'held', customerId: 'c1', seats: ['A-1', 'A-2'] });
    h.hold(T0, { holdId: 'sold', customerId: 'c2', seats: ['A-4'] });
    h.run(T0 + 1, { type: 'purchase', holdId: 'sold', orderId: 'o1' });
    h.hold(T0 + 2, { holdId: 'gone', customerId: 'c3', seats: ['A-6'] });
    h.run(T0 + 3, { type: 'release', holdId: 'gone' });
    return h;
  }

  const commands: SectionCommand[] = [
    { type: 'placeHold', holdId: 'n1', customerId: 'c9', seats: ['A-3', 'A-5'] },
    { type: 'placeHold', holdId: 'n2', customerId: 'c9', quantity: 2 },
    { type: 'placeHold', holdId: 'n3', customerId: 'c9', quantity: 4 },
    { type: 'placeHold', holdId: 'n4', customerId: 'c9', seats: ['A-1'] },
    { type: 'placeHold', holdId: 'n5', customerId: 'c9', seats: ['nope'] },
    { type: 'placeHold', holdId: 'n6', customerId: 'c9', seats: ['A-3', 'A-3'] },
    { type: 'placeHold', holdId: 'n7', customerId: 'c9', quantity: 0 },
    { type: 'placeHold', holdId: 'n8', customerId: 'c9' },
    { type: 'purchase', holdId: 'held', orderId: 'o2' },
    { type: 'purchase', holdId: 'sold', orderId: 'o3' },
    { type: 'purchase', holdId: 'gone', orderId: 'o4' },
    { type: 'purchase', holdId: 'ghost', orderId: 'o5' },
    { type: 'release', holdId: 'held' },
    { type: 'release', holdId: 'sold' },
    { type: 'release', holdId: 'gone' },
    { type: 'release', holdId: 'ghost' },
    { type: 'touch' },
  ];

  it.each(commands.map((c) => [JSON.stringify(c), c] as const))(
    'decide(%s) leaves a frozen state as it was',
    (_l, c) => {
      const h = busyVip();
      const before = structuredClone(h.state);
      const frozen = deepFreeze(h.state);
      let outcome: Outcome;
      try {
        outcome = { ok: true, value: h.rules.decide(frozen, c, h.context(T0 + 10)).result };
      } catch (error) {
        outcome = { ok: false, error };
      }
      // A TypeError would mean decide tried to write to the frozen state.
      if (!outcome.ok) expect(outcome.error).toBeInstanceOf(SpacegridError);
      expect(frozen).toEqual(before);
    },
  );

  it('decide on a GA section leaves a frozen state as it was', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 3 });
    const before = structuredClone(h.state);
    const frozen = deepFreeze(h.state);
    const ctx = h.context(T0 + 1);
    expect(
      h.rules.decide(frozen, { type: 'placeHold', holdId: 'h2', customerId: 'c', quantity: 2 }, ctx).events,
    ).toHaveLength(1);
    expect(h.rules.decide(frozen, { type: 'purchase', holdId: 'h1', orderId: 'o' }, ctx).events).toHaveLength(
      1,
    );
    expect(h.rules.decide(frozen, { type: 'release', holdId: 'h1' }, ctx).events).toHaveLength(1);
    expect(
      thrown(() =>
        h.rules.decide(frozen, { type: 'placeHold', holdId: 'h3', customerId: 'c', quantity: 5 }, { ...ctx }),
      ).code,
    ).toBe('VALIDATION_FAILED');
    expect(frozen).toEqual(before);
  });

  it('the events of decide do not alias the state (evolving a copy leaves the original alone)', () => {
    const h = busyVip();
    const frozen = deepFreeze(h.state);
    const decision = h.rules.decide(
      frozen,
      { type: 'purchase', holdId: 'held', orderId: 'o2' },
      h.context(T0 + 10),
    );
    const draft = structuredClone(frozen);
    for (const e of decision.events) h.rules.evolve(draft, e);
    expect(draft.sold).toBe(frozen.sold + 2);
    expect(frozen.holds.held!.status).toBe('HELD');
  });

  it('due, snapshot and nextDeadline leave a frozen state as it was', () => {
    const h = busyVip();
    const before = structuredClone(h.state);
    const frozen = deepFreeze(h.state);
    expect(h.rules.due(frozen, T0 + TTL)).toHaveLength(1);
    expect(h.rules.snapshot(frozen).version).toBe(before.version);
    expect(h.rules.nextDeadline(frozen)).toBe(T0 + TTL);
    expect(frozen).toEqual(before);
  });
});

describe('snapshot', () => {
  it('reports the reportable state at the current version', () => {
    const h = vip();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    h.hold(T0, { holdId: 'h2', customerId: 'c1', quantity: 1 });
    h.run(T0, { type: 'purchase', holdId: 'h2', orderId: 'o' });
    expect(h.rules.snapshot(h.state)).toEqual({
      eventId: 'final-2026',
      sectionId: 'vip',
      kind: 'RESERVED',
      capacity: 6,
      held: 2,
      sold: 1,
      version: 3,
    });
    // each outbox entry carries the snapshot at its own version
    expect(
      h.state.outbox.map((e) => [e.version, e.snapshot.version, e.snapshot.held, e.snapshot.sold]),
    ).toEqual([
      [1, 1, 2, 0],
      [2, 2, 3, 0],
      [3, 3, 2, 1],
    ]);
    expect(h.state.outboxSince).toBe(T0);
  });

  it('is a copy, not the state itself', () => {
    const h = ga();
    const snap = h.rules.snapshot(h.state);
    snap.held = 99;
    expect(h.state.held).toBe(0);
    expect(Object.keys(snap).sort()).toEqual([
      'capacity',
      'eventId',
      'held',
      'kind',
      'sectionId',
      'sold',
      'version',
    ]);
  });
});

describe('nextDeadline', () => {
  it('is null without active holds', () => {
    const h = ga();
    expect(h.rules.nextDeadline(h.state)).toBeNull();
  });

  it('is the earliest expiresAt among active holds and moves on as holds leave', () => {
    const h = ga();
    h.hold(T0 + 300, { holdId: 'late', customerId: 'c', quantity: 1 });
    h.hold(T0 + 100, { holdId: 'early', customerId: 'c', quantity: 1 });
    h.hold(T0 + 200, { holdId: 'mid', customerId: 'c', quantity: 1 });
    expect(h.rules.nextDeadline(h.state)).toBe(T0 + 100 + TTL);
    expect(h.state.nextDeadline).toBe(T0 + 100 + TTL);

    h.run(T0 + 400, { type: 'release', holdId: 'early' });
    expect(h.state.nextDeadline).toBe(T0 + 200 + TTL);
    h.run(T0 + 400, { type: 'purchase', holdId: 'mid', orderId: 'o' });
    expect(h.state.nextDeadline).toBe(T0 + 300 + TTL);
    h.batch(T0 + 300 + TTL, { type: 'touch' });
    expect(h.state.nextDeadline).toBeNull();
    expect(h.state.held).toBe(0);
    expect(h.state.sold).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Property-style test: a long seeded random sequence against an independent, simple model.
// ---------------------------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ModelHold {
  id: string;
  quantity: number;
  seats: string[] | null;
  expiresAt: number;
  status: 'HELD' | 'PURCHASED' | 'RELEASED' | 'EXPIRED';
  orderId?: string;
  /** Version of the batch that closed the hold (its closing event lives in that outbox entry). */
  closedVersion?: number;
  /** The pump trimmed the closing event: the section itself no longer knows the hold. */
  forgotten?: boolean;
}

type Expected =
  | { ok: 'hold'; quantity: number; seats: string[] | null }
  | { ok: 'purchased'; firstTime: boolean; orderId: string }
  | { ok: 'released' }
  | { ok: 'none' }
  | { error: string };

/** Everything the API promises, written out as plainly as possible. */
class Model {
  readonly holds = new Map<string, ModelHold>();
  /** seat -> hold id of its active or purchased hold */
  readonly owner = new Map<string, string>();
  /** The version the current batch commits at, if it changes anything. */
  batchVersion = 0;

  constructor(
    readonly capacity: number,
    readonly seatIds: readonly string[] | null,
    readonly max: number,
    readonly ttlMs: number,
  ) {}

  active(): ModelHold[] {
    return [...this.holds.values()].filter((h) => h.status === 'HELD');
  }

  held(): number {
    return this.active().reduce((n, h) => n + h.quantity, 0);
  }

  sold(): number {
    return [...this.holds.values()]
      .filter((h) => h.status === 'PURCHASED')
      .reduce((n, h) => n + h.quantity, 0);
  }

  free(seat: string): boolean {
    return !this.owner.has(seat);
  }

  expire(now: number): void {
    for (const h of this.active()) {
      if (h.expiresAt <= now) this.close(h, 'EXPIRED');
    }
  }

  /** The pump delivered (and the section dropped) every outbox entry up to `mark`. */
  trim(mark: number): void {
    for (const h of this.holds.values()) {
      if (h.closedVersion !== undefined && h.closedVersion <= mark) h.forgotten = true;
    }
  }

  private close(h: ModelHold, status: 'RELEASED' | 'EXPIRED'): void {
    h.status = status;
    h.closedVersion = this.batchVersion;
    for (const s of h.seats ?? []) this.owner.delete(s);
  }

  private bestAvailable(quantity: number): string[] | null {
    const seats = this.seatIds!;
    for (let start = 0; start + quantity <= seats.length; start += 1) {
      const window = seats.slice(start, start + quantity);
      if (window.every((s) => this.free(s))) return window;
    }
    const free = seats.filter((s) => this.free(s));
    return free.length >= quantity ? free.slice(0, quantity) : null;
  }

  apply(command: SectionCommand, now: number): Expected {
    switch (command.type) {
      case 'touch':
        return { ok: 'none' };
      case 'placeHold': {
        const { quantity, seats } = command;
        if ((quantity === undefined) === (seats === undefined)) return { error: 'VALIDATION_FAILED' };
        const n = quantity ?? seats!.length;
        if (n < 1 || n > this.max) return { error: 'VALIDATION_FAILED' };
        let picked: string[] | null = null;
        if (seats) {
          if (!this.seatIds) return { error: 'VALIDATION_FAILED' };
          if (new Set(seats).size !== seats.length) return { error: 'VALIDATION_FAILED' };
          if (seats.some((s) => !this.seatIds!.includes(s))) return { error: 'VALIDATION_FAILED' };
          if (seats.some((s) => !this.free(s))) return { error: 'SEAT_UNAVAILABLE' };
          picked = seats;
        } else {
          if (n > this.capacity - this.held() - this.sold()) return { error: 'NOT_ENOUGH_SEATS' };
          if (this.seatIds) {
            picked = this.bestAvailable(n);
            if (!picked) return { error: 'NOT_ENOUGH_SEATS' };
          }
        }
        this.holds.set(command.holdId, {
          id: command.holdId,
          quantity: n,
          seats: picked,
          expiresAt: now + this.ttlMs,
          status: 'HELD',
        });
        for (const s of picked ?? []) this.owner.set(s, command.holdId);
        return { ok: 'hold', quantity: n, seats: picked };
      }
      case 'purchase': {
        const h = this.holds.get(command.holdId);
        if (!h || h.forgotten) return { error: 'HOLD_NOT_FOUND' };
        if (h.status === 'HELD') {
          h.status = 'PURCHASED';
          h.orderId = command.orderId;
          h.closedVersion = this.batchVersion;
          return { ok: 'purchased', firstTime: true, orderId: command.orderId };
        }
        if (h.status === 'PURCHASED') return { ok: 'purchased', firstTime: false, orderId: h.orderId! };
        if (h.status === 'EXPIRED') return { error: 'HOLD_EXPIRED' };
        return { error: 'HOLD_NOT_ACTIVE' };
      }
      case 'release': {
        const h = this.holds.get(command.holdId);
        if (!h || h.forgotten) return { error: 'HOLD_NOT_FOUND' };
        if (h.status === 'PURCHASED') return { error: 'HOLD_NOT_ACTIVE' };
        if (h.status === 'HELD') this.close(h, 'RELEASED');
        return { ok: 'released' };
      }
    }
  }
}

function observed(outcome: Outcome): Expected {
  if (!outcome.ok) {
    if (!(outcome.error instanceof SpacegridError)) throw outcome.error;
    return { error: outcome.error.code };
  }
  const r = outcome.value;
  switch (r.kind) {
    case 'hold':
      return { ok: 'hold', quantity: r.hold.quantity, seats: r.hold.seats ?? null };
    case 'purchased':
      return { ok: 'purchased', firstTime: r.firstTime, orderId: r.hold.orderId ?? '' };
    case 'released':
      return { ok: 'released' };
    case 'none':
      return { ok: 'none' };
  }
}

function runRandom(
  sectionId: 'rga' | 'rres',
  seed: number,
  batches: number,
): { commands: number; codes: Set<string> } {
  const seatIds = Array.from({ length: 24 }, (_, i) => `R${Math.floor(i / 8)}-${i % 8}`);
  const event = buildEventRecord(
    {
      name: 'random',
      startsAt: '2026-01-01T00:00:00Z',
      holdTtlSeconds: 10,
      maxSeatsPerHold: 5,
      sections: [
        { id: 'rga', capacity: 30 },
        { id: 'rres', seats: seatIds },
      ],
    },
    'rnd',
    T0,
  );
  const h = new SectionHarness(event, sectionId);
  const reserved = sectionId === 'rres';
  const model = new Model(h.state.capacity, reserved ? seatIds : null, 5, 10_000);
  const rnd = mulberry32(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

  let now = T0;
  let nextId = 0;
  let commandCount = 0;
  let committed = 0;
  const codes = new Set<string>();
  const soldSeats = new Set<string>();
  const recentIds: string[] = [];

  const randomCommand = (): SectionCommand => {
    // mostly recent holds, so that purchases and releases meet live, closed and expired ones
    const ids = recentIds.slice(-40);
    const r = rnd();
    if (r < 0.45) {
      const holdId = `h${(nextId += 1)}`;
      const customerId = `c${int(7)}`;
      const shape = rnd();
      if (shape < 0.03) return { type: 'placeHold', holdId, customerId };
      if (shape < 0.06) return { type: 'placeHold', holdId, customerId, quantity: 1, seats: [pick(seatIds)] };
      if (reserved && shape < 0.55) {
        const n = int(7); // 0..6, max is 5
        const seats = Array.from({ length: n }, () => (rnd() < 0.03 ? 'X-99' : pick(seatIds)));
        return { type: 'placeHold', holdId, customerId, seats };
      }
      if (!reserved && shape < 0.08) return { type: 'placeHold', holdId, customerId, seats: [pick(seatIds)] };
      return { type: 'placeHold', holdId, customerId, quantity: int(7) };
    }
    const holdId = ids.length === 0 || rnd() < 0.04 ? 'ghost' : pick(ids);
    if (r < 0.75) return { type: 'purchase', holdId, orderId: `o${(nextId += 1)}` };
    if (r < 0.95) return { type: 'release', holdId };
    return { type: 'touch' };
  };

  for (let b = 0; b < batches; b += 1) {
    // time moves: sometimes not at all, sometimes exactly onto (or just before) a deadline
    const t = rnd();
    const deadlines = model.active().map((x) => x.expiresAt);
    if (t < 0.15 && deadlines.length > 0) now = Math.max(now, pick(deadlines));
    else if (t < 0.25 && deadlines.length > 0) now = Math.max(now, pick(deadlines) - 1);
    else if (t < 0.4) now += 0;
    else now += int(3000);

    const commands = Array.from({ length: 1 + int(6) }, randomCommand);
    commandCount += commands.length;
    const versionBefore = h.state.version;
    const outcomes = h.batch(now, ...commands);

    for (const c of commands) if (c.type === 'placeHold') recentIds.push(c.holdId);
    if (recentIds.length > 200) recentIds.splice(0, 100);
    model.batchVersion = versionBefore + 1;
    model.expire(now);
    commands.forEach((command, i) => {
      const expected = model.apply(command, now);
      const got = observed(outcomes[i]!);
      if ('error' in got) codes.add(got.error);
      else codes.add(got.ok);
      expect(got, `batch ${b} command ${i} ${JSON.stringify(command)} at ${now}`).toEqual(expected);
      const outcome = outcomes[i]!;
      if (outcome.ok && outcome.value.kind === 'purchased' && outcome.value.firstTime) {
        for (const s of outcome.value.hold.seats ?? []) {
          expect(soldSeats.has(s), `seat ${s} sold twice`).toBe(false);
          soldSeats.add(s);
        }
      }
    });

    // --- invariants after every batch ---
    const s = h.state;
    if (h.lastEvents.length > 0) committed += 1;
    expect(s.version).toBe(h.lastEvents.length > 0 ? versionBefore + 1 : versionBefore);
    expect(s.version).toBe(committed);
    expect(s.held).toBeGreaterThanOrEqual(0);
    expect(s.sold).toBeGreaterThanOrEqual(0);
    expect(s.held + s.sold).toBeLessThanOrEqual(s.capacity);
    expect(s.held).toBe(model.held());
    expect(s.sold).toBe(model.sold());
    expect(Object.keys(s.holds).sort()).toEqual(
      model
        .active()
        .map((x) => x.id)
        .sort(),
    );
    expect(Object.values(s.holds).reduce((n, x) => n + x.quantity, 0)).toBe(s.held);
    expect(Object.values(s.holds).every((x) => x.status === 'HELD')).toBe(true);
    const deadlines2 = model.active().map((x) => x.expiresAt);
    expect(s.nextDeadline).toBe(deadlines2.length === 0 ? null : Math.min(...deadlines2));
    expect(h.rules.nextDeadline(s)).toBe(s.nextDeadline);

    if (reserved) {
      const states = s.seatStates!;
      expect(states).toHaveLength(seatIds.length);
      // per-seat exclusivity: no seat in two active holds, and every held seat is H
      const inActive = Object.values(s.holds).flatMap((x) => x.seats ?? []);
      expect(new Set(inActive).size).toBe(inActive.length);
      const expectedStates = seatIds
        .map((seat) => {
          const owner = model.owner.get(seat);
          const status = owner === undefined ? undefined : model.holds.get(owner)!.status;
          if (status === 'PURCHASED' && !soldSeats.has(seat)) throw new Error(`seat ${seat} sold unseen`);
          return status === 'HELD' ? 'H' : status === 'PURCHASED' ? 'S' : 'A';
        })
        .join('');
      expect(states, `seat states after batch ${b}`).toBe(expectedStates);
      expect([...states].filter((c) => c === 'H')).toHaveLength(s.held);
      expect([...states].filter((c) => c === 'S')).toHaveLength(s.sold);
      expect(soldSeats.size).toBe(s.sold);
      for (const x of Object.values(s.holds)) expect(x.seats).toHaveLength(x.quantity);
    } else {
      expect(s.seatStates).toBeUndefined();
    }
    // the outbox snapshot of this batch agrees with the state
    if (h.lastEvents.length > 0) expect(s.outbox.at(-1)!.snapshot).toEqual(h.rules.snapshot(s));

    // now and then the data pump delivers the outbox and the next batch trims it
    if (rnd() < 0.1) {
      const mark = s.version - int(4);
      trimOutbox<SectionSnapshot, SectionAggregate>(s, mark);
      expect(s.outbox.every((e) => e.version > mark)).toBe(true);
      model.trim(mark);
    }
  }
  return { commands: commandCount, codes };
}

describe('property: random command sequences against a simple model', () => {
  it.each([1, 2, 3])(
    'GA section keeps held + sold <= capacity and agrees with the model (seed %i)',
    { timeout: 60_000 },
    (seed) => {
      const { commands, codes } = runRandom('rga', seed, 1500);
      expect(commands).toBeGreaterThan(4000);
      // the sequence really exercised the interesting paths
      for (const code of [
        'hold',
        'purchased',
        'released',
        'NOT_ENOUGH_SEATS',
        'HOLD_EXPIRED',
        'HOLD_NOT_ACTIVE',
        'HOLD_NOT_FOUND',
        'VALIDATION_FAILED',
      ]) {
        expect(codes.has(code), code).toBe(true);
      }
    },
  );

  it.each([4, 5, 6])(
    'reserved section keeps every seat exclusive and agrees with the model (seed %i)',
    { timeout: 60_000 },
    (seed) => {
      const { commands, codes } = runRandom('rres', seed, 1500);
      expect(commands).toBeGreaterThan(4000);
      for (const code of [
        'hold',
        'purchased',
        'released',
        'NOT_ENOUGH_SEATS',
        'SEAT_UNAVAILABLE',
        'HOLD_EXPIRED',
        'HOLD_NOT_ACTIVE',
        'HOLD_NOT_FOUND',
        'VALIDATION_FAILED',
      ]) {
        expect(codes.has(code), code).toBe(true);
      }
    },
  );
});
