import type { Logger } from '../../common/logger.js';
import {
  bucketsBetween,
  histogramQuantile,
  readHistogram,
  type Buckets,
} from '../../common/metrics/histograms.js';
import { SCRAPED_METRICS } from '../../common/metrics/scraped-metrics.js';
import {
  readGridScrape,
  readUnitScrape,
  counterGrowth,
  trafficBetween,
  type GridScrape,
  type Traffic,
  type UnitScrape,
} from './scrapes.js';

/** One point of the dashboard's charts (`GET /admin/live`'s `series`). */
export interface SeriesPoint {
  /** Epoch seconds. */
  t: number;
  rps: number | null;
  errors: number | null;
  p50: number | null;
  p99: number | null;
  units: number;
  lag: number | null;
  queue: number | null;
}

export interface LiveUnit {
  id: string;
  requestsPerSecond: number | null;
  p99Ms: number | null;
  utilization: number | null;
  inFlight: number | null;
  /** Live stream clients on this unit now. */
  watchers: number | null;
}

/** Basket outcomes the units reported over the units' sample window (about a minute). */
export type BasketCounts = Record<'held' | 'unavailable' | 'purchased' | 'released' | 'expired', number>;

/** `GET /admin/live`. */
export interface LiveView {
  at: string;
  traffic: {
    requestsPerSecond: number | null;
    errorsPerSecond: number | null;
    p50Ms: number | null;
    p99Ms: number | null;
    inFlight: number | null;
  };
  units: LiveUnit[];
  writeBehind: { lagSeconds: number | null; queueDepth: number | null };
  /** Live stream clients on every unit now, and how many were cut off as too slow in the window. */
  streams: { watchers: number | null; droppedLastMinute: number | null };
  /** Baskets by outcome in the window; null before any unit reported twice. */
  baskets: BasketCounts | null;
  series: SeriesPoint[];
}

/** What the autoscaler decides on: the units' own figures over a recent window. */
export interface UnitSignals {
  /** Units that reported in the window. */
  reporting: number;
  /** Mean event-loop utilization over those units and the window's samples. */
  utilization: number | null;
  /**
   * Requests in flight at the messaging grid at the latest sample: those inside units and those
   * queued in front of them (a unit's own pending commands miss the queue in the grid).
   */
  inFlight: number | null;
}

export interface LiveMetricsOptions {
  /** The messaging grid's base URL, once it runs. */
  gridUrl(): string | undefined;
  /** The units to sample (id and base URL). */
  units(): ReadonlyArray<{ id: string; url: string }>;
  /** How many units are ready, for the series. */
  readyUnits(): number;
  /** The data writer's base URL (its `/metrics` has the write-behind lag). */
  writerUrl: string | undefined;
  /** Changes waiting in the change queue (null when Redis cannot say). */
  queueDepth(): Promise<number | null>;
  log: Logger;
  /** Default 1 s. */
  intervalMs?: number;
  /** Default 300 points (5 minutes at 1 s). */
  historyPoints?: number;
  /** The write-behind lag is the p99 of the writes of this window. Default 5 s. */
  lagWindowMs?: number;
}

interface UnitSample {
  at: number;
  scrape: UnitScrape;
}

/**
 * Samples the running system once a second: the messaging grid's answers and latency, each
 * unit's event-loop utilization and commands in flight, the writer's lag and the change queue's
 * depth. Feeds the dashboard (`view()`) and the autoscaler (`signals()`); keeps 5 minutes.
 */
export class LiveMetrics {
  private readonly intervalMs: number;
  private readonly historyPoints: number;
  private readonly lagWindowMs: number;
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;
  private previousGrid: GridScrape | undefined;
  private traffic: Traffic | null = null;
  private readonly unitSamples = new Map<string, UnitSample[]>();
  private readonly writerScrapes: Array<{ at: number; lag: Buckets }> = [];
  private lagSeconds: number | null = null;
  private queueDepth: number | null = null;
  private readonly series: SeriesPoint[] = [];
  private lastAt = Date.now();

  constructor(private readonly options: LiveMetricsOptions) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.historyPoints = options.historyPoints ?? 300;
    this.lagWindowMs = options.lagWindowMs ?? 5_000;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.sampling ??= this.sample().finally(() => (this.sampling = undefined));
    }, this.intervalMs);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.sampling;
  }

  view(): LiveView {
    const traffic = this.traffic;
    const gridUnits = traffic?.byUnit;
    return {
      at: new Date(this.lastAt).toISOString(),
      traffic: {
        requestsPerSecond: traffic?.requestsPerSecond ?? null,
        errorsPerSecond: traffic?.errorsPerSecond ?? null,
        p50Ms: traffic?.p50Ms ?? null,
        p99Ms: traffic?.p99Ms ?? null,
        inFlight: this.previousGrid?.inFlight ?? null,
      },
      units: this.options.units().map(({ id, url }) => {
        const latest = this.unitSamples.get(id)?.at(-1)?.scrape;
        const routed = gridUnits?.get(url);
        return {
          id,
          requestsPerSecond: routed?.requestsPerSecond ?? (traffic ? 0 : null),
          p99Ms: routed?.p99Ms ?? null,
          utilization: latest?.utilization ?? null,
          inFlight: latest?.pending ?? null,
          watchers: latest?.watchers ?? null,
        };
      }),
      writeBehind: { lagSeconds: this.lagSeconds, queueDepth: this.queueDepth },
      ...this.streamsAndBaskets(),
      series: [...this.series],
    };
  }

  /** Watchers now, and what the units' counters grew by over their sample window (about a minute). */
  private streamsAndBaskets(): Pick<LiveView, 'streams' | 'baskets'> {
    let watchers: number | null = null;
    let dropped = 0;
    let reported = false;
    const baskets: BasketCounts = { held: 0, unavailable: 0, purchased: 0, released: 0, expired: 0 };
    for (const samples of this.unitSamples.values()) {
      const first = samples[0]?.scrape;
      const last = samples.at(-1)?.scrape;
      if (!first || !last) continue;
      if (last.watchers !== null) watchers = (watchers ?? 0) + last.watchers;
      if (samples.length < 2) continue;
      reported = true;
      dropped += counterGrowth(first.watchersDropped, last.watchersDropped);
      for (const outcome of Object.keys(baskets) as Array<keyof BasketCounts>) {
        const now = last.baskets.get(outcome) ?? 0;
        baskets[outcome] += counterGrowth(first.baskets.get(outcome) ?? 0, now);
      }
    }
    return {
      streams: { watchers, droppedLastMinute: reported ? dropped : null },
      baskets: reported ? baskets : null,
    };
  }

  /** The units' figures over the last `windowMs`. */
  signals(windowMs: number, now = Date.now()): UnitSignals {
    let reporting = 0;
    let utilizationSum = 0;
    for (const { id } of this.options.units()) {
      const recent = (this.unitSamples.get(id) ?? []).filter((s) => now - s.at <= windowMs);
      const utilizations = recent.flatMap((s) =>
        s.scrape.utilization === null ? [] : [s.scrape.utilization],
      );
      if (utilizations.length > 0) {
        reporting += 1;
        utilizationSum += utilizations.reduce((a, b) => a + b, 0) / utilizations.length;
      }
    }
    const grid = this.previousGrid;
    const inFlight = grid && now - grid.at <= windowMs ? grid.inFlight : null;
    return { reporting, utilization: reporting === 0 ? null : utilizationSum / reporting, inFlight };
  }

  private async sample(): Promise<void> {
    const at = Date.now();
    const gridUrl = this.options.gridUrl();
    const units = this.options.units();
    const [gridText, unitTexts, writerText, queueDepth] = await Promise.all([
      gridUrl ? this.fetchText(`${gridUrl}/metrics`) : undefined,
      Promise.all(units.map(({ url }) => this.fetchText(`${url}/metrics`))),
      this.options.writerUrl ? this.fetchText(`${this.options.writerUrl}/metrics`) : undefined,
      this.options.queueDepth().catch(() => null),
    ]);

    if (gridText !== undefined) {
      const scrape = readGridScrape(gridText, at);
      this.traffic = this.previousGrid ? trafficBetween(this.previousGrid, scrape) : null;
      this.previousGrid = scrape;
    } else {
      this.traffic = null;
    }

    const keep = new Set(units.map((u) => u.id));
    for (const id of this.unitSamples.keys()) if (!keep.has(id)) this.unitSamples.delete(id);
    units.forEach(({ id }, i) => {
      const text = unitTexts[i];
      if (text === undefined) return;
      const samples = this.unitSamples.get(id) ?? [];
      samples.push({ at, scrape: readUnitScrape(text) });
      while (samples.length > 60) samples.shift();
      this.unitSamples.set(id, samples);
    });

    this.queueDepth = queueDepth;
    this.lagSeconds =
      writerText === undefined
        ? null
        : this.writerLag(at, readHistogram(writerText, SCRAPED_METRICS.writerLag));
    this.lastAt = at;
    this.series.push({
      t: Math.round(at / 1000),
      rps: this.traffic?.requestsPerSecond ?? null,
      errors: this.traffic?.errorsPerSecond ?? null,
      p50: this.traffic?.p50Ms ?? null,
      p99: this.traffic?.p99Ms ?? null,
      units: this.options.readyUnits(),
      lag: this.lagSeconds,
      queue: this.queueDepth,
    });
    while (this.series.length > this.historyPoints) this.series.shift();
  }

  /** p99 of the writer's lag over the writes of the last window; 0 when nothing waits and nothing was written. */
  private writerLag(at: number, lag: Buckets): number | null {
    this.writerScrapes.push({ at, lag });
    while (this.writerScrapes.length > 1 && at - this.writerScrapes[0]!.at > this.lagWindowMs)
      this.writerScrapes.shift();
    const delta = bucketsBetween(this.writerScrapes[0]!.lag, lag);
    if (delta === null) return null;
    const p99 = histogramQuantile(delta, 0.99);
    if (p99 !== null) return p99;
    return this.queueDepth === 0 ? 0 : null;
  }

  private async fetchText(url: string): Promise<string | undefined> {
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(Math.max(500, this.intervalMs - 100)),
      });
      return response.ok ? await response.text() : undefined;
    } catch (err) {
      this.options.log.debug({ err, url }, 'cannot sample');
      return undefined;
    }
  }
}
