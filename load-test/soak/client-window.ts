import { createLatencyHistogram, recordLatencyMs, summarizeLatency } from '../latency-histogram.js';
import type { Outcome } from '../outcome.js';

/** What the harness saw in one sampling window. */
export interface ClientFigures {
  /** Answers of every kind, and how many were holds granted (201). */
  requests: number;
  holdsGranted: number;
  /** Errors (5xx, 4xx that are not business rejections, network, timeouts); overflow is counted by the run. */
  errors: number;
  /** Milliseconds from the intended send time (open model: no coordinated omission); 0 when none. */
  p99Ms: number;
}

/**
 * Figures of the answers since the last `take()`, fed by `runLoad`'s `onRecord`: the load's own
 * per-second points cannot be merged into a 5 s p99, so the sustained run keeps its own histogram.
 */
export class ClientWindow {
  private readonly latency = createLatencyHistogram();
  private figures = { requests: 0, holdsGranted: 0, errors: 0 };

  /** Matches `RecordListener`. */
  readonly record = (kind: string, outcome: Outcome, latencyMs: number): void => {
    recordLatencyMs(this.latency, latencyMs);
    this.figures.requests += 1;
    if (kind === 'hold' && outcome.type === 'ok') this.figures.holdsGranted += 1;
    if (outcome.type === 'error') this.figures.errors += 1;
  };

  /** The window's figures; starts the next window. */
  take(): ClientFigures {
    const taken = { ...this.figures, p99Ms: summarizeLatency(this.latency).p99 };
    this.latency.reset();
    this.figures = { requests: 0, holdsGranted: 0, errors: 0 };
    return taken;
  }
}
