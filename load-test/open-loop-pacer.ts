import type { ArrivalSchedule } from './arrival-schedule.js';

export interface OpenLoopPacerOptions {
  schedule: ArrivalSchedule;
  /** No request is due at or after this offset. */
  durationMs: number;
  /** Requests in flight at most; a request that falls due while this many are in flight is not sent. */
  maxInFlight: number;
}

/**
 * The open model's bookkeeping, free of timers so it can be tested with a virtual clock. Each
 * request keeps its INTENDED send time: the caller measures latency from it, so when the harness
 * (or the server behind it) falls behind, the wait shows up as latency instead of as fewer
 * requests (no coordinated omission). A request that falls due while `maxInFlight` are pending
 * is counted as `overflow` and never sent.
 */
export class OpenLoopPacer {
  private nextIndex = 0;
  private pending = 0;
  private sentCount = 0;
  private overflowCount = 0;

  constructor(private readonly options: OpenLoopPacerOptions) {
    if (!(options.maxInFlight >= 1)) throw new RangeError('maxInFlight must be >= 1');
  }

  get inFlight(): number {
    return this.pending;
  }
  get sent(): number {
    return this.sentCount;
  }
  get overflow(): number {
    return this.overflowCount;
  }
  /** Every request of the run has been released (sent or counted as overflow). */
  get exhausted(): boolean {
    return this.options.schedule.offsetMs(this.nextIndex) >= this.options.durationMs;
  }

  /** Releases every request due at or before `nowOffsetMs`; `fire` gets each one's intended offset. */
  release(nowOffsetMs: number, fire: (intendedOffsetMs: number) => void): void {
    const { schedule, durationMs, maxInFlight } = this.options;
    for (;;) {
      const due = schedule.offsetMs(this.nextIndex);
      if (due > nowOffsetMs || due >= durationMs) return;
      this.nextIndex += 1;
      if (this.pending >= maxInFlight) {
        this.overflowCount += 1;
        continue;
      }
      this.pending += 1;
      this.sentCount += 1;
      fire(due);
    }
  }

  /** A released request has finished (answered, failed or timed out). */
  complete(): void {
    this.pending -= 1;
  }

  /** Milliseconds until the next request falls due (0 if it already has). */
  msUntilNext(nowOffsetMs: number): number {
    return Math.max(0, this.options.schedule.offsetMs(this.nextIndex) - nowOffsetMs);
  }
}
