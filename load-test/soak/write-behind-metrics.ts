import { histogramQuantile, readHistogram, type Buckets } from '../../common/metrics/histograms.js';
import { parsePrometheusText } from '../../common/metrics/prometheus-text.js';
import { SCRAPED_METRICS } from '../../common/metrics/scraped-metrics.js';

/** The data pump's gauge of the change queue's jobs, by `state` (read from Redis at each scrape). */
const QUEUE_JOBS = 'spacegrid_queue_jobs';
/** Aggregates with changes the pump has not yet put on the queue: the backlog before the queue. */
const DIRTY_KEYS = 'spacegrid_pump_dirty_keys';
/**
 * The states of a change still to be written: the deploy manager's dashboard counts the same
 * (`completed` and `failed` jobs are done with, whatever their number).
 */
const PENDING_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized']);

/** What one scrape of the data pump's `/metrics` says about the write-behind backlog. */
export interface PumpBacklog {
  /** Change jobs not yet written (null when the pump could not read Redis). */
  queueDepth: number | null;
  dirtyKeys: number | null;
}

export function readPumpBacklog(text: string): PumpBacklog {
  let queueDepth: number | null = null;
  let dirtyKeys: number | null = null;
  for (const sample of parsePrometheusText(text, (name) => name === QUEUE_JOBS || name === DIRTY_KEYS)) {
    if (sample.name === DIRTY_KEYS) dirtyKeys = sample.value;
    else if (PENDING_STATES.has(sample.labels.state ?? '')) queueDepth = (queueDepth ?? 0) + sample.value;
  }
  return { queueDepth, dirtyKeys };
}

/** The data writer's lag histogram (commit in the grid → commit in Postgres) in one scrape of its `/metrics`. */
export const readWriterLag = (text: string): Buckets => readHistogram(text, SCRAPED_METRICS.writerLag);

/** The writes made between two scrapes of the writer's lag histogram. */
export interface LagWindow {
  /** Records written in the window. */
  writes: number;
  /** Seconds, interpolated inside its bucket like Prometheus's `histogram_quantile`; null when nothing was written. */
  p99Sec: number | null;
  /**
   * Share of the window's writes with a lag at or below the target (0..1; null when nothing was
   * written). Exact at a bucket bound, which is why the verdict uses it rather than the
   * interpolated p99: "p99 < 1 s" holds exactly when at least 99 % of writes are in the `le="1"` bucket.
   */
  withinTarget: number | null;
}

/**
 * Share of a cumulative histogram's observations at or below `bound`. When `bound` is not a bucket
 * bound, the largest bound below it is used: a lower bound on the share, never flattering.
 */
export function shareAtOrBelow(buckets: Buckets, bound: number): number | null {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = bounds.length === 0 ? 0 : buckets.get(bounds.at(-1)!)!;
  if (total <= 0) return null;
  const below = bounds.filter((b) => b <= bound).at(-1);
  return below === undefined ? 0 : buckets.get(below)! / total;
}

/** The lag of the writes of a histogram delta (`bucketsBetween` of two scrapes, or their sum). */
export function summarizeLag(writes: Buckets, targetSec: number): LagWindow {
  return {
    writes: writes.get(Infinity) ?? 0,
    p99Sec: histogramQuantile(writes, 0.99),
    withinTarget: shareAtOrBelow(writes, targetSec),
  };
}
