import { Predicates } from 'hazelcast-client';
import type { BasketRecord } from '../../common/basket-model.js';
import type { JsonMap, Versioned } from '../../common/json-map.js';
import { earliestExpiry, isInProgress, isTerminal } from './basket-rules.js';

/**
 * The saga log: one entry per basket in the grid's `baskets` map, changed only by compare-and-set
 * against the exact bytes read, so of two units acting on one basket exactly one writes each step,
 * and a step is written before it is taken. Each write sets `deadline`, the time the recovery loop
 * must look at the basket next; an entry that reached its end gets a time-to-live (the retention),
 * so the map holds live baskets plus the retention's worth of ended ones.
 */
export class BasketLog {
  constructor(
    private readonly map: JsonMap<BasketRecord>,
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(basketId: string): Promise<Versioned<BasketRecord> | null> {
    return this.map.get(basketId);
  }

  /** Writes a new basket unless one has its id: null when written, else the one there. */
  async create(record: BasketRecord): Promise<Versioned<BasketRecord> | null> {
    return this.map.putIfAbsent(record.basketId, this.withDeadline(record));
  }

  /** Compare-and-set: the new entry, or null when the basket changed since `expected` was read. */
  async replace(
    expected: Versioned<BasketRecord>,
    next: BasketRecord,
  ): Promise<Versioned<BasketRecord> | null> {
    const value = this.withDeadline(next);
    const raw = await this.map.replaceIfSame(value.basketId, expected.raw, value);
    if (!raw) return null;
    // A unit that dies before this leaves the entry to the recovery loop, due at its deadline.
    if (isTerminal(value.status)) await this.map.map.setTtl(value.basketId, this.retentionMs);
    return { raw, value };
  }

  /** Removes an ended basket whose time-to-live was never set (its unit died in between). */
  async forget(stored: Versioned<BasketRecord>): Promise<void> {
    await this.map.map.remove(stored.value.basketId, stored.raw);
  }

  /** Baskets due for the recovery loop now (an indexed range query). */
  due(now: number): Promise<string[]> {
    return this.map.keysWhere(Predicates.lessEqual('deadline', now));
  }

  private withDeadline(record: BasketRecord): BasketRecord {
    const deadline = isInProgress(record.status)
      ? record.leaseUntil
      : isTerminal(record.status)
        ? this.now() + this.retentionMs
        : Math.max(earliestExpiry(record) ?? 0, record.leaseUntil);
    return { ...record, deadline };
  }
}
