import { Predicates } from 'hazelcast-client';
import type { GridMaps } from '../common/grid-maps.js';
import type { Logger } from '../common/logger.js';

export interface JanitorStats {
  /** Entries removed since start: closed holds past their retention, idempotency records past theirs. */
  holdsRetired: number;
  idempotencyRecordsRemoved: number;
  lastRunAt: number | null;
}

/**
 * Keeps the grid's memory bounded: removes closed holds whose `retireAt` has passed and idempotency
 * records past their `expiresAt`, with one `removeAll(predicate)` per map and run (members find them
 * by a sorted index; nothing travels to the client).
 *
 * Why not a time to live on the entries: an expired entry is invisible at once, but its memory is
 * reclaimed by Hazelcast's expiration task, which removes at most a few dozen entries per partition
 * every few seconds (measured: 20,000 expired entries in one partition, ~40 removed a minute). A hot
 * section keeps all its holds in one partition and closes thousands a second. And `removeAll` does
 * not see expired entries, so the two cannot be combined.
 */
export class GridJanitor {
  readonly stats: JanitorStats = { holdsRetired: 0, idempotencyRecordsRemoved: 0, lastRunAt: null };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly maps: Pick<GridMaps, 'holds' | 'idempotency'>,
    private readonly options: {
      intervalMs: number;
      log: Logger;
      gridConnected?: () => boolean;
      now?: () => number;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (!this.running)
        this.running = this.run()
          .then(
            () => undefined,
            () => undefined,
          )
          .finally(() => (this.running = undefined));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns what it removed. */
  async run(): Promise<{ holds: number; idempotency: number }> {
    if (this.options.gridConnected && !this.options.gridConnected()) return { holds: 0, idempotency: 0 };
    const now = (this.options.now ?? Date.now)();
    try {
      const [holdsBefore, recordsBefore] = await Promise.all([
        this.maps.holds.map.size(),
        this.maps.idempotency.map.size(),
      ]);
      await this.maps.holds.map.removeAll(Predicates.lessEqual('retireAt', now));
      await this.maps.idempotency.map.removeAll(Predicates.lessEqual('expiresAt', now));
      const [holdsAfter, recordsAfter] = await Promise.all([
        this.maps.holds.map.size(),
        this.maps.idempotency.map.size(),
      ]);
      // Sizes move with traffic too: the difference is an estimate, good enough for a log line.
      const removed = {
        holds: Math.max(0, holdsBefore - holdsAfter),
        idempotency: Math.max(0, recordsBefore - recordsAfter),
      };
      this.stats.holdsRetired += removed.holds;
      this.stats.idempotencyRecordsRemoved += removed.idempotency;
      this.stats.lastRunAt = now;
      if (removed.holds + removed.idempotency > 0)
        this.options.log.debug(removed, 'grid janitor removed entries');
      return removed;
    } catch (err) {
      this.options.log.warn({ err }, 'grid janitor pass failed: will retry');
      return { holds: 0, idempotency: 0 };
    }
  }
}
