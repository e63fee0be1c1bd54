import type { Redis } from 'ioredis';
import { addBuckets, bucketsBetween, type Buckets } from '../../common/metrics/histograms.js';
import { createRedis } from '../../common/redis.js';
import type { ClientFigures, ClientWindow } from './client-window.js';
import { JstatWatch, probeLiveHeap, type JvmHeap, type LiveHeap } from './jvm-heap.js';
import type { SoakTargets } from './soak-targets.js';
import { readRedisUsedMb } from './redis-memory.js';
import { readPumpBacklog, readWriterLag, summarizeLag, type LagWindow } from './write-behind-metrics.js';

/** One sampling window of the sustained run. */
export interface SoakSample {
  /** Epoch ms at the end of the window. */
  at: number;
  intervalMs: number;
  client: ClientFigures;
  /** The writes of the window; null when the writer did not answer (or restarted). */
  lag: LagWindow | null;
  queueDepth: number | null;
  dirtyKeys: number | null;
  /** Redis's `used_memory`, MiB (null when it did not answer). */
  redisMb: number | null;
  /** Each member's latest heap reading (null when jstat has none). */
  members: Array<{ name: string; pid: number; heap: JvmHeap | null }>;
}

export interface SoakSamplerOptions {
  client: ClientWindow;
  targets: SoakTargets;
  intervalMs: number;
  /** The lag the verdict is about (1 s): each window's share of writes at or below it. */
  lagTargetSec: number;
  onSample?: (sample: SoakSample) => void;
}

/** Each member's live heap at one moment of the run (`probeLiveHeap`). */
export interface LiveHeapProbe {
  /** Epoch ms when the probe started. */
  at: number;
  members: Array<{ name: string; pid: number; live: LiveHeap | null }>;
}

const SCRAPE_TIMEOUT_MS = 2_000;

async function fetchText(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Samples the run every `intervalMs`: the harness's own window (holds/s, p99), the writer's lag
 * over the writes of the window (the delta of its histogram between two scrapes), the change
 * queue's depth (the pump's metrics), Redis's memory and each member's heap (a `jstat` per member). Keeps the
 * writer's histogram delta summed over every window, for the lag over the whole run.
 */
export class SoakSampler {
  readonly samples: SoakSample[] = [];
  /** The writer's lag histogram summed over the windows sampled so far. */
  readonly totalLag: Buckets = new Map();
  private previousLag: Buckets | undefined;
  private previousAt = Date.now();
  private readonly watches = new Map<number, JstatWatch>();
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;
  private redis: Redis | undefined;

  constructor(private readonly options: SoakSamplerOptions) {}

  /** Takes the writer's first scrape (the start of the first window) and starts the jstats. */
  async start(): Promise<void> {
    const text = await fetchText(`${this.options.targets.writerUrl}/metrics`);
    this.previousLag = text === undefined ? undefined : readWriterLag(text);
    await this.followMembers();
    this.redis = createRedis(this.options.targets.redisUrl, { offline: 'fail' });
    this.options.client.take();
    this.previousAt = Date.now();
    this.timer = setInterval(() => {
      this.sampling ??= this.sample().finally(() => (this.sampling = undefined));
    }, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sampling;
    this.redis?.disconnect();
    for (const watch of this.watches.values()) watch.close();
    this.watches.clear();
  }

  /** Forces a full collection on each member in turn (one paused at a time) and reads its live heap. */
  async probeLiveHeaps(): Promise<LiveHeapProbe> {
    const at = Date.now();
    const members: LiveHeapProbe['members'] = [];
    for (const { name, pid } of await this.options.targets.members().catch(() => []))
      members.push({ name, pid, live: (await probeLiveHeap(pid)) ?? null });
    return { at, members };
  }

  private async followMembers(): Promise<Array<{ name: string; pid: number }>> {
    const members = await this.options.targets.members().catch(() => []);
    const live = new Set(members.map((m) => m.pid));
    for (const [pid, watch] of this.watches) {
      if (!live.has(pid)) {
        watch.close();
        this.watches.delete(pid);
      }
    }
    for (const { pid } of members) {
      const watch = this.watches.get(pid);
      // jstat ended while the member runs (it may have missed the JVM's start): try again.
      if (!watch?.alive) this.watches.set(pid, new JstatWatch(pid, Math.min(1_000, this.options.intervalMs)));
    }
    return members;
  }

  private async sample(): Promise<void> {
    const at = Date.now();
    const client = this.options.client.take();
    const intervalMs = at - this.previousAt;
    this.previousAt = at;
    const { targets } = this.options;
    const [writerText, pumpText, redisMb, members] = await Promise.all([
      fetchText(`${targets.writerUrl}/metrics`),
      fetchText(`${targets.pumpUrl}/metrics`),
      this.redis ? readRedisUsedMb(this.redis) : null,
      this.followMembers(),
    ]);
    let lag: LagWindow | null = null;
    if (writerText !== undefined) {
      const now = readWriterLag(writerText);
      const delta = this.previousLag === undefined ? null : bucketsBetween(this.previousLag, now);
      if (delta !== null) {
        addBuckets(this.totalLag, delta);
        lag = summarizeLag(delta, this.options.lagTargetSec);
      }
      this.previousLag = now;
    }
    const backlog =
      pumpText === undefined ? { queueDepth: null, dirtyKeys: null } : readPumpBacklog(pumpText);
    const sample: SoakSample = {
      at,
      intervalMs,
      client,
      lag,
      ...backlog,
      redisMb,
      members: members.map(({ name, pid }) => ({
        name,
        pid,
        heap: this.watches.get(pid)?.latest() ?? null,
      })),
    };
    this.samples.push(sample);
    this.options.onSample?.(sample);
  }
}
