import { Agent, get, type ClientRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAuctionPosition } from '../../common/stream-position.js';
import {
  createLatencyHistogram,
  recordLatencyMs,
  summarizeLatency,
  type LatencySummary,
} from '../latency-histogram.js';
import type { DeliveredBid, WatcherTally } from './delivery-checks.js';
import { SseParser, type SseMessage } from './sse-parser.js';
import { StreamSequence } from './stream-sequence.js';

export interface WatcherFleetOptions {
  /** The stream: `http://host:port/auctions/<id>/stream`. */
  url: string;
  count: number;
  /** Streams being opened at once. Default 100 (thousands at once overflow the grid's accept queue). */
  openConcurrency?: number;
  /** How long one stream may take to answer and send its snapshot. Default 30 s. */
  openTimeoutMs?: number;
}

/** What a fleet measured: delivery latency, and how complete and orderly delivery was. */
export interface StreamDeliveryReport {
  watchers: number;
  opened: number;
  /** Messages each watcher should have received after its snapshot (what the fleet saw, once each). */
  expectedPerWatcher: number;
  delivered: number;
  expected: number;
  gaps: number;
  duplicates: number;
  resyncs: number;
  /** Streams that ended before the harness closed them. */
  dropped: number;
  failedToOpen: number;
  /**
   * Per delivered bid message, from its commit to its arrival at a watcher (ms). The commit
   * marker is the bid's `placedAt` (set by the unit when it applies the bid, just before the
   * grid write; millisecond precision, so figures read up to 1 ms high); arrival is when the
   * watcher's socket data reached the harness's event loop.
   */
  latency: LatencySummary;
  /** How long opening every stream took. */
  openMs: number;
  /** After the load, how long until every watcher had every message (or the wait gave up). */
  settleMs: number;
}

/** Epoch milliseconds with sub-millisecond precision: comparable with `placedAt`. */
const epochNow = (): number => performance.timeOrigin + performance.now();

/** One watcher: a plain HTTP request whose body is parsed as it arrives. */
class StreamWatcher implements WatcherTally {
  received = 0;
  resyncs = 0;
  dropped = false;
  openError: string | undefined;
  readonly sequence = new StreamSequence();
  private readonly parser = new SseParser();
  private request: ClientRequest | undefined;
  private snapshotSeen = false;
  private closing = false;

  constructor(private readonly fleet: WatcherFleet) {}

  get gaps(): number {
    return this.sequence.gaps;
  }
  get duplicates(): number {
    return this.sequence.duplicates;
  }
  get unparsable(): number {
    return this.sequence.unparsable;
  }

  /** Resolves once the stream's first message (the snapshot) arrived, or it failed to open. */
  open(url: string, agent: Agent, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const fail = (reason: string): void => {
        this.openError ??= reason;
        this.request?.destroy();
        resolve();
      };
      const timer = setTimeout(() => fail(`no snapshot within ${timeoutMs} ms`), timeoutMs);
      const opened = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.request = get(url, { agent, headers: { accept: 'text/event-stream' } }, (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          return fail(`status ${response.statusCode}`);
        }
        response.setEncoding('utf8');
        response.on('data', (text: string) => {
          const at = epochNow();
          this.parser.push(text, (message) => this.take(message, at, opened));
        });
        response.on('close', () => {
          if (!this.closing && this.snapshotSeen) this.dropped = true;
          if (!this.snapshotSeen) fail('the stream ended before its snapshot');
        });
      });
      this.request.on('error', (err) => {
        if (!this.snapshotSeen) fail(err.message);
      });
    });
  }

  close(): void {
    this.closing = true;
    this.request?.destroy();
  }

  private take(message: SseMessage, at: number, opened: () => void): void {
    if (message.event === 'snapshot') {
      if (this.snapshotSeen) this.resyncs += 1;
      this.snapshotSeen = true;
      this.sequence.start(message.id);
      opened();
      return;
    }
    this.received += 1;
    if (this.sequence.accept(message.id) !== 'unparsable') this.fleet.delivered(message, at);
  }
}

/**
 * N watchers of one auction stream in this process, each on its own connection, parsing what
 * arrives and checking its order (`StreamSequence`). Every delivered `bid` message is timed from
 * its bid's commit (`placedAt`): its data is parsed once for the whole fleet (by message id),
 * the other watchers only look the id up.
 */
export class WatcherFleet {
  private readonly histogram = createLatencyHistogram();
  /** Every message id seen by any watcher, with its bid when it is one. */
  private readonly messages = new Map<string, DeliveredBid | null>();
  private readonly watchers: StreamWatcher[] = [];
  private readonly agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  private openMs = 0;
  private settleMs = 0;

  private constructor(private readonly options: WatcherFleetOptions) {}

  /** Opens every stream (a bounded number at a time) and waits for each one's snapshot. */
  static async open(options: WatcherFleetOptions): Promise<WatcherFleet> {
    const fleet = new WatcherFleet(options);
    const started = performance.now();
    const concurrency = options.openConcurrency ?? 100;
    let next = 0;
    const opener = async (): Promise<void> => {
      while (next < options.count) {
        next += 1;
        const watcher = new StreamWatcher(fleet);
        fleet.watchers.push(watcher);
        await watcher.open(options.url, fleet.agent, options.openTimeoutMs ?? 30_000);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, options.count) }, opener));
    fleet.openMs = Math.round(performance.now() - started);
    return fleet;
  }

  /** A watcher received `message` at `at` (epoch ms). */
  delivered(message: SseMessage, at: number): void {
    const key = message.id!;
    let bid = this.messages.get(key);
    if (bid === undefined) {
      bid = message.event === 'bid' ? parseBid(message) : null;
      this.messages.set(key, bid);
    }
    if (bid !== null) recordLatencyMs(this.histogram, Math.max(0, at - bid.committedAt));
  }

  /**
   * Waits until every connected watcher has every message the fleet saw, and at least
   * `atLeast` of them (the accepted bids), or `timeoutMs` passes. False when it gave up.
   */
  async settle(atLeast: number, timeoutMs: number): Promise<boolean> {
    const started = performance.now();
    const deadline = started + timeoutMs;
    const done = (): boolean => {
      const want = Math.max(atLeast, this.messages.size);
      return this.watchers.every((w) => w.openError !== undefined || w.dropped || w.received >= want);
    };
    while (!done() && performance.now() < deadline) await sleep(20);
    this.settleMs = Math.round(performance.now() - started);
    return done();
  }

  close(): void {
    for (const watcher of this.watchers) watcher.close();
    this.agent.destroy();
  }

  get tallies(): readonly WatcherTally[] {
    return this.watchers;
  }

  get distinctMessages(): number {
    return this.messages.size;
  }

  /** The bids the streams delivered, once each. */
  get deliveredBids(): DeliveredBid[] {
    return [...this.messages.values()].filter((bid): bid is DeliveredBid => bid !== null);
  }

  report(): StreamDeliveryReport {
    const opened = this.watchers.filter((w) => w.openError === undefined);
    const expectedPerWatcher = this.messages.size;
    const sum = (pick: (w: StreamWatcher) => number): number =>
      opened.reduce((total, w) => total + pick(w), 0);
    return {
      watchers: this.options.count,
      opened: opened.length,
      expectedPerWatcher,
      delivered: sum((w) => w.received),
      expected: expectedPerWatcher * opened.length,
      gaps: sum((w) => w.gaps),
      duplicates: sum((w) => w.duplicates),
      resyncs: sum((w) => w.resyncs),
      dropped: sum((w) => (w.dropped ? 1 : 0)),
      failedToOpen: this.watchers.length - opened.length,
      latency: summarizeLatency(this.histogram),
      openMs: this.openMs,
      settleMs: this.settleMs,
    };
  }
}

/** The bid of a `bid` message (API.md: the bid's view, with its `placedAt`). */
function parseBid(message: SseMessage): DeliveredBid | null {
  const position = parseAuctionPosition(message.id);
  const data = JSON.parse(message.data) as { bidId?: unknown; amount?: unknown; placedAt?: unknown };
  const committedAt = typeof data.placedAt === 'string' ? Date.parse(data.placedAt) : NaN;
  if (position === undefined || typeof data.bidId !== 'string' || Number.isNaN(committedAt)) return null;
  return { position, bidId: data.bidId, amount: Number(data.amount), committedAt };
}
