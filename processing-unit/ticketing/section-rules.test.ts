import { describe, it, expect } from 'vitest';
import type { DomainEvent } from '../../common/change-record.js';
import { ConflictError, NotFoundError, SpacegridError, ValidationError } from '../../common/errors.js';
import { holdEntryOf, holdOf } from '../../common/hold-entry.js';
import { appendOutbox, trimOutbox } from '../../common/outbox.js';
import type {
  EventRecord,
  Hold,
  HoldEntry,
  SectionAggregate,
  SectionSnapshot,
} from '../../common/ticketing-model.js';
import type { AggregateRules } from '../write-path/aggregate-rules.js';
import { buildEventRecord, seatIndexOf } from './event-catalog.js';
import { decideHoldAction, type HoldAction } from './hold-rules.js';
import type { SectionCommand, SectionContext } from './section-commands.js';
import {
  available,
  closedHoldInOutbox,
  newSection,
  placedHoldInOutbox,
  sectionRules,
  type SectionResult,
} from './section-rules.js';
import { createRandom } from '../../common/random.js';

// ---------------------------------------------------------------------------------------------
// Test harness: drives the pure rules exactly the way write-path/batch-engine.ts does.
// ---------------------------------------------------------------------------------------------

type Rules = AggregateRules<SectionAggregate, SectionCommand, SectionResult, SectionContext, SectionSnapshot>;
type Outcome = { ok: true; value: SectionResult } | { ok: false; error: unknown };
type PlaceHold = Extract<SectionCommand, { type: 'placeHold' }>;

interface BatchResult {
  state: SectionAggregate;
  outcomes: Outcome[];
  events: DomainEvent[];
}

/**
 * One batch: a private draft of the state (the engine decodes fresh JSON for every batch and every
 * retry), the outbox trimmed to the pump's mark, `due` first, then each command's `decide` +
 * `evolve`, then version++ and the outbox entry if anything happened, then `nextDeadline`.
 */
function runBatch(
  rules: Rules,
  context: SectionContext,
  state: SectionAggregate,
  commands: readonly SectionCommand[],
  pumpedUpTo?: number,
): BatchResult {
  const draft = structuredClone(state);
  trimOutbox<SectionSnapshot, SectionAggregate>(draft, pumpedUpTo);
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
  /** What the adapter would put in `context.settledLongAgo`. */
  settledLongAgo = new Set<string>();
  /** What the adapter would put in `context.filedHolds` (entries of the holds map). */
  filedHolds = new Map<string, Hold>();
  /** The pump's mark, applied at the start of the next batch. */
  pumpedUpTo: number | undefined;

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
    return {
      now,
      event: this.event,
      seatIndex: this.seatIndex,
      settledLongAgo: this.settledLongAgo,
      filedHolds: this.filedHolds,
    };
  }

  batch(now: number, ...commands: SectionCommand[]): Outcome[] {
    const result = runBatch(this.rules, this.context(now), this.state, commands, this.pumpedUpTo);
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

  hold(now: number, command: Omit<PlaceHold, 'type'>): Hold {
    return placed(this.run(now, { type: 'placeHold', ...command }));
  }

  settle(now: number, hold: Hold): Extract<SectionResult, { kind: 'settled' }> {
    return settled(this.run(now, { type: 'settle', hold }));
  }
}

function placed(result: SectionResult): Hold {
  if (result.kind !== 'hold') throw new Error(`expected a hold, got ${JSON.stringify(result)}`);
  return result.hold;
}

function settled(result: SectionResult): Extract<SectionResult, { kind: 'settled' }> {
  if (result.kind !== 'settled') throw new Error(`expected a settlement, got ${JSON.stringify(result)}`);
  return result;
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

/**
 * The hold as its entry closes it (the compare-and-set in the holds map), in the form the service
 * sends to `settle`. An expiry needs `now` at or after `expiresAt`.
 */
function close(hold: Hold, action: HoldAction, now: number): Hold {
  const decision = decideHoldAction(holdEntryOf(hold), action, now);
  if (decision.kind !== 'transition') throw new Error(`${action.type} of ${hold.holdId} did not transition`);
  return holdOf(decision.next);
}

const purchase = (hold: Hold, now: number, orderId = `o-${hold.holdId}`): Hold =>
  close(hold, { type: 'purchase', orderId }, now);
const release = (hold: Hold, now: number): Hold => close(hold, { type: 'release' }, now);
const expire = (hold: Hold): Hold => close(hold, { type: 'expire' }, Date.parse(hold.expiresAt));

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
  it('creates an empty GA section: counts only, no seat map, no holds', () => {
    const h = ga();
    expect(h.state).toEqual({
      eventId: 'final-2026',
      sectionId: 'ga',
      kind: 'GA',
      capacity: 10,
      held: 0,
      sold: 0,
      version: 0,
      nextDeadline: null,
      outbox: [],
      outboxSince: null,
    });
    expect('seatStates' in h.state).toBe(false);
    expect('holds' in h.state).toBe(false);
    expect(available(h.state)).toBe(10);
  });

  it('creates an empty RESERVED section with every seat available', () => {
    const h = vip();
    expect(h.state).toEqual({
      eventId: 'final-2026',
      sectionId: 'vip',
      kind: 'RESERVED',
      capacity: 6,
      held: 0,
      sold: 0,
      version: 0,
      seatStates: 'AAAAAA',
      nextDeadline: null,
      outbox: [],
      outboxSince: null,
    });
    expect(available(h.state)).toBe(6);
  });

  it('available is capacity - held - sold', () => {
    const state = { ...newSection('e', { id: 's', kind: 'GA', capacity: 10 }), held: 3, sold: 4 };
    expect(available(state)).toBe(3);
    expect(available({ ...state, held: 6 })).toBe(0);
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
    expect(h.state).toEqual({
      eventId: 'final-2026',
      sectionId: 'ga',
      kind: 'GA',
      capacity: 10,
      held: 2,
      sold: 0,
      version: 1,
      // holds expire through their own entries: the section has no deadline
      nextDeadline: null,
      outboxSince: T0,
      outbox: [
        {
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
        },
      ],
    });
  });

  it('stamps the hold with the version of the batch that places it and expiresAt = now + holdTtlSeconds', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 1 });
    h.hold(T0 + 5, { holdId: 'h2', customerId: 'c1', quantity: 1 });
    const third = h.hold(T0 + 777, { holdId: 'h3', customerId: 'c1', quantity: 1 });
    expect(third.version).toBe(3);
    expect(third.createdAt).toBe(iso(T0 + 777));
    expect(third.expiresAt).toBe(iso(T0 + 777 + TTL));
    expect(h.state.outbox.map((e) => e.version)).toEqual([1, 2, 3]);
    expect(h.state.outboxSince).toBe(T0);
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
    expect(h.state.outbox).toHaveLength(2);
    expect(placedHoldInOutbox(h.state, 'h3')).toBeUndefined();

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
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 4 });
    h.settle(T0 + 1, purchase(h1, T0 + 1));
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
    expect(placed(value(outcomes[0])).version).toBe(1);
    expect(placed(value(outcomes[1])).version).toBe(1);
    expect(refusal(outcomes[2]).details).toEqual({ available: 2 });
    expect(placed(value(outcomes[3])).quantity).toBe(2);
    expect(h.state.held).toBe(10);
    expect(h.state.version).toBe(1);
    expect(h.state.outbox).toHaveLength(1);
    expect(h.state.outbox[0]!.events.map((e) => e.type)).toEqual(['HoldPlaced', 'HoldPlaced', 'HoldPlaced']);
    expect(h.state.outbox[0]!.snapshot).toMatchObject({ held: 10, version: 1 });
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

  it('refuses a section the event does not list with SECTION_NOT_FOUND', () => {
    const h = ga();
    const stray = newSection(EVENT.id, { id: 'nowhere', kind: 'GA', capacity: 5 });
    const err = thrown(() =>
      h.rules.decide(
        stray,
        { type: 'placeHold', holdId: 'h1', customerId: 'c1', quantity: 1 },
        h.context(T0),
      ),
    );
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.code).toBe('SECTION_NOT_FOUND');
  });

  it('a refused command does not disturb the other commands of its batch', () => {
    const h = ga();
    const foreign = vip().hold(T0, { holdId: 'v1', customerId: 'c9', seats: ['A-1'] });
    const outcomes = h.batch(
      T0,
      { type: 'placeHold', holdId: 'h1', customerId: 'c1', quantity: 2 },
      { type: 'placeHold', holdId: 'h2', customerId: 'c1', quantity: 0 },
      { type: 'settle', hold: release(foreign, T0) },
      { type: 'placeHold', holdId: 'h3', customerId: 'c1', quantity: 3 },
    );
    expect(value(outcomes[0]).kind).toBe('hold');
    expect(refusal(outcomes[1]).code).toBe('VALIDATION_FAILED');
    expect(refusal(outcomes[2]).code).toBe('HOLD_NOT_FOUND');
    expect(value(outcomes[3]).kind).toBe('hold');
    expect(h.state).toMatchObject({ held: 5, sold: 0, version: 1 });
    expect(h.lastEvents.map((e) => e.type)).toEqual(['HoldPlaced', 'HoldPlaced']);
  });

  it('a hold placed and settled in the same batch nets out', () => {
    const h = ga();
    // the hold of a placeHold in this batch is only known once decided; settle it in the next command
    const draftHold = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    const outcomes = h.batch(
      T0 + 1,
      { type: 'placeHold', holdId: 'h2', customerId: 'c1', quantity: 3 },
      { type: 'settle', hold: purchase(draftHold, T0 + 1) },
    );
    expect(value(outcomes[0]).kind).toBe('hold');
    expect(settled(value(outcomes[1])).applied).toBe(true);
    expect(h.state).toMatchObject({ held: 3, sold: 2, version: 2 });
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
    expect(h.lastEvents).toEqual([{ type: 'HoldPlaced', hold }]);
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
    expect(h.hold(T0, { holdId: 'h2', customerId: 'c1', seats: VIP_SEATS.slice(0, 4) }).quantity).toBe(4);
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
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-6'] });
    h.settle(T0 + 1, purchase(h1, T0 + 1));
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
    expect(placed(value(outcomes[0])).seats).toEqual(['A-1', 'A-2']);
    expect(refusal(outcomes[1]).details).toEqual({ seats: ['A-2'] });
    expect(placed(value(outcomes[2])).seats).toEqual(['A-3', 'A-4']);
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

  it('maps seat ids to positions through the catalog, whatever they look like', () => {
    const seats = ['Z-9', 'B-1', 'A-1'];
    const event = buildEventRecord(
      { name: 'n', startsAt: '2026-01-01T00:00:00Z', sections: [{ id: 's', seats }] },
      'e2',
      T0,
    );
    const h = new SectionHarness(event, 's');
    h.hold(T0, { holdId: 'h1', customerId: 'c', seats: ['A-1'] });
    expect(seatMap(h)).toBe('AAH');
    expect(h.hold(T0, { holdId: 'h2', customerId: 'c', quantity: 2 }).seats).toEqual(['Z-9', 'B-1']);
    expect(seatMap(h)).toBe('HHH');
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
    const x = h.hold(T0, { holdId: 'x', customerId: 'c0', seats: ['A-3'] });
    h.settle(T0, purchase(x, T0)); // A A S A A A
    expect(seatMap(h)).toBe('AASAAA');
    expect(h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 3 }).seats).toEqual(['A-4', 'A-5', 'A-6']);
  });

  it('uses seats again once a release or expiry is settled', () => {
    const h = vip();
    const x = h.hold(T0, { holdId: 'x', customerId: 'c0', quantity: 3 });
    const y = h.hold(T0, { holdId: 'y', customerId: 'c0', quantity: 3 });
    expect(seatMap(h)).toBe('HHHHHH');
    h.settle(T0 + 1, release(x, T0 + 1));
    expect(h.hold(T0 + 2, { holdId: 'h1', customerId: 'c1', quantity: 2 }).seats).toEqual(['A-1', 'A-2']);
    h.settle(T0 + TTL, expire(y));
    expect(seatMap(h)).toBe('HHAAAA');
    expect(h.hold(T0 + TTL, { holdId: 'h2', customerId: 'c1', quantity: 4 }).seats).toEqual([
      'A-3',
      'A-4',
      'A-5',
      'A-6',
    ]);
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

describe('settle', () => {
  it('PURCHASED (GA): held -> sold, one HoldPurchased event, the hold stamped with the batch version', () => {
    const h = ga();
    const placedHold = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 3 });
    h.hold(T0 + 1, { holdId: 'h2', customerId: 'c1', quantity: 1 });
    const closed = purchase(placedHold, T0 + 5000, 'o1');
    const result = h.settle(T0 + 5000, closed);
    const expected: Hold = {
      ...placedHold,
      status: 'PURCHASED',
      orderId: 'o1',
      purchasedAt: iso(T0 + 5000),
      closedAt: iso(T0 + 5000),
      version: 3,
    };
    expect(result).toEqual({ kind: 'settled', hold: expected, applied: true });
    expect(h.lastEvents).toEqual([{ type: 'HoldPurchased', hold: expected }]);
    expect(h.state).toMatchObject({ held: 1, sold: 3, version: 3, nextDeadline: null });
    expect(h.state.outbox.at(-1)).toEqual({
      version: 3,
      at: T0 + 5000,
      snapshot: {
        eventId: 'final-2026',
        sectionId: 'ga',
        kind: 'GA',
        capacity: 10,
        held: 1,
        sold: 3,
        version: 3,
      },
      events: [{ type: 'HoldPurchased', hold: expected }],
    });
  });

  it('PURCHASED (reserved): the seats become S', () => {
    const h = vip();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-2', 'A-5'] });
    h.hold(T0, { holdId: 'h2', customerId: 'c2', seats: ['A-3'] });
    const result = h.settle(T0 + 1, purchase(h1, T0 + 1, 'o1'));
    expect(result).toMatchObject({
      applied: true,
      hold: { status: 'PURCHASED', orderId: 'o1', seats: ['A-2', 'A-5'] },
    });
    expect(seatMap(h)).toBe('ASHASA');
    expect(h.state).toMatchObject({ held: 1, sold: 2 });
  });

  it('RELEASED: held -= quantity, seats back to A, one HoldReleased event', () => {
    const h = vip();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1', 'A-2'] });
    const closed = release(h1, T0 + 3);
    const result = h.settle(T0 + 3, closed);
    const expected: Hold = { ...h1, status: 'RELEASED', closedAt: iso(T0 + 3), version: 2 };
    expect(result).toEqual({ kind: 'settled', hold: expected, applied: true });
    expect(h.lastEvents).toEqual([{ type: 'HoldReleased', hold: expected }]);
    expect(h.state).toMatchObject({ held: 0, sold: 0, seatStates: 'AAAAAA', version: 2 });
    expect(h.hold(T0 + 4, { holdId: 'h2', customerId: 'c2', seats: ['A-2'] }).seats).toEqual(['A-2']);
  });

  it('RELEASED (GA): frees the quantity', () => {
    const h = ga();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 4 });
    h.settle(T0 + 1, release(h1, T0 + 1));
    expect(available(h.state)).toBe(10);
    expect(h.state.sold).toBe(0);
  });

  it('EXPIRED: held -= quantity, seats back to A, one HoldExpired event', () => {
    const h = vip();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1', 'A-3'] });
    const h2 = h.hold(T0 + 1, { holdId: 'h2', customerId: 'c1', seats: ['A-4'] });
    const closed = expire(h1);
    const result = h.settle(T0 + TTL + 7, closed);
    const expected: Hold = { ...h1, status: 'EXPIRED', closedAt: iso(T0 + TTL), version: 3 };
    expect(result).toEqual({ kind: 'settled', hold: expected, applied: true });
    expect(h.lastEvents).toEqual([{ type: 'HoldExpired', hold: expected }]);
    expect(h.state).toMatchObject({ held: 1, sold: 0, seatStates: 'AAAHAA', version: 3 });
    expect(h.hold(T0 + TTL + 8, { holdId: 'h3', customerId: 'c2', seats: ['A-3'] }).seats).toEqual(['A-3']);
    // the other hold is untouched
    h.settle(T0 + TTL + 9, purchase(h2, T0 + 9));
    expect(h.state).toMatchObject({ held: 1, sold: 1, seatStates: 'AAHSAA' });
  });

  it('EXPIRED (GA): frees the quantity for the next hold', () => {
    const h = ga();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 4 });
    h.hold(T0, { holdId: 'h2', customerId: 'c1', quantity: 4 });
    h.hold(T0 + 1000, { holdId: 'h3', customerId: 'c1', quantity: 2 });
    expect(available(h.state)).toBe(0);
    // the settle comes first in the batch: the placeHold after it can take the freed seats
    const outcomes = h.batch(
      T0 + TTL,
      { type: 'settle', hold: expire(h1) },
      { type: 'placeHold', holdId: 'h4', customerId: 'c2', quantity: 4 },
    );
    expect(settled(value(outcomes[0])).applied).toBe(true);
    expect(placed(value(outcomes[1])).quantity).toBe(4);
    expect(h.lastEvents.map((e) => e.type)).toEqual(['HoldExpired', 'HoldPlaced']);
    expect(h.state.held).toBe(10);
  });

  it('order within a batch matters: a placeHold before the settle does not see the freed seats', () => {
    const h = vip();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1'] });
    const outcomes = h.batch(
      T0 + 1,
      { type: 'placeHold', holdId: 'h2', customerId: 'c2', seats: ['A-1'] },
      { type: 'settle', hold: release(h1, T0 + 1) },
      { type: 'placeHold', holdId: 'h3', customerId: 'c3', seats: ['A-1'] },
    );
    expect(refusal(outcomes[0]).code).toBe('SEAT_UNAVAILABLE');
    expect(settled(value(outcomes[1])).applied).toBe(true);
    expect(placed(value(outcomes[2])).seats).toEqual(['A-1']);
    expect(seatMap(h)).toBe('HAAAAA');
    expect(h.state.held).toBe(1);
  });

  it('keeps every field of the hold it is given except the version', () => {
    const h = ga();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c-x', quantity: 2 });
    const odd: Hold = { ...purchase(h1, T0 + 1, 'o-9'), closedAt: iso(T0 + 2), version: 999 };
    const result = h.settle(T0 + 3, odd);
    expect(result.hold).toEqual({ ...odd, version: 2 });
    expect(result.hold).not.toBe(odd);
    expect(odd.version).toBe(999);
  });

  it('twice in the same batch: applied once, the second answers the first closing', () => {
    const h = vip();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1', 'A-2'] });
    const closed = purchase(h1, T0 + 1, 'o1');
    const [first, second] = h.batch(
      T0 + 1,
      { type: 'settle', hold: closed },
      { type: 'settle', hold: closed },
    );
    const a = settled(value(first));
    const b = settled(value(second));
    expect(a).toEqual({ kind: 'settled', hold: { ...closed, version: 2 }, applied: true });
    expect(b).toEqual({ kind: 'settled', hold: { ...closed, version: 2 }, applied: false });
    expect(h.lastEvents).toHaveLength(1);
    expect(h.state).toMatchObject({ held: 0, sold: 2, seatStates: 'SSAAAA', version: 2 });
  });

  it('twice in the same batch with different closings: the first one stands', () => {
    const h = ga();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    const [first, second] = h.batch(
      T0 + 1,
      { type: 'settle', hold: release(h1, T0 + 1) },
      { type: 'settle', hold: purchase(h1, T0 + 1) },
    );
    expect(settled(value(first))).toMatchObject({ applied: true, hold: { status: 'RELEASED' } });
    expect(settled(value(second))).toMatchObject({
      applied: false,
      hold: { status: 'RELEASED', version: 2 },
    });
    expect(h.state).toMatchObject({ held: 0, sold: 0 });
  });

  it('three settles of one hold between other work in one batch: counts move once', () => {
    const h = ga();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 4 });
    const h2 = h.hold(T0, { holdId: 'h2', customerId: 'c1', quantity: 4 });
    const c1 = release(h1, T0 + 1);
    const outcomes = h.batch(
      T0 + 1,
      { type: 'settle', hold: c1 },
      { type: 'placeHold', holdId: 'h3', customerId: 'c2', quantity: 4 },
      { type: 'settle', hold: c1 },
      { type: 'settle', hold: purchase(h2, T0 + 1) },
      { type: 'settle', hold: c1 },
      { type: 'placeHold', holdId: 'h4', customerId: 'c2', quantity: 3 },
    );
    expect(
      outcomes.map((o) => (o.ok ? (o.value.kind === 'settled' ? o.value.applied : o.value.kind) : 'err')),
    ).toEqual([true, 'hold', false, true, false, 'err']);
    expect(h.state).toMatchObject({ held: 4, sold: 4, version: 3 });
  });

  it('twice across batches while the closing is in the outbox: the second is a no-op answering the first', () => {
    const h = vip();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-3'] });
    const first = h.settle(T0 + 1, purchase(h1, T0 + 1, 'o1'));
    const before = structuredClone(h.state);
    // a retried settle, e.g. by the sweeper of pending holds, with the entry as it stands
    const again = h.settle(T0 + 2, purchase(h1, T0 + 1, 'o1'));
    expect(again).toEqual({ kind: 'settled', hold: first.hold, applied: false });
    expect(again.hold.version).toBe(2);
    expect(h.lastEvents).toEqual([]);
    expect(h.state).toEqual(before);
    // ...even long after the hold would have expired
    expect(h.settle(T0 + 10 * TTL, purchase(h1, T0 + 1, 'o1'))).toMatchObject({ applied: false });
    expect(h.state).toMatchObject({ held: 0, sold: 1, seatStates: 'AASAAA', version: 2 });
  });

  it('a late duplicate with another status is still a no-op and answers the closing that was applied', () => {
    const h = ga();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    h.settle(T0 + TTL, expire(h1));
    const late = h.settle(T0 + TTL + 1, purchase(h1, T0 + 1));
    expect(late).toMatchObject({ applied: false, hold: { status: 'EXPIRED', version: 2 } });
    expect(h.state).toMatchObject({ held: 0, sold: 0, version: 2 });
  });

  it('finds the closing in an older outbox entry behind newer ones', () => {
    const h = ga();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 1 });
    h.settle(T0 + 1, release(h1, T0 + 1));
    h.hold(T0 + 2, { holdId: 'h2', customerId: 'c1', quantity: 1 });
    h.hold(T0 + 3, { holdId: 'h3', customerId: 'c1', quantity: 1 });
    expect(h.settle(T0 + 4, release(h1, T0 + 1))).toMatchObject({ applied: false, hold: { version: 2 } });
    expect(h.state.held).toBe(2);
  });

  it('after the closing left the outbox, settledLongAgo keeps a late duplicate from applying', () => {
    const h = vip();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1'] });
    const closed = release(h1, T0 + 1);
    h.settle(T0 + 1, closed);
    // the pump delivered everything; the next batch trims the outbox
    h.pumpedUpTo = h.state.version;
    h.settledLongAgo.add('h1');
    const h2 = h.hold(T0 + 2, { holdId: 'h2', customerId: 'c2', seats: ['A-1'] });
    expect(h.state.outbox.map((e) => e.version)).toEqual([3]);
    expect(closedHoldInOutbox(h.state, 'h1')).toBeUndefined();
    const before = structuredClone(h.state);
    const late = h.settle(T0 + 3, closed);
    // with nothing left to answer from, it answers the hold it was given
    expect(late).toEqual({ kind: 'settled', hold: closed, applied: false });
    expect(h.lastEvents).toEqual([]);
    expect(h.state).toEqual(before);
    // the seat now belongs to h2 and stays held
    expect(seatMap(h)).toBe('HAAAAA');
    expect(h2.seats).toEqual(['A-1']);
  });

  it('settledLongAgo only affects the holds it names', () => {
    const h = ga();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    const h2 = h.hold(T0, { holdId: 'h2', customerId: 'c1', quantity: 3 });
    h.settledLongAgo.add('h1');
    h.settledLongAgo.add('someone-else');
    const [a, b, c] = h.batch(
      T0 + 1,
      { type: 'settle', hold: release(h1, T0 + 1) },
      { type: 'settle', hold: purchase(h2, T0 + 1) },
      { type: 'placeHold', holdId: 'h3', customerId: 'c1', quantity: 1 },
    );
    expect(settled(value(a)).applied).toBe(false);
    expect(settled(value(b)).applied).toBe(true);
    expect(value(c).kind).toBe('hold');
    expect(h.state).toMatchObject({ held: 3, sold: 3 });
  });

  it('a closing still in the outbox answers before settledLongAgo (with the version it was applied at)', () => {
    const h = ga();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    const closed = purchase(h1, T0 + 1);
    h.settle(T0 + 1, closed);
    h.settledLongAgo.add('h1');
    expect(h.settle(T0 + 2, closed)).toEqual({
      kind: 'settled',
      hold: { ...closed, version: 2 },
      applied: false,
    });
  });

  it('a retried batch starts afresh: the same batch run twice on the same state applies both times', () => {
    const h = ga();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    const closed = purchase(h1, T0 + 1);
    const base = h.state;
    const commands: SectionCommand[] = [{ type: 'settle', hold: closed }];
    const attempt1 = runBatch(h.rules, h.context(T0 + 1), base, commands);
    const attempt2 = runBatch(h.rules, h.context(T0 + 1), base, commands);
    expect(settled(value(attempt1.outcomes[0])).applied).toBe(true);
    expect(settled(value(attempt2.outcomes[0])).applied).toBe(true);
    expect(attempt2.state).toEqual(attempt1.state);
    expect(base).toMatchObject({ held: 2, sold: 0, version: 1 });
  });

  it('what one draft applied is not seen by decide on another draft', () => {
    const h = ga();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    const closed = release(h1, T0 + 1);
    const a = structuredClone(h.state);
    const b = structuredClone(h.state);
    const ctx = h.context(T0 + 1);
    for (const e of h.rules.decide(a, { type: 'settle', hold: closed }, ctx).events) h.rules.evolve(a, e);
    expect(settled(h.rules.decide(a, { type: 'settle', hold: closed }, ctx).result).applied).toBe(false);
    expect(settled(h.rules.decide(b, { type: 'settle', hold: closed }, ctx).result).applied).toBe(true);
  });

  it('refuses a hold of another section with HOLD_NOT_FOUND and changes nothing', () => {
    const a = ga();
    const b = vip();
    const h1 = b.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1'] });
    a.hold(T0, { holdId: 'h2', customerId: 'c1', quantity: 2 });
    const before = structuredClone(a.state);
    for (const closed of [purchase(h1, T0 + 1), release(h1, T0 + 1), expire(h1)]) {
      const err = thrown(() => a.run(T0 + 1, { type: 'settle', hold: closed }));
      expect(err).toBeInstanceOf(NotFoundError);
      expect(err.code).toBe('HOLD_NOT_FOUND');
      expect(err.status).toBe(404);
    }
    expect(a.state).toEqual(before);
  });

  it('refuses a hold of the same section id in another event with HOLD_NOT_FOUND', () => {
    const other = buildEventRecord(
      { name: 'other', startsAt: '2026-01-01T00:00:00Z', sections: [{ id: 'ga', capacity: 10 }] },
      'other-event',
      T0,
    );
    const there = new SectionHarness(other, 'ga');
    const h1 = there.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    const here = ga();
    here.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    expect(thrown(() => here.settle(T0 + 1, purchase(h1, T0 + 1))).code).toBe('HOLD_NOT_FOUND');
    expect(here.state).toMatchObject({ held: 2, sold: 0, version: 1 });
  });

  it('refuses a hold that is still HELD (nothing to settle) and changes nothing', () => {
    const h = ga();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    const [outcome] = h.batch(T0 + 1, { type: 'settle', hold: h1 });
    expect(outcome!.ok).toBe(false);
    expect(h.lastEvents).toEqual([]);
    expect(h.state).toMatchObject({ held: 2, sold: 0, version: 1 });
  });
});

describe('expiry belongs to the holds now', () => {
  it('due is always empty and nextDeadline always null, before and long after expiresAt', () => {
    const h = vip();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1'] });
    h.hold(T0 + 1, { holdId: 'h2', customerId: 'c1', quantity: 2 });
    for (const now of [T0, T0 + TTL - 1, T0 + TTL, T0 + 100 * TTL]) {
      expect(h.rules.due(h.state, now)).toEqual([]);
      expect(h.rules.nextDeadline(h.state)).toBeNull();
    }
    expect(h.state.nextDeadline).toBeNull();
  });

  it('a batch past expiresAt does not free the seats: only the EXPIRED settle does', () => {
    const h = vip();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1', 'A-3'] });
    expect(seatMap(h)).toBe('HAHAAA');
    h.batch(T0 + TTL + 1, { type: 'touch' });
    expect(h.lastEvents).toEqual([]);
    expect(h.state).toMatchObject({ held: 2, version: 1, seatStates: 'HAHAAA' });
    const err = thrown(() =>
      h.run(T0 + TTL + 2, { type: 'placeHold', holdId: 'h2', customerId: 'c2', seats: ['A-3'] }),
    );
    expect(err.code).toBe('SEAT_UNAVAILABLE');
    h.settle(T0 + TTL + 3, expire(h1));
    expect(seatMap(h)).toBe('AAAAAA');
    expect(h.hold(T0 + TTL + 4, { holdId: 'h2', customerId: 'c2', seats: ['A-3'] }).seats).toEqual(['A-3']);
  });

  it('a full GA section stays full past expiresAt until the expiries are settled', () => {
    const h = ga();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 4 });
    h.hold(T0, { holdId: 'h2', customerId: 'c1', quantity: 4 });
    h.hold(T0, { holdId: 'h3', customerId: 'c1', quantity: 2 });
    const err = thrown(() =>
      h.run(T0 + 2 * TTL, { type: 'placeHold', holdId: 'h4', customerId: 'c', quantity: 1 }),
    );
    expect(err.details).toEqual({ available: 0 });
    h.settle(T0 + 2 * TTL, expire(h1));
    expect(available(h.state)).toBe(4);
  });

  it('a purchased hold stays sold forever', () => {
    const h = vip();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1'] });
    h.settle(T0 + 1, purchase(h1, T0 + 1));
    h.batch(T0 + 10 * TTL, { type: 'touch' });
    expect(h.state).toMatchObject({ held: 0, sold: 1, seatStates: 'SAAAAA' });
  });
});

describe('touch', () => {
  it('answers none and changes nothing', () => {
    const h = ga();
    const [outcome] = h.batch(T0, { type: 'touch' });
    expect(value(outcome)).toEqual({ kind: 'none' });
    expect(h.lastEvents).toEqual([]);
    expect(h.state.version).toBe(0);
    expect(h.state.outbox).toEqual([]);
  });

  it('lets the batch trim the outbox to the pump mark without a version bump', () => {
    const h = ga();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 1 });
    h.hold(T0 + 10, { holdId: 'h2', customerId: 'c1', quantity: 1 });
    h.hold(T0 + 20, { holdId: 'h3', customerId: 'c1', quantity: 1 });
    h.pumpedUpTo = 2;
    h.batch(T0 + 30, { type: 'touch' });
    expect(h.state.version).toBe(3);
    expect(h.state.outbox.map((e) => e.version)).toEqual([3]);
    expect(h.state.outboxSince).toBe(T0 + 20);
    h.pumpedUpTo = 3;
    h.batch(T0 + 40, { type: 'touch' });
    expect(h.state.outbox).toEqual([]);
    expect(h.state.outboxSince).toBeNull();
  });
});

describe('placedHoldInOutbox / closedHoldInOutbox', () => {
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
  const snap = {} as SectionSnapshot;

  function stateWithOutbox(): SectionAggregate {
    const state = newSection('e', { id: 's', kind: 'GA', capacity: 5 });
    state.outbox = [
      { version: 1, at: T0, snapshot: snap, events: [{ type: 'HoldPlaced', hold: base }] },
      {
        version: 2,
        at: T0,
        snapshot: snap,
        events: [{ type: 'HoldReleased', hold: { ...base, status: 'RELEASED', version: 2 } }],
      },
      {
        version: 3,
        at: T0,
        snapshot: snap,
        events: [
          { type: 'HoldPlaced', hold: { ...base, holdId: 'h2', version: 3 } },
          {
            type: 'HoldPurchased',
            hold: { ...base, holdId: 'h2', status: 'PURCHASED', orderId: 'o', version: 3 },
          },
          { type: 'HoldPlaced', hold: { ...base, holdId: 'h3', version: 3 } },
          { type: 'HoldExpired', hold: { ...base, holdId: 'h4', status: 'EXPIRED', version: 3 } },
        ],
      },
    ];
    return state;
  }

  it('closedHoldInOutbox finds closing events only', () => {
    const state = stateWithOutbox();
    expect(closedHoldInOutbox(state, 'h1')).toMatchObject({ status: 'RELEASED', version: 2 });
    expect(closedHoldInOutbox(state, 'h2')).toMatchObject({ status: 'PURCHASED', orderId: 'o' });
    expect(closedHoldInOutbox(state, 'h4')).toMatchObject({ status: 'EXPIRED' });
    expect(closedHoldInOutbox(state, 'h3')).toBeUndefined();
    expect(closedHoldInOutbox(state, 'nope')).toBeUndefined();
    state.outbox = [state.outbox[0]!];
    expect(closedHoldInOutbox(state, 'h1')).toBeUndefined();
  });

  it('closedHoldInOutbox prefers the newest entry', () => {
    const state = stateWithOutbox();
    state.outbox.push({
      version: 4,
      at: T0,
      snapshot: snap,
      events: [{ type: 'HoldExpired', hold: { ...base, status: 'EXPIRED', version: 4 } }],
    });
    expect(closedHoldInOutbox(state, 'h1')).toMatchObject({ status: 'EXPIRED', version: 4 });
  });

  it('placedHoldInOutbox finds HoldPlaced events only, as placed', () => {
    const state = stateWithOutbox();
    expect(placedHoldInOutbox(state, 'h1')).toEqual(base);
    expect(placedHoldInOutbox(state, 'h3')).toMatchObject({ holdId: 'h3', status: 'HELD', version: 3 });
    expect(placedHoldInOutbox(state, 'h4')).toBeUndefined();
    expect(placedHoldInOutbox(state, 'nope')).toBeUndefined();
    state.outbox = state.outbox.slice(1);
    expect(placedHoldInOutbox(state, 'h1')).toBeUndefined();
  });

  it('both see what a real batch wrote, until the pump mark trims it', () => {
    const h = vip();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', seats: ['A-1'] });
    expect(placedHoldInOutbox(h.state, 'h1')).toEqual(h1);
    expect(closedHoldInOutbox(h.state, 'h1')).toBeUndefined();
    const result = h.settle(T0 + 1, purchase(h1, T0 + 1));
    expect(closedHoldInOutbox(h.state, 'h1')).toEqual(result.hold);
    expect(placedHoldInOutbox(h.state, 'h1')).toEqual(h1);
    h.pumpedUpTo = 1;
    h.batch(T0 + 2, { type: 'touch' });
    expect(placedHoldInOutbox(h.state, 'h1')).toBeUndefined();
    expect(closedHoldInOutbox(h.state, 'h1')).toEqual(result.hold);
    h.pumpedUpTo = 2;
    h.batch(T0 + 3, { type: 'touch' });
    expect(closedHoldInOutbox(h.state, 'h1')).toBeUndefined();
  });
});

describe('decide, due, snapshot and nextDeadline do not mutate', () => {
  interface Busy {
    h: SectionHarness;
    held: Hold;
    sold: Hold;
    gone: Hold;
  }

  /** A reserved section with one held hold, one sold and one released. */
  function busyVip(): Busy {
    const h = vip();
    const held = h.hold(T0, { holdId: 'held', customerId: 'c1', seats: ['A-1', 'A-2'] });
    const soldHold = h.hold(T0, { holdId: 'sold', customerId: 'c2', seats: ['A-4'] });
    const sold = purchase(soldHold, T0 + 1);
    h.settle(T0 + 1, sold);
    const goneHold = h.hold(T0 + 2, { holdId: 'gone', customerId: 'c3', seats: ['A-6'] });
    const gone = release(goneHold, T0 + 3);
    h.settle(T0 + 3, gone);
    h.settledLongAgo = new Set(['long-ago']);
    expect(h.state).toMatchObject({ held: 2, sold: 1, seatStates: 'HHASAA' });
    return { h, held, sold, gone };
  }

  const commands: Array<[string, (b: Busy) => SectionCommand]> = [
    ['placeHold seats', () => ({ type: 'placeHold', holdId: 'n1', customerId: 'c9', seats: ['A-3', 'A-5'] })],
    ['placeHold quantity 2', () => ({ type: 'placeHold', holdId: 'n2', customerId: 'c9', quantity: 2 })],
    [
      'placeHold quantity 4 (too many)',
      () => ({ type: 'placeHold', holdId: 'n3', customerId: 'c9', quantity: 4 }),
    ],
    ['placeHold taken seat', () => ({ type: 'placeHold', holdId: 'n4', customerId: 'c9', seats: ['A-1'] })],
    [
      'placeHold unknown seat',
      () => ({ type: 'placeHold', holdId: 'n5', customerId: 'c9', seats: ['nope'] }),
    ],
    [
      'placeHold duplicate seat',
      () => ({ type: 'placeHold', holdId: 'n6', customerId: 'c9', seats: ['A-3', 'A-3'] }),
    ],
    ['placeHold zero', () => ({ type: 'placeHold', holdId: 'n7', customerId: 'c9', quantity: 0 })],
    ['placeHold neither', () => ({ type: 'placeHold', holdId: 'n8', customerId: 'c9' })],
    ['settle PURCHASED', (b) => ({ type: 'settle', hold: purchase(b.held, T0 + 10) })],
    ['settle RELEASED', (b) => ({ type: 'settle', hold: release(b.held, T0 + 10) })],
    ['settle EXPIRED', (b) => ({ type: 'settle', hold: expire(b.held) })],
    ['settle duplicate in outbox', (b) => ({ type: 'settle', hold: b.sold })],
    ['settle duplicate released', (b) => ({ type: 'settle', hold: b.gone })],
    [
      'settle settledLongAgo',
      (b) => ({ type: 'settle', hold: { ...release(b.held, T0 + 10), holdId: 'long-ago' } }),
    ],
    [
      'settle other section',
      (b) => ({ type: 'settle', hold: { ...release(b.held, T0 + 10), sectionId: 'ga' } }),
    ],
    ['touch', () => ({ type: 'touch' })],
  ];

  it.each(commands)('decide(%s) leaves a frozen state (and command) as they were', (_l, make) => {
    const b = busyVip();
    const command = deepFreeze(make(b));
    const commandBefore = structuredClone(command);
    const before = structuredClone(b.h.state);
    const frozen = deepFreeze(b.h.state);
    let outcome: Outcome;
    try {
      outcome = { ok: true, value: b.h.rules.decide(frozen, command, b.h.context(T0 + 10)).result };
    } catch (error) {
      outcome = { ok: false, error };
    }
    // A TypeError would mean decide tried to write to the frozen state.
    if (!outcome.ok) expect(outcome.error).toBeInstanceOf(SpacegridError);
    expect(frozen).toEqual(before);
    expect(command).toEqual(commandBefore);
  });

  it('decide on a frozen GA section', () => {
    const h = ga();
    const h1 = h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 3 });
    const before = structuredClone(h.state);
    const frozen = deepFreeze(h.state);
    const ctx = h.context(T0 + 1);
    expect(
      h.rules.decide(frozen, { type: 'placeHold', holdId: 'h2', customerId: 'c', quantity: 2 }, ctx).events,
    ).toHaveLength(1);
    expect(h.rules.decide(frozen, { type: 'settle', hold: purchase(h1, T0 + 1) }, ctx).events).toHaveLength(
      1,
    );
    expect(h.rules.decide(frozen, { type: 'settle', hold: release(h1, T0 + 1) }, ctx).events).toHaveLength(1);
    expect(
      thrown(() =>
        h.rules.decide(frozen, { type: 'placeHold', holdId: 'h3', customerId: 'c', quantity: 5 }, ctx),
      ).code,
    ).toBe('VALIDATION_FAILED');
    expect(frozen).toEqual(before);
  });

  it('the events of decide do not alias the state (evolving a copy leaves the original alone)', () => {
    const b = busyVip();
    const frozen = deepFreeze(b.h.state);
    const decision = b.h.rules.decide(
      frozen,
      { type: 'settle', hold: purchase(b.held, T0 + 10) },
      b.h.context(T0 + 10),
    );
    const draft = structuredClone(frozen);
    for (const e of decision.events) b.h.rules.evolve(draft, e);
    expect(draft.sold).toBe(frozen.sold + 2);
    expect(draft.seatStates).toBe('SSASAA');
    expect(frozen.seatStates).toBe('HHASAA');
  });

  it('deciding twice on a frozen state without evolving gives the same answer', () => {
    const b = busyVip();
    const frozen = deepFreeze(b.h.state);
    const cmd: SectionCommand = { type: 'settle', hold: release(b.held, T0 + 10) };
    const one = b.h.rules.decide(frozen, cmd, b.h.context(T0 + 10));
    const two = b.h.rules.decide(frozen, cmd, b.h.context(T0 + 10));
    expect(two).toEqual(one);
    expect(settled(two.result).applied).toBe(true);
  });

  it('due, snapshot and nextDeadline leave a frozen state as it was', () => {
    const b = busyVip();
    const before = structuredClone(b.h.state);
    const frozen = deepFreeze(b.h.state);
    expect(b.h.rules.due(frozen, T0 + TTL)).toEqual([]);
    expect(b.h.rules.snapshot(frozen).version).toBe(before.version);
    expect(b.h.rules.nextDeadline(frozen)).toBeNull();
    expect(frozen).toEqual(before);
  });
});

describe('snapshot', () => {
  it('reports the reportable state at the current version', () => {
    const h = vip();
    h.hold(T0, { holdId: 'h1', customerId: 'c1', quantity: 2 });
    const h2 = h.hold(T0, { holdId: 'h2', customerId: 'c1', quantity: 1 });
    h.settle(T0, purchase(h2, T0));
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

  it('is a copy, not the state itself, and carries no seat map', () => {
    const h = vip();
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

// ---------------------------------------------------------------------------------------------
// Property-style test: seeded random sequences against an independent, simple model.
// ---------------------------------------------------------------------------------------------

/** What the section should have done with one hold: still holding its seats, sold them, or freed them. */
type SectionSide = 'HELD' | 'SOLD' | 'FREED';

interface ModelHold {
  id: string;
  quantity: number;
  seats: string[] | null;
  side: SectionSide;
  /** Version of the batch whose outbox entry holds the applied closing. */
  closedVersion?: number;
}

/** The section as the API describes it, written out as plainly as possible. */
class Model {
  readonly holds = new Map<string, ModelHold>();
  /** seat -> id of the hold whose seats the section still holds or sold */
  readonly owner = new Map<string, string>();
  /** The pump mark the section has trimmed to. */
  trimmedUpTo = 0;

  constructor(
    readonly capacity: number,
    readonly seatIds: readonly string[] | null,
    readonly max: number,
  ) {}

  held(): number {
    let n = 0;
    for (const h of this.holds.values()) if (h.side === 'HELD') n += h.quantity;
    return n;
  }

  sold(): number {
    let n = 0;
    for (const h of this.holds.values()) if (h.side === 'SOLD') n += h.quantity;
    return n;
  }

  seatStates(): string {
    return (this.seatIds ?? [])
      .map((seat) => {
        const owner = this.owner.get(seat);
        if (owner === undefined) return 'A';
        return this.holds.get(owner)!.side === 'SOLD' ? 'S' : 'H';
      })
      .join('');
  }

  private bestAvailable(quantity: number): string[] | null {
    const seats = this.seatIds!;
    for (let start = 0; start + quantity <= seats.length; start += 1) {
      const window = seats.slice(start, start + quantity);
      if (window.every((s) => !this.owner.has(s))) return window;
    }
    const free = seats.filter((s) => !this.owner.has(s));
    return free.length >= quantity ? free.slice(0, quantity) : null;
  }

  /** The expected answer to a placeHold; records the hold if it is placed. */
  place(
    command: PlaceHold,
  ): { error: string; details?: unknown } | { seats: string[] | null; quantity: number } {
    const { quantity, seats } = command;
    if ((quantity === undefined) === (seats === undefined)) return { error: 'VALIDATION_FAILED' };
    const n = quantity ?? seats!.length;
    if (n < 1 || n > this.max) return { error: 'VALIDATION_FAILED', details: { maxSeatsPerHold: this.max } };
    let picked: string[] | null = null;
    if (seats) {
      if (!this.seatIds) return { error: 'VALIDATION_FAILED' };
      if (new Set(seats).size !== seats.length) return { error: 'VALIDATION_FAILED' };
      const unknown = seats.filter((s) => !this.seatIds!.includes(s));
      if (unknown.length > 0) return { error: 'VALIDATION_FAILED', details: { seats: unknown } };
      const taken = seats.filter((s) => this.owner.has(s));
      if (taken.length > 0) return { error: 'SEAT_UNAVAILABLE', details: { seats: taken } };
      picked = seats;
    } else {
      const free = this.capacity - this.held() - this.sold();
      if (n > free) return { error: 'NOT_ENOUGH_SEATS', details: { available: free } };
      if (this.seatIds) {
        picked = this.bestAvailable(n);
        if (!picked) return { error: 'NOT_ENOUGH_SEATS', details: { available: free } };
      }
    }
    this.holds.set(command.holdId, { id: command.holdId, quantity: n, seats: picked, side: 'HELD' });
    for (const s of picked ?? []) {
      // no seat in two holds: a seat handed out must not belong to any live or sold hold
      expect(
        this.owner.has(s),
        `seat ${s} given to ${command.holdId} while owned by ${this.owner.get(s)}`,
      ).toBe(false);
      this.owner.set(s, command.holdId);
    }
    return { seats: picked, quantity: n };
  }

  /** The expected answer to a settle: whether it applies, and why not. */
  settle(
    hold: Hold,
    version: number,
    settledLongAgo: ReadonlySet<string>,
  ): 'applied' | 'in-batch' | 'in-outbox' | 'long-ago' {
    const h = this.holds.get(hold.holdId)!;
    if (h.side !== 'HELD') {
      if (h.closedVersion === version) return 'in-batch';
      if (h.closedVersion! > this.trimmedUpTo) return 'in-outbox';
      expect(settledLongAgo.has(h.id), `late duplicate settle of ${h.id} without settledLongAgo`).toBe(true);
      return 'long-ago';
    }
    h.side = hold.status === 'PURCHASED' ? 'SOLD' : 'FREED';
    h.closedVersion = version;
    if (h.side === 'FREED') for (const s of h.seats ?? []) this.owner.delete(s);
    return 'applied';
  }
}

/** What decideHoldAction should answer, from the API alone. */
function expectedAction(entry: HoldEntry, action: HoldAction, now: number): string {
  const overdue = now >= Date.parse(entry.expiresAt);
  switch (entry.status) {
    case 'HELD':
      if (overdue) return 'EXPIRED';
      return action.type === 'purchase' ? 'PURCHASED' : action.type === 'release' ? 'RELEASED' : 'unchanged';
    case 'PURCHASED':
      return action.type === 'release' ? 'HOLD_NOT_ACTIVE' : 'unchanged';
    case 'RELEASED':
      return action.type === 'purchase' ? 'HOLD_NOT_ACTIVE' : 'unchanged';
    case 'EXPIRED':
      return action.type === 'purchase' ? 'HOLD_EXPIRED' : 'unchanged';
  }
}

function runRandom(sectionId: 'rga' | 'rres', seed: number, batches: number): Map<string, number> {
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
  const ttl = 10_000;
  const h = new SectionHarness(event, sectionId);
  const reserved = sectionId === 'rres';
  const model = new Model(h.state.capacity, reserved ? seatIds : null, 5);
  const rnd = createRandom(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const seen = new Map<string, number>();
  const count = (what: string): void => void seen.set(what, (seen.get(what) ?? 0) + 1);

  /** The holds map: the authority for each hold's own status (filed after the placing batch commits). */
  const entries = new Map<string, HoldEntry>();
  /** Settles won in the holds map but not yet sent to the section (the unit died in between). */
  let deferred: Hold[] = [];
  let now = T0;
  let nextId = 0;

  /** A purchase, release or expiry as the service runs it: decide, compare-and-set, settle, decide again. */
  const act = (id: string, action: HoldAction): Hold[] => {
    const settles: Hold[] = [];
    for (let round = 0; round < 3; round += 1) {
      const entry = entries.get(id)!;
      const expected = expectedAction(entry, action, now);
      let got: string;
      try {
        const decision = decideHoldAction(entry, action, now);
        if (decision.kind === 'transition') {
          entries.set(id, decision.next); // the compare-and-set
          settles.push(holdOf(decision.next));
          got = decision.next.status;
        } else {
          got = 'unchanged';
          // a closing won earlier but not yet seen by the pump is settled again by whoever sees it
          if (entry.pendingSince !== null) settles.push(holdOf(entry));
        }
      } catch (error) {
        if (!(error instanceof SpacegridError)) throw error;
        got = error.code;
      }
      expect(got, `${action.type} of ${id} (${entry.status}) at ${now - Date.parse(entry.expiresAt)}`).toBe(
        expected,
      );
      count(`action:${got}`);
      // an expiry on the way to a purchase or release: the caller decides again
      if (got === 'EXPIRED' && action.type !== 'expire') continue;
      break;
    }
    return settles;
  };

  /** One batch through the rules, every answer checked against the model, then the invariants. */
  const execute = (label: string, commands: SectionCommand[]): void => {
    // the adapter's settledLongAgo: closed entries the pump has filed (nothing pending)
    const settledLongAgo = new Set(
      [...entries.values()]
        .filter((e) => e.status !== 'HELD' && e.pendingSince === null)
        .map((e) => e.holdId),
    );
    h.settledLongAgo = settledLongAgo;
    const versionBefore = h.state.version;
    const outcomes = h.batch(now, ...commands);
    if (h.pumpedUpTo !== undefined) model.trimmedUpTo = Math.max(model.trimmedUpTo, h.pumpedUpTo);
    const version = versionBefore + 1;

    let expectedEvents = 0;
    commands.forEach((command, i) => {
      const outcome = outcomes[i]!;
      const where = `${label} command ${i} ${JSON.stringify(command)} at ${now}`;
      if (command.type === 'touch') {
        expect(value(outcome), where).toEqual({ kind: 'none' });
        return;
      }
      if (command.type === 'placeHold') {
        const expected = model.place(command);
        if ('error' in expected) {
          const err = refusal(outcome);
          expect(err.code, where).toBe(expected.error);
          if (expected.details !== undefined) expect(err.details, where).toEqual(expected.details);
          count(expected.error);
          return;
        }
        const hold = placed(value(outcome));
        expect(hold, where).toMatchObject({
          holdId: command.holdId,
          quantity: expected.quantity,
          status: 'HELD',
          version,
          createdAt: iso(now),
          expiresAt: iso(now + ttl),
        });
        expect(hold.seats ?? null, where).toEqual(expected.seats);
        expectedEvents += 1;
        count('placed');
        return;
      }
      // settle
      if (command.hold.sectionId !== sectionId) {
        expect(refusal(outcome).code, where).toBe('HOLD_NOT_FOUND');
        count('HOLD_NOT_FOUND');
        return;
      }
      const result = settled(value(outcome));
      const why = model.settle(command.hold, version, settledLongAgo);
      count(`settle:${why}`);
      expect(result.applied, where).toBe(why === 'applied');
      expect(result.hold.holdId, where).toBe(command.hold.holdId);
      if (why === 'applied') {
        expect(result.hold, where).toEqual({ ...command.hold, version });
        expectedEvents += 1;
      } else {
        // it answers the closing that was applied (the only one a hold can have)
        expect(result.hold.status, where).toBe(entries.get(command.hold.holdId)!.status);
        if (why !== 'long-ago')
          expect(result.hold.version, where).toBe(model.holds.get(command.hold.holdId)!.closedVersion);
      }
    });

    // the batch committed: its new holds get their entries (the unit's afterCommit)
    for (const e of h.lastEvents)
      if (e.type === 'HoldPlaced') entries.set(e.hold.holdId, holdEntryOf(e.hold));

    // --- invariants after every batch ---
    const s = h.state;
    expect(h.lastEvents, `events of ${label}`).toHaveLength(expectedEvents);
    expect(s.version).toBe(expectedEvents > 0 ? versionBefore + 1 : versionBefore);
    expect(s.held).toBeGreaterThanOrEqual(0);
    expect(s.sold).toBeGreaterThanOrEqual(0);
    expect(s.held + s.sold, `capacity after ${label}`).toBeLessThanOrEqual(s.capacity);
    expect(s.held, `held after ${label}`).toBe(model.held());
    expect(s.sold, `sold after ${label}`).toBe(model.sold());
    expect(s.nextDeadline).toBeNull();
    if (reserved) {
      expect(s.seatStates, `seat map after ${label}`).toBe(model.seatStates());
      expect([...s.seatStates!].filter((c) => c === 'H')).toHaveLength(s.held);
      expect([...s.seatStates!].filter((c) => c === 'S')).toHaveLength(s.sold);
      // no seat in two holds that the section still holds or sold
      const owned = [...model.holds.values()].filter((x) => x.side !== 'FREED').flatMap((x) => x.seats ?? []);
      expect(new Set(owned).size).toBe(owned.length);
    } else {
      expect(s.seatStates).toBeUndefined();
    }
    // the holds map and the section agree on every hold, except those whose settle is deferred
    const waiting = new Set(deferred.map((x) => x.holdId));
    for (const [id, m] of model.holds) {
      const status = entries.get(id)!.status;
      const side: SectionSide = status === 'HELD' ? 'HELD' : status === 'PURCHASED' ? 'SOLD' : 'FREED';
      if (m.side !== side) {
        expect(waiting.has(id), `hold ${id}: entry ${status}, section ${m.side}`).toBe(true);
        expect(m.side).toBe('HELD');
      }
    }
    if (expectedEvents > 0) expect(s.outbox.at(-1)!.snapshot).toEqual(h.rules.snapshot(s));
  };

  for (let b = 0; b < batches; b += 1) {
    // time moves: sometimes not at all, sometimes exactly onto (or just before) a hold's expiresAt
    const t = rnd();
    const live = [...entries.values()].filter((e) => e.status === 'HELD').map((e) => Date.parse(e.expiresAt));
    if (t < 0.15 && live.length > 0) now = Math.max(now, pick(live));
    else if (t < 0.25 && live.length > 0) now = Math.max(now, pick(live) - 1);
    else if (t < 0.4) now += 0;
    else if (t < 0.97) now += int(1500);
    else now += 5 * ttl;

    // --- what happens before this batch: new holds, closings won in the holds map, settles ---
    const ids = [...entries.keys()].slice(-60);
    const commands: SectionCommand[] = [];
    // now and then the expiry sweeper expires every overdue hold
    if (rnd() < 0.2) {
      for (const [id, entry] of entries) {
        if (entry.status !== 'HELD' || (entry.deadline ?? Infinity) > now) continue;
        for (const hold of act(id, { type: 'expire' })) {
          if (rnd() < 0.2) deferred.push(hold);
          else commands.push({ type: 'settle', hold });
        }
      }
    }
    const n = 1 + int(6);
    for (let i = 0; i < n; i += 1) {
      const r = rnd();
      if (r < 0.4 || ids.length === 0) {
        const holdId = `h${(nextId += 1)}`;
        const customerId = `c${int(7)}`;
        const shape = rnd();
        if (shape < 0.03) commands.push({ type: 'placeHold', holdId, customerId });
        else if (shape < 0.06)
          commands.push({ type: 'placeHold', holdId, customerId, quantity: 1, seats: [pick(seatIds)] });
        else if (reserved && shape < 0.55) {
          const k = int(7); // 0..6, max is 5
          const seats = Array.from({ length: k }, () => (rnd() < 0.03 ? 'X-99' : pick(seatIds)));
          commands.push({ type: 'placeHold', holdId, customerId, seats });
        } else if (!reserved && shape < 0.08) {
          commands.push({ type: 'placeHold', holdId, customerId, seats: [pick(seatIds)] });
        } else commands.push({ type: 'placeHold', holdId, customerId, quantity: int(7) });
      } else if (r < 0.75) {
        const a = rnd();
        const action: HoldAction =
          a < 0.4
            ? { type: 'purchase', orderId: `o${(nextId += 1)}` }
            : a < 0.75
              ? { type: 'release' }
              : { type: 'expire' };
        // mostly live holds, sometimes any recent one (closed ones answer from their entries)
        const liveIds = ids.filter((id) => entries.get(id)!.status === 'HELD');
        const target = liveIds.length > 0 && rnd() < 0.7 ? pick(liveIds) : pick(ids);
        for (const hold of act(target, action)) {
          if (rnd() < 0.2) deferred.push(hold);
          else commands.push({ type: 'settle', hold });
        }
      } else if (r < 0.88) {
        // a duplicate settle of a closed hold: a retry, the pending sweeper, a replayed request
        const closed = ids.map((id) => entries.get(id)!).filter((e) => e.status !== 'HELD');
        if (closed.length > 0) {
          const hold = holdOf(pick(closed));
          commands.push({ type: 'settle', hold });
          if (rnd() < 0.3) commands.push({ type: 'settle', hold });
        }
      } else if (r < 0.92) {
        // a hold from another section
        const hold = holdOf(entries.get(pick(ids))!);
        commands.push({
          type: 'settle',
          hold: { ...hold, sectionId: reserved ? 'rga' : 'rres', status: 'RELEASED' },
        });
      } else if (r < 0.97 && deferred.length > 0) {
        // the pending sweeper settles what a dead unit left behind
        commands.push(...deferred.map((hold) => ({ type: 'settle' as const, hold })));
        deferred = [];
      } else {
        commands.push({ type: 'touch' });
      }
    }

    execute(`batch ${b}`, commands);

    // now and then the pump runs: it files the closings it sees (nothing pending any more), and
    // later the mark rises and the next batch trims the outbox
    if (rnd() < 0.25) {
      for (const entry of h.state.outbox) {
        for (const e of entry.events) {
          if (e.type === 'HoldPurchased' || e.type === 'HoldReleased' || e.type === 'HoldExpired') {
            entries.set(e.hold.holdId, holdEntryOf(e.hold));
          }
        }
      }
      if (rnd() < 0.6) h.pumpedUpTo = Math.max(h.pumpedUpTo ?? 0, h.state.version - int(3));
    }
  }

  // --- in the end everything settles: deferred settles go through and every live hold expires ---
  now += 10 * ttl;
  const finals: SectionCommand[] = deferred.map((hold) => ({ type: 'settle', hold }));
  deferred = [];
  for (const [id, entry] of entries) {
    if (entry.status === 'HELD')
      for (const hold of act(id, { type: 'expire' })) finals.push({ type: 'settle', hold });
  }
  finals.push({ type: 'touch' });
  execute('final batch', finals);
  expect(h.state.held).toBe(0);
  const purchased = [...entries.values()].filter((e) => e.status === 'PURCHASED');
  expect(h.state.sold).toBe(purchased.reduce((n, e) => n + e.quantity, 0));
  if (reserved) {
    expect([...h.state.seatStates!].every((c) => c !== 'H')).toBe(true);
    const soldSeats = purchased.flatMap((e) => e.seats ?? []).sort();
    expect(seatIds.filter((_, i) => h.state.seatStates![i] === 'S').sort()).toEqual(soldSeats);
  }
  return seen;
}

describe('property: random sequences of holds, closings, settles and time jumps against a simple model', () => {
  const mustSee = [
    'placed',
    'NOT_ENOUGH_SEATS',
    'VALIDATION_FAILED',
    'HOLD_NOT_FOUND',
    'action:PURCHASED',
    'action:RELEASED',
    'action:EXPIRED',
    'action:unchanged',
    'action:HOLD_NOT_ACTIVE',
    'action:HOLD_EXPIRED',
    'settle:applied',
    'settle:in-batch',
    'settle:in-outbox',
    'settle:long-ago',
  ];

  /** Many short lives of a small section: a long one just sells out and then refuses everything. */
  function episodes(sectionId: 'rga' | 'rres', seed: number): Map<string, number> {
    const seen = new Map<string, number>();
    for (let e = 0; e < 20; e += 1) {
      for (const [what, n] of runRandom(sectionId, seed * 1000 + e, 150))
        seen.set(what, (seen.get(what) ?? 0) + n);
    }
    return seen;
  }

  it.each([1, 2, 3])('GA section (seed %i)', { timeout: 60_000 }, (seed) => {
    const seen = episodes('rga', seed);
    for (const what of mustSee) expect(seen.get(what) ?? 0, what).toBeGreaterThanOrEqual(20);
  });

  it.each([4, 5, 6])('reserved section (seed %i)', { timeout: 60_000 }, (seed) => {
    const seen = episodes('rres', seed);
    for (const what of [...mustSee, 'SEAT_UNAVAILABLE'])
      expect(seen.get(what) ?? 0, what).toBeGreaterThanOrEqual(20);
  });
});

describe('a placement repeated (a retry under the same Idempotency-Key carries the same hold id)', () => {
  const GA2 = { holdId: 'k1', customerId: 'c-1', quantity: 2, keyed: true } as const;

  it('answers a repeat in the same batch with the same hold and places it once', () => {
    const h = ga();
    const outcomes = h.batch(T0, { type: 'placeHold', ...GA2 }, { type: 'placeHold', ...GA2 });
    const [first, second] = outcomes.map((o) => placed(value(o)));
    expect(second).toEqual(first);
    expect(h.lastEvents).toEqual([{ type: 'HoldPlaced', hold: first }]);
    expect(h.state.held).toBe(2);
  });

  it('answers a repeat in a later batch from the outbox, with no event and no new version', () => {
    const h = ga();
    const first = h.hold(T0, GA2);
    const before = structuredClone(h.state);
    const again = h.hold(T0 + 5_000, GA2);
    expect(again).toEqual(first);
    expect(h.lastEvents).toEqual([]);
    expect(h.state).toEqual(before);
  });

  it('recognises a repeat without the keyed flag too (an id is never reused by chance)', () => {
    const h = ga();
    const first = h.hold(T0, { holdId: 'r1', customerId: 'c-1', quantity: 1 });
    expect(h.hold(T0 + 1, { holdId: 'r1', customerId: 'c-1', quantity: 1 })).toEqual(first);
    expect(h.state.held).toBe(1);
  });

  it('answers from the holds map once the placement has left the outbox, with the hold as it is now', () => {
    const h = ga();
    const first = h.hold(T0, GA2);
    h.pumpedUpTo = h.state.version;
    h.run(T0 + 1, { type: 'touch' });
    expect(h.state.outbox).toEqual([]);
    const bought = purchase(first, T0 + 2);
    h.settle(T0 + 3, bought);
    h.pumpedUpTo = h.state.version;
    h.filedHolds.set(first.holdId, bought);
    const before = { held: h.state.held, sold: h.state.sold, version: h.state.version };
    expect(h.hold(T0 + 4, GA2)).toEqual(bought);
    expect(h.lastEvents).toEqual([]);
    expect({ held: h.state.held, sold: h.state.sold }).toEqual({ held: before.held, sold: before.sold });
  });

  it('places it anew when nothing knows the id (neither batch, outbox nor holds map)', () => {
    const h = ga();
    h.hold(T0, GA2);
    h.pumpedUpTo = h.state.version;
    h.run(T0 + 1, { type: 'touch' });
    // A state the system never reaches (the pump files a hold before its placement leaves the
    // outbox); shown to make clear where recognition comes from.
    h.hold(T0 + 2, GA2);
    expect(h.state.held).toBe(4);
  });

  it('answers a repeat even when the section is now full', () => {
    const h = ga();
    const first = h.hold(T0, GA2);
    h.hold(T0, { holdId: 'other', customerId: 'c-2', quantity: 4 });
    h.hold(T0, { holdId: 'other2', customerId: 'c-3', quantity: 4 });
    expect(available(h.state)).toBe(0);
    expect(h.hold(T0 + 1, GA2)).toEqual(first);
  });

  it('answers a repeat of named seats (its own seats are not "unavailable"), in any order', () => {
    const h = vip();
    const first = h.hold(T0, { holdId: 'k2', customerId: 'c-1', seats: ['A-2', 'A-3'], keyed: true });
    expect(h.hold(T0 + 1, { holdId: 'k2', customerId: 'c-1', seats: ['A-3', 'A-2'], keyed: true })).toEqual(
      first,
    );
    expect(seatMap(h)).toBe('AHHAAA');
    expect(h.lastEvents).toEqual([]);
  });

  it('answers a repeat of a best-available quantity in a reserved section', () => {
    const h = vip();
    const first = h.hold(T0, { holdId: 'k3', customerId: 'c-1', quantity: 3, keyed: true });
    expect(h.hold(T0 + 1, { holdId: 'k3', customerId: 'c-1', quantity: 3, keyed: true })).toEqual(first);
    expect(seatMap(h)).toBe('HHHAAA');
  });

  it.each([
    ['another customer', { customerId: 'c-9', quantity: 2 }],
    ['another quantity', { customerId: 'c-1', quantity: 3 }],
  ])('refuses the same id for %s with IDEMPOTENCY_KEY_REUSED (422), changing nothing', (_what, body) => {
    const h = ga();
    h.hold(T0, GA2);
    const before = structuredClone(h.state);
    const error = refusal(h.batch(T0 + 1, { type: 'placeHold', holdId: 'k1', keyed: true, ...body })[0]);
    expect(error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(error.status).toBe(422);
    expect(h.state).toEqual(before);
  });

  it.each([
    ['other seats', { seats: ['A-1', 'A-2'] }],
    ['fewer seats', { seats: ['A-2'] }],
    ['a quantity of another size instead of seats', { quantity: 3 }],
  ])('refuses the same id for %s in a reserved section', (_what, body) => {
    const h = vip();
    h.hold(T0, { holdId: 'k4', customerId: 'c-1', seats: ['A-2', 'A-3'], keyed: true });
    const error = refusal(
      h.batch(T0 + 1, { type: 'placeHold', holdId: 'k4', customerId: 'c-1', ...body })[0],
    );
    expect(error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(seatMap(h)).toBe('AHHAAA');
  });

  it('refuses a different request under an id known only to the holds map', () => {
    const h = ga();
    const first = h.hold(T0, GA2);
    h.pumpedUpTo = h.state.version;
    h.run(T0 + 1, { type: 'touch' });
    h.filedHolds.set(first.holdId, first);
    const error = refusal(h.batch(T0 + 2, { type: 'placeHold', ...GA2, quantity: 1 })[0]);
    expect(error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('recognises the repeat without mutating a frozen state', () => {
    const h = ga();
    h.hold(T0, GA2);
    const frozen = deepFreeze(structuredClone(h.state));
    const decision = h.rules.decide(frozen, { type: 'placeHold', ...GA2 }, h.context(T0 + 1));
    expect(decision.events).toEqual([]);
  });
});

describe('a large batch on a large reserved section (one seat map for the whole batch)', () => {
  const SEATS = Array.from({ length: 5000 }, (_, i) => `R${Math.floor(i / 50)}-${i % 50}`);
  const BIG = buildEventRecord(
    {
      name: 'Arena',
      startsAt: '2026-12-20T18:00:00Z',
      holdTtlSeconds: TTL_S,
      maxSeatsPerHold: 4,
      sections: [{ id: 'floor', seats: SEATS }],
    },
    'arena',
    T0 - 1000,
  );

  function expectedMap(states: Map<number, string>): string {
    return SEATS.map((_, i) => states.get(i) ?? 'A').join('');
  }

  it('1,000 holds, then settles and holds mixed, store the seat map seat by seat', () => {
    const h = new SectionHarness(BIG, 'floor');
    const first = h.batch(
      T0,
      ...Array.from({ length: 1000 }, (_, i): SectionCommand =>
        i % 2 === 0
          ? { type: 'placeHold', holdId: `q${i}`, customerId: 'c', quantity: 1 }
          : { type: 'placeHold', holdId: `s${i}`, customerId: 'c', seats: [SEATS[4999 - i]!] },
      ),
    );
    const holds = first.map((o) => placed(value(o)));
    const states = new Map<number, string>();
    holds.forEach((hold, i) => {
      // Best available takes seats 0, 1, 2...; seats by id were counted down from the end.
      expect(hold.seats).toEqual([i % 2 === 0 ? SEATS[i / 2]! : SEATS[4999 - i]!]);
      states.set(SEATS.indexOf(hold.seats![0]!), 'H');
    });
    expect(h.state.seatStates).toBe(expectedMap(states));
    expect(h.state).toMatchObject({ held: 1000, sold: 0, version: 1 });

    const second = h.batch(
      T0 + 1,
      // The first free seat, before anything is released.
      { type: 'placeHold', holdId: 'first', customerId: 'c', quantity: 1 },
      ...holds.slice(0, 600).map((hold, i): SectionCommand => ({
        type: 'settle',
        hold: i % 3 === 0 ? release(hold, T0 + 1) : purchase(hold, T0 + 1),
      })),
      // Best available sees this batch's releases: seats 0, 3, 6... are free again, none adjacent.
      { type: 'placeHold', holdId: 'one', customerId: 'c', quantity: 1 },
      { type: 'placeHold', holdId: 'two', customerId: 'c', quantity: 2 },
      // A seat sold earlier in this same batch is refused.
      { type: 'placeHold', holdId: 'late', customerId: 'c', seats: [holds[1]!.seats![0]!] },
    );
    expect(placed(value(second[0])).seats).toEqual([SEATS[500]!]);
    expect(second.slice(1, 601).every((o) => o.ok && settled(o.value).applied)).toBe(true);
    holds.slice(0, 600).forEach((hold, i) => {
      states.set(SEATS.indexOf(hold.seats![0]!), i % 3 === 0 ? 'A' : 'S');
    });
    expect(placed(value(second[601])).seats).toEqual([SEATS[0]!]);
    expect(placed(value(second[602])).seats).toEqual([SEATS[501]!, SEATS[502]!]);
    states.set(500, 'H').set(0, 'H').set(501, 'H').set(502, 'H');
    expect(refusal(second[603]).code).toBe('SEAT_UNAVAILABLE');
    expect(h.state.seatStates).toBe(expectedMap(states));
    expect(h.state).toMatchObject({ held: 1000 - 600 + 4, sold: 400, version: 2 });
    expect(JSON.parse(JSON.stringify(h.state))).toEqual(h.state);
  });
});
