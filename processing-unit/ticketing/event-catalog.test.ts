import { describe, it, expect } from 'vitest';
import { SpacegridError, ValidationError } from '../../common/errors.js';
import { EVENT_DEFAULTS, buildEventRecord, seatIndexOf, type CreateEventInput } from './event-catalog.js';
import { newSection } from './section-rules.js';

const NOW = Date.parse('2026-06-01T10:00:00.000Z');

function input(overrides: Partial<CreateEventInput> = {}): CreateEventInput {
  return {
    name: 'Cup final',
    startsAt: '2026-12-20T18:00:00Z',
    sections: [
      { id: 'north', capacity: 20000 },
      { id: 'vip', seats: ['A-1', 'A-2', 'A-3'] },
    ],
    ...overrides,
  };
}

function refused(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toBeInstanceOf(SpacegridError);
    const err = error as ValidationError;
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.status).toBe(400);
    return err;
  }
  throw new Error('expected a ValidationError');
}

describe('buildEventRecord', () => {
  it('builds the catalog entry of the API example', () => {
    const record = buildEventRecord(
      input({ id: 'ignored-here', holdTtlSeconds: 120, maxSeatsPerHold: 6 }),
      'final-2026',
      NOW,
    );
    expect(record).toEqual({
      id: 'final-2026',
      name: 'Cup final',
      startsAt: '2026-12-20T18:00:00.000Z',
      holdTtlSeconds: 120,
      maxSeatsPerHold: 6,
      createdAt: '2026-06-01T10:00:00.000Z',
      sections: [
        { id: 'north', kind: 'GA', capacity: 20000 },
        { id: 'vip', kind: 'RESERVED', capacity: 3, seats: ['A-1', 'A-2', 'A-3'] },
      ],
    });
    expect('seats' in record.sections[0]!).toBe(false);
  });

  it('defaults holdTtlSeconds to 600 and maxSeatsPerHold to 10', () => {
    expect(EVENT_DEFAULTS).toEqual({ holdTtlSeconds: 600, maxSeatsPerHold: 10 });
    const record = buildEventRecord(input(), 'e', NOW);
    expect(record.holdTtlSeconds).toBe(600);
    expect(record.maxSeatsPerHold).toBe(10);
  });

  it('keeps given values at the edges of their ranges', () => {
    const record = buildEventRecord(input({ holdTtlSeconds: 10, maxSeatsPerHold: 1 }), 'e', NOW);
    expect(record.holdTtlSeconds).toBe(10);
    expect(record.maxSeatsPerHold).toBe(1);
  });

  it.each([
    ['2026-12-20T18:00:00Z', '2026-12-20T18:00:00.000Z'],
    ['2026-12-20T18:00:00.000Z', '2026-12-20T18:00:00.000Z'],
    ['2026-12-20T19:30:00+01:30', '2026-12-20T18:00:00.000Z'],
    ['2026-12-20T13:00:00-05:00', '2026-12-20T18:00:00.000Z'],
    ['2026-12-20T18:00:00.5Z', '2026-12-20T18:00:00.500Z'],
    ['2026-12-21T00:30:00+06:30', '2026-12-20T18:00:00.000Z'],
  ])('normalises startsAt %s to UTC %s', (startsAt, expected) => {
    expect(buildEventRecord(input({ startsAt }), 'e', NOW).startsAt).toBe(expected);
  });

  it.each([
    '',
    'not a date',
    '2026-13-45T99:00:00Z',
    '2026-12-20',
    '0000-01-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
  ])('refuses startsAt %j', (startsAt) => {
    const err = refused(() => buildEventRecord(input({ startsAt }), 'e', NOW));
    expect(err.details).toEqual({ field: 'startsAt' });
  });

  it('refuses a section id listed twice, naming the second one', () => {
    const err = refused(() =>
      buildEventRecord(
        input({
          sections: [
            { id: 'a', capacity: 1 },
            { id: 'b', capacity: 1 },
            { id: 'a', seats: ['x'] },
          ],
        }),
        'e',
        NOW,
      ),
    );
    expect(err.details).toEqual({ field: 'sections/2/id' });
  });

  it('refuses a section with both capacity and seats', () => {
    const err = refused(() =>
      buildEventRecord(input({ sections: [{ id: 'a', capacity: 2, seats: ['x', 'y'] }] }), 'e', NOW),
    );
    expect(err.details).toEqual({ field: 'sections/0' });
  });

  it('refuses a section with neither capacity nor seats', () => {
    const err = refused(() =>
      buildEventRecord(input({ sections: [{ id: 'a', capacity: 1 }, { id: 'b' }] }), 'e', NOW),
    );
    expect(err.details).toEqual({ field: 'sections/1' });
  });

  it('refuses a seat listed twice in a section', () => {
    const err = refused(() =>
      buildEventRecord(input({ sections: [{ id: 'a', seats: ['A-1', 'A-2', 'A-1'] }] }), 'e', NOW),
    );
    expect(err.details).toEqual({ field: 'sections/0/seats' });
  });

  it('allows the same seat id in different sections', () => {
    const record = buildEventRecord(
      input({
        sections: [
          { id: 'a', seats: ['1', '2'] },
          { id: 'b', seats: ['1', '2'] },
        ],
      }),
      'e',
      NOW,
    );
    expect(record.sections.map((s) => s.capacity)).toEqual([2, 2]);
  });

  it('keeps the section order of the request', () => {
    const record = buildEventRecord(
      input({
        sections: [
          { id: 'z', capacity: 1 },
          { id: 'a', seats: ['1'] },
          { id: 'm', capacity: 3 },
        ],
      }),
      'e',
      NOW,
    );
    expect(record.sections.map((s) => [s.id, s.kind, s.capacity])).toEqual([
      ['z', 'GA', 1],
      ['a', 'RESERVED', 1],
      ['m', 'GA', 3],
    ]);
  });

  it('keeps the seat order of the request (best first)', () => {
    const seats = ['C-9', 'A-1', 'B-5'];
    const record = buildEventRecord(input({ sections: [{ id: 'a', seats }] }), 'e', NOW);
    expect(record.sections[0]!.seats).toEqual(seats);
  });
});

describe('seatIndexOf', () => {
  it('maps seat ids to their positions in a reserved section', () => {
    const record = buildEventRecord(input(), 'e', NOW);
    const index = seatIndexOf(record.sections[1]!);
    expect(index).toBeInstanceOf(Map);
    expect([...index!.entries()]).toEqual([
      ['A-1', 0],
      ['A-2', 1],
      ['A-3', 2],
    ]);
  });

  it('is undefined for a GA section', () => {
    const record = buildEventRecord(input(), 'e', NOW);
    expect(seatIndexOf(record.sections[0]!)).toBeUndefined();
  });
});

describe('newSection from the catalog', () => {
  it('creates sections that match their specs: counts, a seat map for reserved seating, no holds', () => {
    const record = buildEventRecord(input(), 'final', NOW);
    const [north, vip] = record.sections.map((spec) => newSection(record.id, spec));
    expect(north).toEqual({
      eventId: 'final',
      sectionId: 'north',
      kind: 'GA',
      capacity: 20000,
      held: 0,
      sold: 0,
      version: 0,
      nextDeadline: null,
      outbox: [],
      outboxSince: null,
    });
    expect('seatStates' in north!).toBe(false);
    expect(vip).toEqual({
      eventId: 'final',
      sectionId: 'vip',
      kind: 'RESERVED',
      capacity: 3,
      held: 0,
      sold: 0,
      version: 0,
      seatStates: 'AAA',
      nextDeadline: null,
      outbox: [],
      outboxSince: null,
    });
  });

  it('has one seat character per catalog seat, however large the section', () => {
    const seats = Array.from({ length: 100_000 }, (_, i) => `S-${i}`);
    const record = buildEventRecord(input({ sections: [{ id: 'big', seats }] }), 'e', NOW);
    const state = newSection(record.id, record.sections[0]!);
    expect(state.capacity).toBe(100_000);
    expect(state.seatStates).toHaveLength(100_000);
    expect(/^A+$/.test(state.seatStates!)).toBe(true);
    expect(seatIndexOf(record.sections[0]!)!.get('S-99999')).toBe(99_999);
  });

  it('keeps a large GA section as counts only', () => {
    const record = buildEventRecord(input({ sections: [{ id: 'ga', capacity: 10_000_000 }] }), 'e', NOW);
    const state = newSection(record.id, record.sections[0]!);
    expect(state.capacity).toBe(10_000_000);
    expect(state.seatStates).toBeUndefined();
    expect(JSON.stringify(state).length).toBeLessThan(300);
  });
});
