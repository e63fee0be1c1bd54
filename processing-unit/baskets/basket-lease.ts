import type { BasketRecord } from '../../common/basket-model.js';
import type { Versioned } from '../../common/json-map.js';
import type { BasketLog } from './basket-log.js';
import { isInProgress } from './basket-rules.js';

/** Another unit changed the basket: this one stops, the other finishes. */
export class LeaseLostError extends Error {
  constructor(basketId: string) {
    super(`basket ${basketId} was taken over by another unit`);
  }
}

/**
 * One unit's claim on a basket while it works on it: every write renews it, and a timer renews it
 * while a step waits on a slow section, so the claim outlives neither the unit nor its progress.
 * Writes go one at a time, each against the entry the previous one wrote; a write that finds the
 * entry changed means another unit took the basket (its lease had run out): from then on every write
 * throws {@link LeaseLostError}.
 */
export class BasketLease {
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly log: BasketLog,
    private current: Versioned<BasketRecord>,
    private readonly owner: string,
    private readonly leaseMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * Takes the basket if nobody holds a live lease on it, writing `change` with the claim: the
   * lease, or null when another unit holds it or took it first.
   */
  static async take(
    log: BasketLog,
    stored: Versioned<BasketRecord>,
    change: (record: BasketRecord) => BasketRecord,
    options: { owner: string; leaseMs: number; now: () => number },
  ): Promise<BasketLease | null> {
    const now = options.now();
    if (stored.value.leaseUntil > now) return null;
    const next = { ...change(stored.value), owner: options.owner, leaseUntil: now + options.leaseMs };
    const written = await log.replace(stored, next);
    return written && new BasketLease(log, written, options.owner, options.leaseMs, options.now);
  }

  /** The lease of a basket this unit has just created (its entry says so already). */
  static created(
    log: BasketLog,
    stored: Versioned<BasketRecord>,
    options: { owner: string; leaseMs: number; now: () => number },
  ): BasketLease {
    return new BasketLease(log, stored, options.owner, options.leaseMs, options.now);
  }

  get record(): BasketRecord {
    return this.current.value;
  }

  /**
   * Writes the next step (renewing the lease while one is under way; a settled basket has no
   * owner). Resolves once it is in the grid: only then may the step be taken.
   */
  write(change: (record: BasketRecord) => BasketRecord): Promise<BasketRecord> {
    const run = this.queue.then(async () => {
      const next = change(structuredClone(this.current.value));
      const working = isInProgress(next.status) || this.timer !== undefined;
      const claimed: BasketRecord = working
        ? { ...next, owner: this.owner, leaseUntil: this.now() + this.leaseMs }
        : { ...next, owner: null, leaseUntil: 0 };
      const written = await this.log.replace(this.current, claimed);
      if (!written) throw new LeaseLostError(claimed.basketId);
      this.current = written;
      return written.value;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Renews the lease every third of its length until {@link settle}. */
  keepAlive(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => void this.write((record) => record).catch(() => undefined),
      this.leaseMs / 3,
    );
    this.timer.unref();
  }

  /** Stops renewing and writes the basket's settled state (no owner, no lease). */
  async settle(change: (record: BasketRecord) => BasketRecord): Promise<BasketRecord> {
    this.stop();
    return this.write(change);
  }

  /** Stops renewing: the lease runs out by itself (recovery takes over what is left). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
