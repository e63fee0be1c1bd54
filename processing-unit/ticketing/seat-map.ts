import { Buffer } from 'node:buffer';
import { SEAT, type SectionAggregate } from '../../common/ticketing-model.js';

export type SeatState = (typeof SEAT)[keyof typeof SEAT];

const AVAILABLE = SEAT.AVAILABLE.charCodeAt(0);

/**
 * A reserved section's seat map as a batch works on it: one byte per seat (the character code of
 * its SEAT letter), changed in place. The stored form, `SectionAggregate.seatStates`, is made from
 * it only when asked for, and kept until the next change: a batch decodes the string once and
 * encodes it once, however many seats its commands move. SEAT letters are ASCII, so latin1 turns
 * the string into bytes and back exactly.
 */
export class SeatMap {
  /** The stored form of the current bytes, if it was made (or decoded) since the last change. */
  private encoded: string | undefined;
  /** No seat before this position is available: where a search for free seats may start. */
  private firstAvailable = 0;

  private constructor(
    private readonly codes: Uint8Array,
    encoded: string,
  ) {
    this.encoded = encoded;
  }

  static decode(seatStates: string): SeatMap {
    return new SeatMap(Buffer.from(seatStates, 'latin1'), seatStates);
  }

  get length(): number {
    return this.codes.length;
  }

  /** Whether seat `i` is in `state` (false for a position past the end). */
  is(i: number, state: SeatState): boolean {
    return this.codes[i] === state.charCodeAt(0);
  }

  /** Puts seat `i` in `state` (a position past the end is ignored). */
  set(i: number, state: SeatState): void {
    if (i < 0 || i >= this.codes.length) return;
    const code = state.charCodeAt(0);
    if (this.codes[i] === code) return;
    this.codes[i] = code;
    this.encoded = undefined;
    if (code === AVAILABLE && i < this.firstAvailable) this.firstAvailable = i;
  }

  /** The stored form: one SEAT letter per seat. */
  encode(): string {
    this.encoded ??= Buffer.from(this.codes.buffer, this.codes.byteOffset, this.codes.length).toString(
      'latin1',
    );
    return this.encoded;
  }

  /**
   * Best available: the first run of `quantity` adjacent available seats in the event's own order,
   * otherwise the first `quantity` available seats wherever they are, or null if there are fewer.
   */
  bestAvailable(quantity: number): number[] | null {
    const codes = this.codes;
    let from = this.firstAvailable;
    while (from < codes.length && codes[from] !== AVAILABLE) from += 1;
    this.firstAvailable = from;
    let runStart = -1;
    for (let i = from; i < codes.length; i += 1) {
      if (codes[i] !== AVAILABLE) {
        runStart = -1;
        continue;
      }
      if (runStart < 0) runStart = i;
      if (i - runStart + 1 === quantity) return Array.from({ length: quantity }, (_, k) => runStart + k);
    }
    const picked: number[] = [];
    for (let i = from; i < codes.length && picked.length < quantity; i += 1) {
      if (codes[i] === AVAILABLE) picked.push(i);
    }
    return picked.length === quantity ? picked : null;
  }
}

/** What deciding may do with a seat map: look. */
export type ReadonlySeatMap = Pick<SeatMap, 'length' | 'is' | 'bestAvailable' | 'encode'>;

interface Held {
  map: SeatMap;
  /** Whether the aggregate's `seatStates` is now read from (and written through) `map`. */
  attached: boolean;
}

/** Seat maps by aggregate: each batch's draft is a fresh object, so each batch gets its own. */
const seatMaps = new WeakMap<SectionAggregate, Held>();

function held(state: SectionAggregate): Held | undefined {
  const known = seatMaps.get(state);
  if (known?.attached) return known;
  const stored = state.seatStates;
  if (stored === undefined) return undefined;
  // Decoded by an earlier read of this same aggregate, unless its seatStates was replaced since.
  if (known && known.map.encode() === stored) return known;
  const fresh: Held = { map: SeatMap.decode(stored), attached: false };
  seatMaps.set(state, fresh);
  return fresh;
}

/**
 * The seat map of a section, to read (undefined for general admission). Decoded once per aggregate
 * object and never written to it: a frozen state stays as it is.
 */
export function seatsOf(state: SectionAggregate): ReadonlySeatMap | undefined {
  return held(state)?.map;
}

/**
 * The seat map of a section, to change in place (undefined for general admission). From the first
 * call on, the aggregate's `seatStates` is a property that encodes the map when read (by
 * `JSON.stringify` at the compare-and-set, or anyone else) and decodes a string assigned to it; it
 * keeps its place among the aggregate's properties, so the stored JSON is the same as before.
 */
export function editSeats(state: SectionAggregate): SeatMap | undefined {
  const entry = held(state);
  if (!entry) return undefined;
  if (!entry.attached) {
    entry.attached = true;
    Object.defineProperty(state, 'seatStates', {
      configurable: true,
      enumerable: true,
      get: () => entry.map.encode(),
      set: (value: string | undefined) => {
        seatMaps.delete(state);
        Object.defineProperty(state, 'seatStates', {
          configurable: true,
          enumerable: true,
          writable: true,
          value,
        });
      },
    });
  }
  return entry.map;
}
