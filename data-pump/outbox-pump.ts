import type { Queue } from 'bullmq';
import { Predicates } from 'hazelcast-client';
import { CHANGE_JOB_NAME, changeJobId, type AggregateType, type ChangeRecord } from '../common/change-record.js';
import { CHANGE_JOB_OPTIONS, MAX_JOBS_PER_ADD } from '../common/change-queue.js';
import type { GridMaps } from '../common/grid-maps.js';
import type { Hold } from '../common/ticketing-model.js';
import type { JsonMap, Versioned } from '../common/json-map.js';
import type { Logger } from '../common/logger.js';
import { trimOutbox, type WithOutbox } from '../common/outbox.js';

type AnyAggregate = WithOutbox<unknown>;

const PUMPED: ReadonlyArray<{ aggregate: AggregateType; map: keyof Pick<GridMaps, 'events' | 'sections' | 'auctions'> }> = [
  { aggregate: 'event', map: 'events' },
  { aggregate: 'section', map: 'sections' },
  { aggregate: 'auction', map: 'auctions' },
];

export interface PumpOptions {
  log: Logger;
  /** Keys read from the grid per pass. */
  batchKeys?: number;
  /** An outbox entry older than this is re-pumped by the sweeper even if no listener event came. */
  staleMs?: number;
  sweepIntervalMs?: number;
  now?: () => number;
}

export interface PumpStats {
  jobsPumped: number;
  dirtyKeys: number;
  redisUp: boolean;
  lastError: string | null;
  /** ms between a change's commit in the grid and its arrival on the queue, last pass. */
  lastLagMs: number;
}

/**
 * Carries committed changes from the aggregates' outboxes to the change queue. The fast path is
 * an entry listener (the members push "key changed"); the sweeper finds anything the listener
 * missed (pump restarts, lost events) by querying for old outboxes. Per pass: read the dirty
 * aggregates, send every entry above the key's pump mark as one job (job id = key + version, so
 * re-sending is harmless), file closed holds in the holds map, then raise the pump marks, which
 * tells the units they may trim those entries on their next write.
 */
export class OutboxPump {
  private readonly dirty = new Map<AggregateType, Set<string>>(PUMPED.map((p) => [p.aggregate, new Set()]));
  private readonly marks = new Map<string, number>();
  private readonly listenerIds: Array<{ map: JsonMap<AnyAggregate>; id: string }> = [];
  private loop: Promise<void> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private failures = 0;
  readonly stats: PumpStats = { jobsPumped: 0, dirtyKeys: 0, redisUp: true, lastError: null, lastLagMs: 0 };

  constructor(
    private readonly maps: GridMaps,
    private readonly queue: Queue,
    private readonly options: PumpOptions,
  ) {}

  private mapOf(aggregate: AggregateType): JsonMap<AnyAggregate> {
    const entry = PUMPED.find((p) => p.aggregate === aggregate)!;
    return this.maps[entry.map] as unknown as JsonMap<AnyAggregate>;
  }

  async start(): Promise<void> {
    for (const { aggregate } of PUMPED) {
      const map = this.mapOf(aggregate);
      const changed = (event: { key: string }): void => this.markDirty(aggregate, event.key);
      const id = await map.map.addEntryListener({ added: changed, updated: changed }, undefined, false);
      this.listenerIds.push({ map, id });
    }
    await this.sweep();
    this.loop = this.run();
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepIntervalMs ?? 1_000);
    this.sweepTimer.unref();
  }

  /** Pumps until nothing is dirty (bounded by `timeoutMs`), then stops. For a clean shutdown. */
  async close(timeoutMs = 10_000): Promise<void> {
    clearInterval(this.sweepTimer);
    for (const { map, id } of this.listenerIds) await map.map.removeEntryListener(id).catch(() => false);
    await this.sweep();
    const deadline = Date.now() + timeoutMs;
    while (this.pendingKeys() > 0 && Date.now() < deadline && this.stats.redisUp) {
      await this.waitForPass();
    }
    if (this.pendingKeys() > 0) {
      this.options.log.warn({ keys: this.pendingKeys() }, 'stopping with changes not yet pumped: the next pump sends them');
    }
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  /** Finds outboxes the listener did not report, and lets idle keys drop entries already pumped. */
  async sweep(): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    for (const { aggregate } of PUMPED) {
      try {
        const keys = await this.mapOf(aggregate).keysWhere(
          Predicates.lessEqual('outboxSince', now - (this.options.staleMs ?? 2_000)),
        );
        for (const key of keys) this.markDirty(aggregate, key);
      } catch (err) {
        this.options.log.warn({ err, aggregate }, 'outbox sweep failed');
      }
    }
  }

  private pendingKeys(): number {
    let n = 0;
    for (const set of this.dirty.values()) n += set.size;
    return n;
  }

  private markDirty(aggregate: AggregateType, key: string): void {
    this.dirty.get(aggregate)!.add(key);
    this.stats.dirtyKeys = this.pendingKeys();
    this.wake?.();
  }

  private passWaiters: Array<() => void> = [];
  private waitForPass(): Promise<void> {
    return new Promise((resolve) => {
      this.passWaiters.push(resolve);
      this.wake?.();
    });
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      if (this.pendingKeys() === 0) {
        const waiters = this.passWaiters.splice(0);
        for (const w of waiters) w();
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      try {
        await this.pass();
        this.failures = 0;
        if (!this.stats.redisUp) this.options.log.info('the change queue is reachable again: draining outboxes');
        this.stats.redisUp = true;
        this.stats.lastError = null;
      } catch (err) {
        this.failures += 1;
        if (this.stats.redisUp) {
          this.options.log.warn(
            { err, dirtyKeys: this.pendingKeys() },
            'cannot reach the change queue: writes go on, outboxes grow until it is back',
          );
        }
        this.stats.redisUp = false;
        this.stats.lastError = err instanceof Error ? err.message : String(err);
        const waiters = this.passWaiters.splice(0);
        for (const w of waiters) w();
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** this.failures, 2_000)));
      }
    }
  }

  /** One pass over (some of) the dirty keys of every aggregate type. */
  private async pass(): Promise<void> {
    const limit = this.options.batchKeys ?? 500;
    for (const { aggregate } of PUMPED) {
      const set = this.dirty.get(aggregate)!;
      if (set.size === 0) continue;
      const keys = [...set].slice(0, limit);
      for (const key of keys) set.delete(key);
      try {
        await this.pumpKeys(aggregate, keys);
      } catch (err) {
        for (const key of keys) set.add(key);
        throw err;
      }
    }
    this.stats.dirtyKeys = this.pendingKeys();
    const waiters = this.passWaiters.splice(0);
    for (const w of waiters) w();
  }

  private async pumpKeys(aggregate: AggregateType, keys: string[]): Promise<void> {
    const map = this.mapOf(aggregate);
    await this.loadMarks(keys);
    const stored = await map.getAll(keys);
    const records: ChangeRecord[] = [];
    const closedHolds: Array<[string, Hold]> = [];
    const newMarks: Array<[string, number]> = [];
    const idle: Array<[string, Versioned<AnyAggregate>]> = [];
    const now = (this.options.now ?? Date.now)();
    let oldest = now;
    for (const [key, current] of stored) {
      const mark = this.marks.get(key) ?? 0;
      const fresh = current.value.outbox.filter((entry) => entry.version > mark);
      if (fresh.length === 0) {
        if (current.value.outbox.length > 0 && now - (current.value.outboxSince ?? now) > (this.options.staleMs ?? 2_000)) {
          idle.push([key, current]);
        }
        continue;
      }
      for (const entry of fresh) {
        records.push({ aggregate, key, version: entry.version, at: entry.at, snapshot: entry.snapshot, events: entry.events } as ChangeRecord);
        oldest = Math.min(oldest, entry.at);
        for (const event of entry.events) {
          if (event.type === 'HoldPurchased' || event.type === 'HoldReleased' || event.type === 'HoldExpired') {
            closedHolds.push([event.hold.holdId, event.hold]);
          }
        }
      }
      newMarks.push([key, fresh[fresh.length - 1]!.version]);
    }
    for (let i = 0; i < records.length; i += MAX_JOBS_PER_ADD) {
      await this.queue.addBulk(
        records.slice(i, i + MAX_JOBS_PER_ADD).map((record) => ({
          name: CHANGE_JOB_NAME,
          data: record,
          opts: { ...CHANGE_JOB_OPTIONS, jobId: changeJobId(record) },
        })),
      );
    }
    // Closed holds must be findable before the units may drop them from the outbox.
    await this.maps.holds.setAll(closedHolds);
    if (newMarks.length > 0) {
      await this.maps.pumpMarks.setAll(newMarks);
      for (const [key, version] of newMarks) this.marks.set(key, version);
    }
    this.stats.jobsPumped += records.length;
    if (records.length > 0) this.stats.lastLagMs = now - oldest;
    await this.trimIdle(map, idle);
  }

  /** Loads pump marks this process has not seen (after a restart, or keys pumped by another pump). */
  private async loadMarks(keys: string[]): Promise<void> {
    const unknown = keys.filter((key) => !this.marks.has(key));
    if (unknown.length === 0) return;
    for (const [key, version] of await this.maps.pumpMarks.getAll(unknown)) {
      if (version != null) this.marks.set(key, Number(version));
    }
  }

  /** An idle aggregate whose outbox is all pumped gets it trimmed here (units trim busy ones). */
  private async trimIdle(map: JsonMap<AnyAggregate>, idle: Array<[string, Versioned<AnyAggregate>]>): Promise<void> {
    await Promise.all(
      idle.map(([key, current]) =>
        map.replaceIfSame(key, current.raw, trimOutbox(current.value, this.marks.get(key))).catch(() => null),
      ),
    );
  }
}
