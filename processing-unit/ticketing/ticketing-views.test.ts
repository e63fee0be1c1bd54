import { describe, it, expect } from 'vitest';
import type { DomainEvent } from '../../common/change-record.js';
import { holdEntryOf, holdOf } from '../../common/hold-entry.js';
import type { HoldEntry, SectionAggregate } from '../../common/ticketing-model.js';
import { buildEventRecord, seatIndexOf } from './event-catalog.js';
import { decideHoldAction, type HoldAction } from './hold-rules.js';
import type { SectionCommand } from './section-commands.js';
import { newSection, sectionRules, type SectionResult } from './section-rules.js';
import { eventView, holdView, orderView, sectionView } from './ticketing-views.js';

const T0 = Date.parse('2026-06-01T10:00:00.000Z');
const TTL = 30_000;
const SEATS = ['A-1', 'A-2', 'A-3', 'A-4', 'A-5'];

const EVENT = buildEventRecord(
  {
    name: 'Cup final',
    startsAt: '2026-12-20T18:00:00Z',
    holdTtlSeconds: TTL / 1000,
    maxSeatsPerHold: 4,
    sections: [
      { id: 'ga', capacity: 10 },
      { id: 'vip', seats: SEATS },
    ],
  },
  'final-2026',
  T0 - 1,
);

const iso = (ms: number): string => new Date(ms).toISOString();

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** The closed entry an action leads to (the holds map's compare-and-set). */
function close(entry: HoldEntry, action: HoldAction, now: number): HoldEntry {
  const decision = decideHoldAction(entry, action, now);
  if (decision.kind !== 'transition') throw new Error(`${action.type} did not transition`);
  return decision.next;
}

/** The state a section reaches after some batches, applied as the batch engine applies them. */
class Section {
  state: SectionAggregate;
  private readonly rules;
  private readonly seatIndex;

  constructor(readonly sectionId: string) {
    const spec = EVENT.sections.find((s) => s.id === sectionId)!;
    this.seatIndex = seatIndexOf(spec);
    this.rules = sectionRules(this.seatIndex);
    this.state = newSection(EVENT.id, spec);
  }

  run(now: number, command: SectionCommand): SectionResult {
    const draft = structuredClone(this.state);
    const events: DomainEvent[] = [];
    for (const e of this.rules.due(draft, now)) {
      this.rules.evolve(draft, e);
      events.push(e);
    }
    const decision = this.rules.decide(draft, command, {
      now,
      event: EVENT,
      seatIndex: this.seatIndex,
      settledLongAgo: new Set(),
      filedHolds: new Map(),
    });
    for (const e of decision.events) this.rules.evolve(draft, e);
    events.push(...decision.events);
    if (events.length > 0) {
      draft.version += 1;
      draft.outbox.push({ version: draft.version, at: now, snapshot: this.rules.snapshot(draft), events });
    }
    draft.nextDeadline = this.rules.nextDeadline(draft);
    this.state = draft;
    return decision.result;
  }

  /** Places a hold; returns its entry as the holds map files it. */
  hold(now: number, command: { holdId: string; quantity?: number; seats?: string[] }): HoldEntry {
    const result = this.run(now, { type: 'placeHold', customerId: 'c-17', ...command });
    if (result.kind !== 'hold') throw new Error('expected a hold');
    return holdEntryOf(result.hold);
  }

  /** Wins the closing in the holds map, then settles it with the section; returns the closed entry. */
  close(entry: HoldEntry, action: HoldAction, now: number): HoldEntry {
    const closed = close(entry, action, now);
    const result = this.run(now, { type: 'settle', hold: holdOf(closed) });
    if (result.kind !== 'settled' || !result.applied) throw new Error('expected a settlement');
    return closed;
  }

  purchase(entry: HoldEntry, now: number, orderId: string): HoldEntry {
    return this.close(entry, { type: 'purchase', orderId }, now);
  }
}

describe('sectionView', () => {
  it('shows a GA section with its counts and no seat map', () => {
    const s = new Section('ga');
    s.hold(T0, { holdId: 'h1', quantity: 2 });
    const h2 = s.hold(T0, { holdId: 'h2', quantity: 3 });
    s.purchase(h2, T0 + 1, 'o2');
    const view = sectionView(s.state);
    expect(view).toEqual({ id: 'ga', kind: 'GA', capacity: 10, available: 5, held: 2, sold: 3 });
    expect('seats' in view).toBe(false);
    // a seat list makes no difference to a GA section
    expect('seats' in sectionView(s.state, { seatIds: SEATS })).toBe(false);
  });

  it('shows an empty section as all available', () => {
    expect(sectionView(new Section('ga').state)).toEqual({
      id: 'ga',
      kind: 'GA',
      capacity: 10,
      available: 10,
      held: 0,
      sold: 0,
    });
    expect(sectionView(new Section('vip').state, { seatIds: SEATS }).seats).toEqual({
      'A-1': 'AVAILABLE',
      'A-2': 'AVAILABLE',
      'A-3': 'AVAILABLE',
      'A-4': 'AVAILABLE',
      'A-5': 'AVAILABLE',
    });
  });

  it('shows the counts as stored: a hold past expiresAt counts as held until its expiry is settled', () => {
    const s = new Section('ga');
    const h1 = s.hold(T0, { holdId: 'h1', quantity: 4 });
    s.hold(T0 + 1000, { holdId: 'h2', quantity: 1 });
    const stored = sectionView(s.state);
    expect(stored).toMatchObject({ held: 5, available: 5, sold: 0 });
    // the view has no clock: time passing alone changes nothing
    s.run(T0 + 10 * TTL, { type: 'touch' });
    expect(sectionView(s.state)).toEqual(stored);
    // once the expiry is settled the seats are back
    s.close(h1, { type: 'expire' }, T0 + TTL);
    expect(sectionView(s.state)).toMatchObject({ held: 1, available: 9, sold: 0 });
  });

  it('shows a reserved section with its seat map', () => {
    const s = new Section('vip');
    s.hold(T0, { holdId: 'h1', seats: ['A-2'] });
    const h2 = s.hold(T0, { holdId: 'h2', seats: ['A-4', 'A-5'] });
    s.purchase(h2, T0 + 1, 'o2');
    expect(sectionView(s.state, { seatIds: SEATS })).toEqual({
      id: 'vip',
      kind: 'RESERVED',
      capacity: 5,
      available: 2,
      held: 1,
      sold: 2,
      seats: { 'A-1': 'AVAILABLE', 'A-2': 'HELD', 'A-3': 'AVAILABLE', 'A-4': 'SOLD', 'A-5': 'SOLD' },
    });
    // without the catalog's seat ids there is no seat map
    expect('seats' in sectionView(s.state)).toBe(false);
  });

  it('shows the seats of an overdue hold as HELD until the expiry is settled, and sold seats as SOLD forever', () => {
    const s = new Section('vip');
    const h1 = s.hold(T0, { holdId: 'h1', seats: ['A-1', 'A-3'] });
    const h2 = s.hold(T0 + 10, { holdId: 'h2', seats: ['A-2'] });
    const h3 = s.hold(T0 + 20, { holdId: 'h3', seats: ['A-5'] });
    s.purchase(h3, T0 + 30, 'o3');
    const before = {
      'A-1': 'HELD',
      'A-2': 'HELD',
      'A-3': 'HELD',
      'A-4': 'AVAILABLE',
      'A-5': 'SOLD',
    };
    expect(sectionView(s.state, { seatIds: SEATS }).seats).toEqual(before);
    s.run(T0 + TTL, { type: 'touch' });
    expect(sectionView(s.state, { seatIds: SEATS }).seats).toEqual(before);

    s.close(h1, { type: 'expire' }, T0 + TTL);
    const afterOne = sectionView(s.state, { seatIds: SEATS });
    expect(afterOne.seats).toEqual({
      'A-1': 'AVAILABLE',
      'A-2': 'HELD',
      'A-3': 'AVAILABLE',
      'A-4': 'AVAILABLE',
      'A-5': 'SOLD',
    });
    expect(afterOne).toMatchObject({ held: 1, sold: 1, available: 3 });

    s.close(h2, { type: 'release' }, T0 + TTL);
    expect(sectionView(s.state, { seatIds: SEATS })).toMatchObject({
      held: 0,
      sold: 1,
      available: 4,
      seats: { 'A-1': 'AVAILABLE', 'A-2': 'AVAILABLE', 'A-5': 'SOLD' },
    });
  });

  it('the seat map and the counts agree', () => {
    const s = new Section('vip');
    s.hold(T0, { holdId: 'h1', seats: ['A-1'] });
    const h2 = s.hold(T0, { holdId: 'h2', quantity: 2 });
    s.purchase(h2, T0 + 1, 'o2');
    const view = sectionView(s.state, { seatIds: SEATS });
    const values = Object.values(view.seats!);
    expect(values.filter((v) => v === 'HELD')).toHaveLength(view.held);
    expect(values.filter((v) => v === 'SOLD')).toHaveLength(view.sold);
    expect(values.filter((v) => v === 'AVAILABLE')).toHaveLength(view.available);
    expect(view.held + view.sold + view.available).toBe(view.capacity);
  });

  it('lists the seats in the catalog order', () => {
    const s = new Section('vip');
    expect(Object.keys(sectionView(s.state, { seatIds: SEATS }).seats!)).toEqual(SEATS);
  });

  it('only reads the state', () => {
    const s = new Section('vip');
    s.hold(T0, { holdId: 'h1', seats: ['A-2'] });
    const frozen = deepFreeze(s.state);
    const before = structuredClone(frozen);
    expect(() => sectionView(frozen, { seatIds: SEATS })).not.toThrow();
    expect(frozen).toEqual(before);
  });
});

describe('holdView', () => {
  it('shows an active hold as HELD without internal fields', () => {
    const s = new Section('ga');
    const entry = s.hold(T0, { holdId: 'h1', quantity: 2 });
    const expected = {
      holdId: 'h1',
      eventId: 'final-2026',
      sectionId: 'ga',
      customerId: 'c-17',
      quantity: 2,
      status: 'HELD',
      expiresAt: iso(T0 + TTL),
    };
    // the service shows entries of the holds map: deadline and pendingSince stay inside
    expect(holdView(entry, T0 + 1)).toEqual(expected);
    expect(holdView(holdOf(entry), T0 + 1)).toEqual(expected);
  });

  it('shows a HELD hold as EXPIRED from expiresAt on, before the expiry is won or settled', () => {
    const s = new Section('vip');
    const entry = s.hold(T0, { holdId: 'h1', seats: ['A-1'] });
    expect(holdView(entry, T0).status).toBe('HELD');
    expect(holdView(entry, T0 + TTL - 1).status).toBe('HELD');
    expect(holdView(entry, T0 + TTL).status).toBe('EXPIRED');
    expect(holdView(entry, T0 + TTL + 1).status).toBe('EXPIRED');
    expect(holdView(entry, T0 + TTL).seats).toEqual(['A-1']);
    expect(holdView(entry, T0 + TTL).expiresAt).toBe(iso(T0 + TTL));
  });

  it('agrees with the hold rules on the boundary', () => {
    const entry = new Section('ga').hold(T0, { holdId: 'h1', quantity: 1 });
    for (const now of [T0 + TTL - 1, T0 + TTL]) {
      const decision = decideHoldAction(entry, { type: 'expire' }, now);
      const expiredByRules = decision.kind === 'transition' && decision.next.status === 'EXPIRED';
      expect(holdView(entry, now).status === 'EXPIRED').toBe(expiredByRules);
    }
  });

  it('shows a purchased hold as PURCHASED with its orderId, even after expiresAt', () => {
    const s = new Section('vip');
    const entry = s.hold(T0, { holdId: 'h1', seats: ['A-1', 'A-2'] });
    const purchased = s.purchase(entry, T0 + 1, 'o1');
    for (const now of [T0 + 2, T0 + TTL, T0 + 100 * TTL]) {
      expect(holdView(purchased, now)).toEqual({
        holdId: 'h1',
        eventId: 'final-2026',
        sectionId: 'vip',
        customerId: 'c-17',
        quantity: 2,
        seats: ['A-1', 'A-2'],
        status: 'PURCHASED',
        expiresAt: iso(T0 + TTL),
        orderId: 'o1',
      });
    }
  });

  it('shows released and expired holds with their final status, at any time', () => {
    const s = new Section('ga');
    const entry = s.hold(T0, { holdId: 'h1', quantity: 1 });
    const released = close(entry, { type: 'release' }, T0 + 1);
    const expired = close(entry, { type: 'expire' }, T0 + TTL);
    for (const now of [T0 + 1, T0 + TTL, T0 + 100 * TTL]) {
      expect(holdView(released, now).status).toBe('RELEASED');
      expect(holdView(expired, now).status).toBe('EXPIRED');
    }
    expect('orderId' in holdView(released, T0)).toBe(false);
    expect('seats' in holdView(entry, T0)).toBe(false);
    expect(Object.keys(holdView(released, T0)).sort()).toEqual([
      'customerId',
      'eventId',
      'expiresAt',
      'holdId',
      'quantity',
      'sectionId',
      'status',
    ]);
  });
});

describe('orderView', () => {
  it('shows a purchased hold as a CONFIRMED order', () => {
    const s = new Section('vip');
    const entry = s.hold(T0, { holdId: 'h1', seats: ['A-3'] });
    const purchased = s.purchase(entry, T0 + 1234, 'o-1');
    const expected = {
      orderId: 'o-1',
      holdId: 'h1',
      eventId: 'final-2026',
      sectionId: 'vip',
      customerId: 'c-17',
      quantity: 1,
      seats: ['A-3'],
      status: 'CONFIRMED',
      purchasedAt: iso(T0 + 1234),
    };
    expect(orderView(purchased)).toEqual(expected);
    expect(orderView(holdOf(purchased))).toEqual(expected);
  });

  it('has no seats for a GA order', () => {
    const s = new Section('ga');
    const entry = s.hold(T0, { holdId: 'h1', quantity: 3 });
    const view = orderView(s.purchase(entry, T0 + 1, 'o-1'));
    expect('seats' in view).toBe(false);
    expect(view.quantity).toBe(3);
    expect(view.status).toBe('CONFIRMED');
  });

  it('a replayed purchase shows the same order', () => {
    const s = new Section('ga');
    const entry = s.hold(T0, { holdId: 'h1', quantity: 1 });
    const purchased = s.purchase(entry, T0 + 1, 'o-1');
    expect(decideHoldAction(purchased, { type: 'purchase', orderId: 'o-2' }, T0 + 2)).toEqual({
      kind: 'unchanged',
    });
    expect(orderView(purchased)).toMatchObject({ orderId: 'o-1', purchasedAt: iso(T0 + 1) });
  });
});

describe('eventView', () => {
  it('shows the catalog entry with its section views, without createdAt', () => {
    const ga = new Section('ga');
    const vip = new Section('vip');
    ga.hold(T0, { holdId: 'h1', quantity: 2 });
    const view = eventView(EVENT, [sectionView(ga.state), sectionView(vip.state)]);
    expect(view).toEqual({
      id: 'final-2026',
      name: 'Cup final',
      startsAt: '2026-12-20T18:00:00.000Z',
      holdTtlSeconds: 30,
      maxSeatsPerHold: 4,
      sections: [
        { id: 'ga', kind: 'GA', capacity: 10, available: 8, held: 2, sold: 0 },
        { id: 'vip', kind: 'RESERVED', capacity: 5, available: 5, held: 0, sold: 0 },
      ],
    });
    expect('createdAt' in view).toBe(false);
  });

  it('shows the sections it is given, in that order', () => {
    const sections = EVENT.sections.map((spec) => sectionView(newSection(EVENT.id, spec)));
    expect(eventView(EVENT, [...sections].reverse()).sections.map((s) => s.id)).toEqual(['vip', 'ga']);
    expect(eventView(EVENT, []).sections).toEqual([]);
  });
});
