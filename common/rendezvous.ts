/**
 * Rendezvous (highest random weight) hashing: each (key, unit) pair gets a pseudo-random weight
 * and a key goes to the unit with the highest. When a unit leaves, only its own keys move (each
 * to its runner-up); when one joins, it takes about 1/n of the keys from the others and nothing
 * else moves. The runner-ups, in order, are the fail-over order.
 */
export class Rendezvous<U> {
  private readonly units: readonly U[];
  private readonly ids: readonly string[];
  private readonly seeds: Uint32Array;

  constructor(units: readonly U[], idOf: (unit: U) => string) {
    this.units = units;
    this.ids = units.map(idOf);
    this.seeds = Uint32Array.from(this.ids, hashString);
  }

  get size(): number {
    return this.units.length;
  }

  /** The unit that owns `key`, or `undefined` when there are no units. */
  pick(key: string): U | undefined {
    const keyHash = hashString(key);
    let best = -1;
    let bestWeight = -1;
    for (let i = 0; i < this.units.length; i++) {
      const weight = mix(keyHash ^ this.seeds[i]!);
      if (weight > bestWeight || (weight === bestWeight && this.ids[i]! < this.ids[best]!)) {
        best = i;
        bestWeight = weight;
      }
    }
    return best === -1 ? undefined : this.units[best];
  }

  /** Every unit, owner first, then the order to fail over in. */
  rank(key: string): U[] {
    const keyHash = hashString(key);
    const order = this.units.map((_, i) => ({ i, weight: mix(keyHash ^ this.seeds[i]!) }));
    order.sort((a, b) => b.weight - a.weight || (this.ids[a.i]! < this.ids[b.i]! ? -1 : 1));
    return order.map(({ i }) => this.units[i]!);
  }
}

/** `pick` over plain unit ids. */
export function pick(key: string, units: readonly string[]): string | undefined {
  return new Rendezvous(units, identity).pick(key);
}

/** `rank` over plain unit ids. */
export function rank(key: string, units: readonly string[]): string[] {
  return new Rendezvous(units, identity).rank(key);
}

const identity = (id: string): string => id;

/** FNV-1a over UTF-16 code units, then a full avalanche: a well spread 32-bit hash. */
export function hashString(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix(h);
}

/** An invertible 32-bit mixer (lowbias32, C. Wellons): every input bit flips about half the output bits. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * The routing keys of aggregates, as the messaging grid derives them from request paths and the
 * units' sweepers from grid keys: the same string means the same owner.
 */
export const route = {
  section: (sectionKey: string): string => `section:${sectionKey}`,
  event: (eventId: string): string => `event:${eventId}`,
  auction: (auctionId: string): string => `auction:${auctionId}`,
  basket: (basketId: string): string => `basket:${basketId}`,
} as const;
