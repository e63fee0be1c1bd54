import type { LatencySummary } from './latency-histogram.js';
import type { WorkloadModel } from './load-options.js';
import type { MetricsSnapshot } from './metrics-recorder.js';
import type { StreamDeliveryReport } from './streams/watcher-fleet.js';
import type { ThresholdResult } from './thresholds.js';
import type { InvariantResult } from './verify/invariant-result.js';

/** Everything a run measured and checked; written as JSON and rendered as HTML. */
export interface LoadReport {
  scenario: string;
  target: string;
  /** Prefix of every id the run created. */
  runId: string;
  seed: number;
  startedAt: string;
  finishedAt: string;
  model: WorkloadModel;
  pool: { connections: number; pipelining: number };
  durationMs: number;
  rampMs: number;
  /** How long the load actually ran. */
  elapsedMs: number;
  totals: {
    completed: number;
    ok: number;
    /** Expected business answers: NOT_ENOUGH_SEATS, SEAT_UNAVAILABLE, BID_TOO_LOW, BASKET_UNAVAILABLE. */
    rejected: number;
    /** 5xx, unexpected 4xx, network errors, timeouts, overflow. */
    errors: number;
    overflow: number;
    errorRate: number;
    /** Completed requests per second over the whole load. */
    rate: number;
    /** Completed requests per second after the ramp. */
    steadyRate: number;
  };
  latency: LatencySummary;
  byKind: MetricsSnapshot['byKind'];
  statusCodes: Record<string, number>;
  errorsByCategory: MetricsSnapshot['errorsByCategory'];
  errorsByCode: MetricsSnapshot['errorsByCode'];
  rejectionsByCode: Record<string, number>;
  series: MetricsSnapshot['series'];
  /** How busy the harness itself was: near 1 means it may be the bottleneck. */
  harness: { eventLoopUtilization: number; maxEventLoopDelayMs: number };
  /** Live-stream watchers beside the requests (auction-watch): delivery latency and completeness. */
  streams?: StreamDeliveryReport;
  /** null with `verify: false`. */
  invariants: InvariantResult[] | null;
  thresholds: ThresholdResult[];
  /** No threshold broken and no invariant FAILed. */
  passed: boolean;
}
