import { describe, it, expect } from 'vitest';
import type { DomainEvent } from '../../common/change-record.js';
import type { Hold, SectionAggregate } from '../../common/ticketing-model.js';
import { buildEventRecord, seatIndexOf } from './event-catalog.js';
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
    const decision = this.rules.decide(draft, command, { now, event: EVENT, seatIndex: this.seatIndex });
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

  hold(now: number, command: { holdId: string; quantity?: number; seats?: string[] }): Hold {
    const result = this.run(now, { type: 'placeHold', customerId: 'c-17', ...command });
    if (result.kind !== 'hold') throw new Error('expected a hold');
    return result.hold;
  }

  purchase(now: number, holdId: string, orderId: string): Hold {
    const result = this.run(now, { type: 'purchase', holdId, orderId });
    if (result.kind !== 'purchased') throw new Error('expected a purchase');
    return result.hold;
  }
}

describe('sectionView', () => {
  it('shows a GA section with its counts and no seat map', () => {
    const s = new Section('ga');
    s.hold(T0, { holdId: 'h1', quantity: 2 });
    s.hold(T0, { holdId: 'h2', quantity: 3 });
    s.purchase(T0 + 1, 'h2', 'o2');
    const view = sectionView(s.state, T0 + 2);
    expect(view).toEqual({ id: 'ga', kind: 'GA', capacity: 10, available: 5, held: 2, sold: 3 });
    expect('seats' in view).toBe(false);
    // a seat list makes no difference to a GA section
    expect('seats' in sectionView(s.state, T0 + 2, { seatIds: SEATS })).toBe(false);
  });

  it('counts a hold as held just before expiresAt and as available from expiresAt, before the expiry is committed', () => {
    const s = new Section('ga');
    s.hold(T0, { holdId: 'h1', quantity: 4 });
    s.hold(T0 + 1000, { holdId: 'h2', quantity: 1 });
    expect(sectionView(s.state, T0 + TTL - 1)).toMatchObject({ held: 5, available: 5 });
    expect(sectionView(s.state, T0 + TTL)).toMatchObject({ held: 1, available: 9, sold: 0 });
    expect(sectionView(s.state, T0 + TTL + 1000)).toMatchObject({ held: 0, available: 10 });
    // the state itself has not changed: the view only reads it
    expect(s.state.held).toBe(5);
    // and once the expiry is committed the view says the same
    s.run(T0 + TTL, { type: 'touch' });
    expect(s.state.held).toBe(1);
    expect(sectionView(s.state, T0 + TTL)).toMatchObject({ held: 1, available: 9 });
  });

  it('shows a reserved section with its seat map', () => {
    const s = new Section('vip');
    s.hold(T0, { holdId: 'h1', seats: ['A-2'] });
    s.hold(T0, { holdId: 'h2', seats: ['A-4', 'A-5'] });
    s.purchase(T0 + 1, 'h2', 'o2');
    expect(sectionView(s.state, T0 + 2, { seatIds: SEATS })).toEqual({
      id: 'vip',
      kind: 'RESERVED',
      capacity: 5,
      available: 2,
      held: 1,
      sold: 2,
      seats: { 'A-1': 'AVAILABLE', 'A-2': 'HELD', 'A-3': 'AVAILABLE', 'A-4': 'SOLD', 'A-5': 'SOLD' },
    });
    // without the catalog's seat ids there is no seat map
    expect('seats' in sectionView(s.state, T0 + 2)).toBe(false);
  });

  it('shows seats of an expired, not yet swept hold as AVAILABLE and sold seats as SOLD forever', () => {
    const s = new Section('vip');
    s.hold(T0, { holdId: 'h1', seats: ['A-1', 'A-3'] });
    s.hold(T0 + 10, { holdId: 'h2', seats: ['A-2'] });
    s.hold(T0 + 20, { holdId: 'h3', seats: ['A-5'] });
    s.purchase(T0 + 30, 'h3', 'o3');
    expect(sectionView(s.state, T0 + TTL - 1, { seatIds: SEATS }).seats).toEqual({
      'A-1': 'HELD',
      'A-2': 'HELD',
      'A-3': 'HELD',
      'A-4': 'AVAILABLE',
      'A-5': 'SOLD',
    });
    const atExpiry = sectionView(s.state, T0 + TTL, { seatIds: SEATS });
    expect(atExpiry.seats).toEqual({
      'A-1': 'AVAILABLE',
      'A-2': 'HELD',
      'A-3': 'AVAILABLE',
      'A-4': 'AVAILABLE',
      'A-5': 'SOLD',
    });
    expect(atExpiry).toMatchObject({ held: 1, sold: 1, available: 3 });
    expect(sectionView(s.state, T0 + 10 * TTL, { seatIds: SEATS })).toMatchObject({
      held: 0,
      sold: 1,
      available: 4,
      seats: { 'A-1': 'AVAILABLE', 'A-2': 'AVAILABLE', 'A-5': 'SOLD' },
    });
    // the seat map and the counts agree
    const view = sectionView(s.state, T0 + TTL, { seatIds: SEATS });
    const values = Object.values(view.seats!);
    expect(values.filter((v) => v === 'HELD')).toHaveLength(view.held);
    expect(values.filter((v) => v === 'SOLD')).toHaveLength(view.sold);
    expect(values.filter((v) => v === 'AVAILABLE')).toHaveLength(view.available);
  });

  it('lists the seats in the catalog order', () => {
    const s = new Section('vip');
    expect(Object.keys(sectionView(s.state, T0, { seatIds: SEATS }).seats!)).toEqual(SEATS);
  });
});

describe('holdView', () => {
  it('shows an active hold as HELD without internal fields', () => {
    const s = new Section('ga');
    const hold = s.hold(T0, { holdId: 'h1', quantity: 2 });
    expect(holdView(hold, T0 + 1)).toEqual({
      holdId: 'h1',
      eventId: 'final-2026',
      sectionId: 'ga',
      customerId: 'c-17',
      quantity: 2,
      status: 'HELD',
      expiresAt: new Date(T0 + TTL).toISOString(),
    });
  });

  it('shows a HELD hold as EXPIRED from expiresAt on, before the expiry is committed', () => {
    const s = new Section('vip');
    const hold = s.hold(T0, { holdId: 'h1', seats: ['A-1'] });
    expect(holdView(hold, T0 + TTL - 1).status).toBe('HELD');
    expect(holdView(hold, T0 + TTL).status).toBe('EXPIRED');
    expect(holdView(hold, T0 + TTL).seats).toEqual(['A-1']);
    expect(holdView(s.state.holds.h1!, T0 + TTL).status).toBe('EXPIRED');
  });

  it('shows a purchased hold as PURCHASED with its orderId, even after expiresAt', () => {
    const s = new Section('vip');
    s.hold(T0, { holdId: 'h1', seats: ['A-1', 'A-2'] });
    const purchased = s.purchase(T0 + 1, 'h1', 'o1');
    for (const now of [T0 + 2, T0 + TTL, T0 + 100 * TTL]) {
      expect(holdView(purchased, now)).toMatchObject({
        status: 'PURCHASED',
        orderId: 'o1',
        seats: ['A-1', 'A-2'],
      });
    }
  });

  it('shows released and expired holds with their final status', () => {
    const s = new Section('ga');
    const hold = s.hold(T0, { holdId: 'h1', quantity: 1 });
    expect(holdView({ ...hold, status: 'RELEASED' }, T0 + 1).status).toBe('RELEASED');
    expect(holdView({ ...hold, status: 'RELEASED' }, T0 + TTL).status).toBe('RELEASED');
    expect(holdView({ ...hold, status: 'EXPIRED' }, T0 + TTL).status).toBe('EXPIRED');
    expect('orderId' in holdView(hold, T0)).toBe(false);
    expect('seats' in holdView(hold, T0)).toBe(false);
  });
});

describe('orderView', () => {
  it('shows a purchased hold as a CONFIRMED order', () => {
    const s = new Section('vip');
    s.hold(T0, { holdId: 'h1', seats: ['A-3'] });
    const purchased = s.purchase(T0 + 1234, 'h1', 'o-1');
    expect(orderView(purchased)).toEqual({
      orderId: 'o-1',
      holdId: 'h1',
      eventId: 'final-2026',
      sectionId: 'vip',
      customerId: 'c-17',
      quantity: 1,
      seats: ['A-3'],
      status: 'CONFIRMED',
      purchasedAt: new Date(T0 + 1234).toISOString(),
    });
  });

  it('has no seats for a GA order', () => {
    const s = new Section('ga');
    s.hold(T0, { holdId: 'h1', quantity: 3 });
    const view = orderView(s.purchase(T0 + 1, 'h1', 'o-1'));
    expect('seats' in view).toBe(false);
    expect(view.quantity).toBe(3);
  });
});

describe('eventView', () => {
  it('shows the catalog entry with its section views, without createdAt', () => {
    const ga = new Section('ga');
    const vip = new Section('vip');
    ga.hold(T0, { holdId: 'h1', quantity: 2 });
    const view = eventView(EVENT, [sectionView(ga.state, T0), sectionView(vip.state, T0)]);
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
});
