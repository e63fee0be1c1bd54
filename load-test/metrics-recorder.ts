import {
  createLatencyHistogram,
  encodeHistogram,
  recordLatencyMs,
  summarizeLatency,
  type Histogram,
  type LatencySummary,
} from './latency-histogram.js';
import { classifyOutcome, statusKey, type ErrorCategory, type HttpResult, type Outcome } from './outcome.js';

/** One interval of the run (about a second), ending `atMs` after the start of the load. */
export interface TimePoint {
  atMs: number;
  intervalMs: number;
  completed: number;
  ok: number;
  rejected: number;
  errors: number;
  overflow: number;
  /** Milliseconds, over the requests completed in this interval. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface KindMetrics {
  latency: LatencySummary;
  statusCodes: Record<string, number>;
  ok: number;
  rejected: number;
  errors: number;
  /** The latency histogram, compressed (see `decodeHistogram`), for merging across runs. */
  histogram: string;
}

export interface MetricsSnapshot {
  completed: number;
  ok: number;
  rejected: number;
  errors: number;
  overflow: number;
  latency: LatencySummary;
  byKind: Record<string, KindMetrics>;
  statusCodes: Record<string, number>;
  errorsByCategory: Partial<Record<ErrorCategory, number>>;
  /** Error answers by the API error code they carried (`HTTP <status>` when they had none). */
  errorsByCode: Record<string, number>;
  rejectionsByCode: Record<string, number>;
  series: TimePoint[];
}

class KindStats {
  readonly histogram = createLatencyHistogram();
  readonly statusCodes = new Map<string, number>();
  ok = 0;
  rejected = 0;
  errors = 0;
}

const increment = (map: Map<string, number>, key: string, by = 1): void => {
  map.set(key, (map.get(key) ?? 0) + by);
};

/**
 * Everything measured during a run: an HDR histogram per request kind and overall, status
 * codes, error categories, business rejections, and a per-second series (`roll`).
 */
export class MetricsRecorder {
  private readonly kinds = new Map<string, KindStats>();
  private readonly overall = createLatencyHistogram();
  private readonly errorsByCategory = new Map<string, number>();
  private readonly errorsByCode = new Map<string, number>();
  private readonly rejectionsByCode = new Map<string, number>();
  private readonly series: TimePoint[] = [];
  private readonly interval: Histogram = createLatencyHistogram();
  private intervalCounts = { completed: 0, ok: 0, rejected: 0, errors: 0, overflow: 0 };
  private overflowTotal = 0;
  private lastRollAtMs = 0;

  /** Requests answered (or failed) so far. */
  get completed(): number {
    return this.overall.totalCount;
  }

  record(kind: string, result: HttpResult, latencyMs: number): Outcome {
    let stats = this.kinds.get(kind);
    if (!stats) {
      stats = new KindStats();
      this.kinds.set(kind, stats);
    }
    const outcome = classifyOutcome(result);
    recordLatencyMs(stats.histogram, latencyMs);
    recordLatencyMs(this.overall, latencyMs);
    recordLatencyMs(this.interval, latencyMs);
    increment(stats.statusCodes, statusKey(result));
    this.intervalCounts.completed += 1;
    if (outcome.type === 'ok') {
      stats.ok += 1;
      this.intervalCounts.ok += 1;
    } else if (outcome.type === 'rejected') {
      stats.rejected += 1;
      this.intervalCounts.rejected += 1;
      increment(this.rejectionsByCode, outcome.code);
    } else {
      stats.errors += 1;
      this.intervalCounts.errors += 1;
      increment(this.errorsByCategory, outcome.category);
      if (result.status > 0) increment(this.errorsByCode, result.errorCode ?? `HTTP ${result.status}`);
    }
    return outcome;
  }

  /** Open model: `count` requests fell due while the in-flight limit was reached. */
  recordOverflow(count: number): void {
    if (count <= 0) return;
    this.overflowTotal += count;
    this.intervalCounts.overflow += count;
    increment(this.errorsByCategory, 'overflow', count);
  }

  /** Closes the current interval at `atMs` (ms since the start of the load) and returns its point. */
  roll(atMs: number): TimePoint {
    const latency = summarizeLatency(this.interval);
    const point: TimePoint = {
      atMs: Math.round(atMs),
      intervalMs: Math.round(atMs - this.lastRollAtMs),
      ...this.intervalCounts,
      p50: latency.p50,
      p90: latency.p90,
      p99: latency.p99,
      max: latency.max,
    };
    this.series.push(point);
    this.lastRollAtMs = atMs;
    this.interval.reset();
    this.intervalCounts = { completed: 0, ok: 0, rejected: 0, errors: 0, overflow: 0 };
    return point;
  }

  snapshot(): MetricsSnapshot {
    const byKind: Record<string, KindMetrics> = {};
    const statusCodes = new Map<string, number>();
    let ok = 0;
    let rejected = 0;
    let errors = this.overflowTotal;
    for (const [kind, stats] of [...this.kinds].sort(([a], [b]) => a.localeCompare(b))) {
      byKind[kind] = {
        latency: summarizeLatency(stats.histogram),
        statusCodes: Object.fromEntries(stats.statusCodes),
        ok: stats.ok,
        rejected: stats.rejected,
        errors: stats.errors,
        histogram: encodeHistogram(stats.histogram),
      };
      for (const [status, count] of stats.statusCodes) increment(statusCodes, status, count);
      ok += stats.ok;
      rejected += stats.rejected;
      errors += stats.errors;
    }
    return {
      completed: this.overall.totalCount,
      ok,
      rejected,
      errors,
      overflow: this.overflowTotal,
      latency: summarizeLatency(this.overall),
      byKind,
      statusCodes: Object.fromEntries(statusCodes),
      errorsByCategory: Object.fromEntries(this.errorsByCategory),
      errorsByCode: Object.fromEntries(this.errorsByCode),
      rejectionsByCode: Object.fromEntries(this.rejectionsByCode),
      series: [...this.series],
    };
  }
}
