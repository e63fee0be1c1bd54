import { Predicates } from 'hazelcast-client';
import type { JsonMap } from '../common/json-map.js';
import type { Logger } from '../common/logger.js';

export interface SweptMap {
  map: Pick<JsonMap<unknown>, 'name' | 'keysWhere'>;
  /** Runs the aggregate's time-driven rules (expire holds, close the auction) through its single writer. */
  touch(key: string): Promise<void>;
}

/**
 * Makes time-driven changes happen when nobody touches the aggregate: every interval it asks the
 * members for the aggregates whose `nextDeadline` has passed (a sorted-index range query) and
 * touches each. Every unit sweeps; touching twice is harmless (the second finds nothing due).
 * The deadline lives in the grid, so a unit's death does not lose it.
 */
export class DeadlineSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly maps: SweptMap[],
    private readonly log: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (!this.running)
        this.running = this.sweep()
          .then(
            () => undefined,
            () => undefined,
          )
          .finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns how many aggregates were touched. */
  async sweep(): Promise<number> {
    let touched = 0;
    for (const swept of this.maps) {
      try {
        const keys = await swept.map.keysWhere(Predicates.lessEqual('nextDeadline', this.now()));
        const results = await Promise.allSettled(keys.map((key) => swept.touch(key)));
        for (const [i, result] of results.entries()) {
          if (result.status === 'rejected')
            this.log.warn({ err: result.reason, key: keys[i] }, 'deadline touch failed');
        }
        touched += keys.length;
      } catch (err) {
        this.log.warn({ err, map: swept.map.name }, 'deadline sweep failed');
      }
    }
    return touched;
  }
}
