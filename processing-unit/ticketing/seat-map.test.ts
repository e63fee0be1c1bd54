import { describe, it, expect } from 'vitest';
import { SEAT, type SectionAggregate } from '../../common/ticketing-model.js';
import { newSection } from './section-rules.js';
import { SeatMap, editSeats, seatsOf, type SeatState } from './seat-map.js';
import { createRandom } from '../../common/random.js';

/** Best available as the rules chose it on the stored string before there was a SeatMap. */
function bestAvailableOfString(states: string, quantity: number): number[] | null {
  let runStart = -1;
  for (let i = 0; i < states.length; i += 1) {
    if (states[i] !== SEAT.AVAILABLE) {
      runStart = -1;
      continue;
    }
    if (runStart < 0) runStart = i;
    if (i - runStart + 1 === quantity) return Array.from({ length: quantity }, (_, k) => runStart + k);
  }
  const picked: number[] = [];
  for (let i = 0; i < states.length && picked.length < quantity; i += 1) {
    if (states[i] === SEAT.AVAILABLE) picked.push(i);
  }
  return picked.length === quantity ? picked : null;
}

const LETTERS: readonly SeatState[] = [SEAT.AVAILABLE, SEAT.HELD, SEAT.SOLD];

function reserved(seats: number): SectionAggregate {
  return newSection('e', {
    id: 'hall',
    kind: 'RESERVED',
    capacity: seats,
    seats: Array.from({ length: seats }, (_, i) => `s${i}`),
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

describe('SeatMap', () => {
  it('decodes and encodes the stored string exactly', () => {
    const stored = 'AHSAAHHSSA';
    const map = SeatMap.decode(stored);
    expect(map.length).toBe(10);
    expect(map.encode()).toBe(stored);
    expect(map.is(1, SEAT.HELD)).toBe(true);
    expect(map.is(2, SEAT.SOLD)).toBe(true);
    expect(map.is(2, SEAT.AVAILABLE)).toBe(false);
    expect(SeatMap.decode('').encode()).toBe('');
  });

  it('changes seats in place and encodes the change', () => {
    const map = SeatMap.decode('AAAA');
    map.set(1, SEAT.HELD);
    map.set(3, SEAT.SOLD);
    expect(map.encode()).toBe('AHAS');
    map.set(1, SEAT.AVAILABLE);
    expect(map.encode()).toBe('AAAS');
    expect(map.is(1, SEAT.AVAILABLE)).toBe(true);
  });

  it('ignores positions past either end, and says no seat is there', () => {
    const map = SeatMap.decode('AA');
    map.set(2, SEAT.SOLD);
    map.set(-1, SEAT.SOLD);
    expect(map.encode()).toBe('AA');
    expect(map.length).toBe(2);
    expect(map.is(2, SEAT.AVAILABLE)).toBe(false);
    expect(map.is(-1, SEAT.AVAILABLE)).toBe(false);
  });

  it('picks best available as the string rules did: a run first, else the first free seats, else null', () => {
    expect(SeatMap.decode('AHAAHAAA').bestAvailable(3)).toEqual([5, 6, 7]);
    expect(SeatMap.decode('AHAHAHSA').bestAvailable(3)).toEqual([0, 2, 4]);
    expect(SeatMap.decode('AHAHSSSS').bestAvailable(3)).toBeNull();
    expect(SeatMap.decode('HHSA').bestAvailable(1)).toEqual([3]);
  });

  it('finds a seat freed before the earlier searches started (the search start moves back)', () => {
    const map = SeatMap.decode('HHHAAA');
    expect(map.bestAvailable(1)).toEqual([3]);
    map.set(3, SEAT.HELD);
    expect(map.bestAvailable(1)).toEqual([4]);
    map.set(0, SEAT.AVAILABLE);
    expect(map.bestAvailable(1)).toEqual([0]);
    expect(map.bestAvailable(2)).toEqual([4, 5]);
  });

  it.each([1, 2, 3, 4])('agrees with the string rules over random changes and searches (seed %i)', (seed) => {
    const rnd = createRandom(seed);
    const size = 1 + Math.floor(rnd() * 60);
    let reference = Array.from({ length: size }, () => LETTERS[Math.floor(rnd() * 3)]!).join('');
    const map = SeatMap.decode(reference);
    for (let step = 0; step < 2000; step += 1) {
      if (rnd() < 0.5) {
        const quantity = 1 + Math.floor(rnd() * 5);
        const picked = map.bestAvailable(quantity);
        expect(picked, `step ${step}: best ${quantity} of ${reference}`).toEqual(
          bestAvailableOfString(reference, quantity),
        );
        // Hold what was picked, as a placement would.
        for (const i of picked ?? []) {
          map.set(i, SEAT.HELD);
          reference = reference.slice(0, i) + SEAT.HELD + reference.slice(i + 1);
        }
      } else {
        const i = Math.floor(rnd() * size);
        const to = LETTERS[Math.floor(rnd() * 3)]!;
        map.set(i, to);
        reference = reference.slice(0, i) + to + reference.slice(i + 1);
      }
      expect(map.encode()).toBe(reference);
    }
  });
});

describe('seatsOf / editSeats on a section aggregate', () => {
  it('has no seat map for a general admission section', () => {
    const ga = newSection('e', { id: 'ga', kind: 'GA', capacity: 10 });
    expect(seatsOf(ga)).toBeUndefined();
    expect(editSeats(ga)).toBeUndefined();
    expect('seatStates' in ga).toBe(false);
  });

  it('reads a frozen section without changing it', () => {
    const state = deepFreeze({ ...reserved(4), seatStates: 'AHSA' });
    const map = seatsOf(state)!;
    expect(map.is(1, SEAT.HELD)).toBe(true);
    expect(map.bestAvailable(2)).toEqual([0, 3]);
    expect(Object.getOwnPropertyDescriptor(state, 'seatStates')).toMatchObject({ value: 'AHSA' });
  });

  it('reads a seatStates assigned after an earlier read, not the old one', () => {
    const state = reserved(4);
    expect(seatsOf(state)!.is(0, SEAT.AVAILABLE)).toBe(true);
    state.seatStates = 'SAAA';
    expect(seatsOf(state)!.is(0, SEAT.SOLD)).toBe(true);
  });

  it('shows changes through seatStates, JSON and clones, with the properties in their stored order', () => {
    const state = reserved(5);
    const storedBefore = JSON.stringify(state);
    const seats = editSeats(state)!;
    seats.set(0, SEAT.HELD);
    seats.set(4, SEAT.SOLD);
    expect(state.seatStates).toBe('HAAAS');
    expect(JSON.stringify(state)).toBe(storedBefore.replace('"AAAAA"', '"HAAAS"'));
    expect(structuredClone(state)).toEqual({ ...reserved(5), seatStates: 'HAAAS' });
    expect(Object.getOwnPropertyDescriptor(structuredClone(state), 'seatStates')).toMatchObject({
      value: 'HAAAS',
    });
    expect(seatsOf(state)).toBe(seats);
    expect(editSeats(state)).toBe(seats);
  });

  it('takes a string assigned to seatStates after editing as the new seat map', () => {
    const state = reserved(3);
    editSeats(state)!.set(0, SEAT.HELD);
    state.seatStates = 'SSA';
    expect(state.seatStates).toBe('SSA');
    expect(seatsOf(state)!.is(0, SEAT.SOLD)).toBe(true);
    editSeats(state)!.set(2, SEAT.HELD);
    expect(JSON.parse(JSON.stringify(state))).toMatchObject({ seatStates: 'SSH' });
  });

  it('gives each aggregate object its own seat map (a batch works on its own draft)', () => {
    const stored = JSON.stringify(reserved(3));
    const one = JSON.parse(stored) as SectionAggregate;
    const two = JSON.parse(stored) as SectionAggregate;
    editSeats(one)!.set(1, SEAT.HELD);
    expect(one.seatStates).toBe('AHA');
    expect(two.seatStates).toBe('AAA');
    expect(seatsOf(two)!.is(1, SEAT.AVAILABLE)).toBe(true);
  });
});
