import type { Logger } from '../common/logger.js';

const MAX_PER_PASS = 2_000;

/** One kind of time-driven work: which keys are due now, and what to do with each. */
export interface SweptWork {
  name: string;
  /** Asks the members (an indexed range query) which keys are due at `now`. */
  due(now: number): Promise<string[]>;
  /** Does the work for one key through its single writer (expire a hold, close an auction, ...). */
  touch(key: string): Promise<void>;
  /** The routing key of the aggregate `key` belongs to: only the unit that owns it sweeps it. */
  route(key: string): string;
}

export interface SweeperOptions {
  intervalMs: number;
  /** Whether this unit owns a routing key (all keys when unset). */
  owns?: (routingKey: string) => boolean;
  /** Counts what a pass touched, per kind of work. */
  onSwept?: (work: string, keys: number) => void;
  now?: () => number;
}

/**
 * Makes time-driven changes happen when nobody touches the aggregate: every interval it asks the
 * members for what is due and touches each key this unit owns (the unit the grid routes the key's
 * requests to), so N units do not race N times on a hot section; when an owner is gone its keys
 * fall to the others. Touching twice is harmless anyway (the second finds nothing to do).
 * Deadlines live in the grid, so a unit's death does not lose them.
 */
export class DeadlineSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly work: SweptWork[],
    private readonly log: Logger,
    private readonly options: SweeperOptions,
  ) {
    this.intervalMs = options.intervalMs;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (!this.running) {
        this.running = this.sweep()
          .then(
            () => undefined,
            () => undefined,
          )
          .finally(() => (this.running = undefined));
      }
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns how many keys were touched. */
  async sweep(): Promise<number> {
    let touched = 0;
    for (const work of this.work) {
      try {
        // A burst (thousands of holds expiring in the same second) is taken in slices, one per pass.
        const owns = this.options.owns;
        const due = await work.due(this.now());
        const keys = (owns ? due.filter((key) => owns(work.route(key))) : due).slice(0, MAX_PER_PASS);
        const results = await Promise.allSettled(keys.map((key) => work.touch(key)));
        for (const [i, result] of results.entries()) {
          if (result.status === 'rejected')
            this.log.warn({ err: result.reason, key: keys[i], work: work.name }, 'sweep touch failed');
        }
        touched += keys.length;
        if (keys.length > 0) this.options.onSwept?.(work.name, keys.length);
      } catch (err) {
        this.log.warn({ err, work: work.name }, 'sweep failed');
      }
    }
    return touched;
  }
}
