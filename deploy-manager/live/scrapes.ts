import {
  addBuckets,
  bucketBound,
  bucketsBetween,
  histogramQuantile,
  type Buckets,
} from '../../common/metrics/histograms.js';
import { parsePrometheusText } from '../../common/metrics/prometheus-text.js';
import { SCRAPED_METRICS } from '../../common/metrics/scraped-metrics.js';

/** What one scrape of the messaging grid's `/metrics` says, per target unit (`none`: the grid itself). */
export interface GridScrape {
  /** Epoch ms. */
  at: number;
  byUnit: Map<string, { requests: number; errors: number; latency: Buckets }>;
  inFlight: number | null;
}

/** What one scrape of a unit's `/metrics` says. */
export interface UnitScrape {
  utilization: number | null;
  pending: number | null;
  /** Live stream clients connected now (every stream kind). */
  watchers: number | null;
  /** Counters since the unit started: stream clients cut off as too slow, baskets by outcome. */
  watchersDropped: number;
  baskets: Map<string, number>;
}

export interface Traffic {
  requestsPerSecond: number;
  /** Answers 5xx or 429. */
  errorsPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  byUnit: Map<string, { requestsPerSecond: number; p99Ms: number | null }>;
}

const GRID_LATENCY_BUCKET = `${SCRAPED_METRICS.gridLatency}_bucket`;
const GRID_NAMES = new Set<string>([
  SCRAPED_METRICS.gridRequests,
  GRID_LATENCY_BUCKET,
  SCRAPED_METRICS.gridInFlight,
]);

/** An error for the dashboard: the system failed or shed the request, not the client's own 4xx. */
const isError = (status: string): boolean => status.startsWith('5') || status === '429';

export function readGridScrape(text: string, at: number): GridScrape {
  const byUnit: GridScrape['byUnit'] = new Map();
  let inFlight: number | null = null;
  const of = (unit: string) => {
    let figures = byUnit.get(unit);
    if (!figures) byUnit.set(unit, (figures = { requests: 0, errors: 0, latency: new Map() }));
    return figures;
  };
  for (const sample of parsePrometheusText(text, (name) => GRID_NAMES.has(name))) {
    const unit = sample.labels.unit ?? 'none';
    if (sample.name === SCRAPED_METRICS.gridInFlight) inFlight = sample.value;
    else if (sample.name === SCRAPED_METRICS.gridRequests) {
      of(unit).requests += sample.value;
      if (isError(sample.labels.status_code ?? '')) of(unit).errors += sample.value;
    } else of(unit).latency.set(bucketBound(sample.labels.le), sample.value);
  }
  return { at, byUnit, inFlight };
}

const UNIT_NAMES = new Set<string>([
  SCRAPED_METRICS.unitUtilization,
  SCRAPED_METRICS.unitPending,
  SCRAPED_METRICS.unitWatchers,
  SCRAPED_METRICS.unitWatchersDropped,
  SCRAPED_METRICS.unitBaskets,
]);

export function readUnitScrape(text: string): UnitScrape {
  const scrape: UnitScrape = {
    utilization: null,
    pending: null,
    watchers: null,
    watchersDropped: 0,
    baskets: new Map(),
  };
  for (const sample of parsePrometheusText(text, (name) => UNIT_NAMES.has(name))) {
    switch (sample.name) {
      case SCRAPED_METRICS.unitUtilization:
        scrape.utilization = sample.value;
        break;
      case SCRAPED_METRICS.unitPending:
        scrape.pending = sample.value;
        break;
      case SCRAPED_METRICS.unitWatchers:
        scrape.watchers = (scrape.watchers ?? 0) + sample.value;
        break;
      case SCRAPED_METRICS.unitWatchersDropped:
        scrape.watchersDropped += sample.value;
        break;
      default: {
        const outcome = sample.labels.outcome ?? 'unknown';
        scrape.baskets.set(outcome, (scrape.baskets.get(outcome) ?? 0) + sample.value);
      }
    }
  }
  return scrape;
}

/**
 * How much a counter grew between two scrapes of one process; a counter that went down means the
 * process restarted, and everything it counted since is the growth.
 */
export function counterGrowth(earlier: number | undefined, later: number): number {
  if (earlier === undefined) return 0;
  return later >= earlier ? later - earlier : later;
}

/** Requests, errors and latency between two scrapes of the grid; null after the grid restarted. */
export function trafficBetween(earlier: GridScrape, later: GridScrape): Traffic | null {
  const seconds = (later.at - earlier.at) / 1000;
  if (seconds <= 0) return null;
  let requests = 0;
  let errors = 0;
  const latency: Buckets = new Map();
  const byUnit: Traffic['byUnit'] = new Map();
  for (const [unit, now] of later.byUnit) {
    const before = earlier.byUnit.get(unit);
    const unitRequests = now.requests - (before?.requests ?? 0);
    const unitErrors = now.errors - (before?.errors ?? 0);
    const unitLatency = bucketsBetween(before?.latency, now.latency);
    if (unitRequests < 0 || unitErrors < 0 || unitLatency === null) return null;
    requests += unitRequests;
    errors += unitErrors;
    addBuckets(latency, unitLatency);
    if (unit !== 'none')
      byUnit.set(unit, {
        requestsPerSecond: unitRequests / seconds,
        p99Ms: ms(histogramQuantile(unitLatency, 0.99)),
      });
  }
  return {
    requestsPerSecond: requests / seconds,
    errorsPerSecond: errors / seconds,
    p50Ms: ms(histogramQuantile(latency, 0.5)),
    p99Ms: ms(histogramQuantile(latency, 0.99)),
    byUnit,
  };
}

const ms = (seconds: number | null): number | null => (seconds === null ? null : seconds * 1000);
