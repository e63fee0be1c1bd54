import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Predicates } from 'hazelcast-client';
import {
  aggregateId,
  CHANGE_JOB_NAME,
  changeJobId,
  type AggregateType,
  type ChangeRecord,
} from '../common/change-record.js';
import { CHANGE_JOB_OPTIONS, MAX_JOBS_PER_ADD } from '../common/change-queue.js';
import type { GridMaps } from '../common/grid-maps.js';
import { holdEntryOf, holdKeyOf, isHoldClosing } from '../common/hold-entry.js';
import type { Hold, HoldEntry } from '../common/ticketing-model.js';
import type { JsonMap, Versioned } from '../common/json-map.js';
import type { Logger } from '../common/logger.js';
import { trimOutbox, type WithOutbox } from '../common/outbox.js';

type AnyAggregate = WithOutbox<unknown>;

/**
 * How often sent jobs are checked for completion, which is how long a written change may stay in its
 * aggregate's outbox. 50 ms measured 5–10 % less CPU per hold than 200 once the pump lingered
 * (units and members move smaller aggregates); the look at Redis costs little more.
 */
export const DEFAULT_CONFIRM_INTERVAL_MS = 50;

const PUMPED: ReadonlyArray<{
  aggregate: AggregateType;
  map: keyof Pick<GridMaps, 'events' | 'sections' | 'auctions'>;
}> = [
  { aggregate: 'event', map: 'events' },
  { aggregate: 'section', map: 'sections' },
  { aggregate: 'auction', map: 'auctions' },
];

export interface PumpOptions {
  log: Logger;
  /** Keys read from the grid per pass. */
  batchKeys?: number;
  /**
   * How long a pass waits once there is something to pump, so that it carries every commit of that
   * while: one read of each dirty aggregate and one send for all of them, instead of one of each per
   * commit. A pass that already has `batchKeys` keys does not wait. Default 0 (no wait).
   */
  lingerMs?: number;
  /** An outbox entry older than this is re-pumped by the sweeper even if no listener event came. */
  staleMs?: number;
  sweepIntervalMs?: number;
  /** How often sent jobs are checked for completion (default `DEFAULT_CONFIRM_INTERVAL_MS`). */
  confirmIntervalMs?: number;
  /** A job neither completed nor on the queue after this long is sent again (Redis lost it). */
  resendAfterMs?: number;
  /**
   * How long a closed hold's entry stays in the grid once its closing is in Postgres (default: for
   * ever). Reads of it after that are answered from Postgres, through the data reader.
   */
  closedHoldRetentionMs?: number;
  /**
   * Whether the grid client is connected now (default: always). While it is not, every grid call
   * would fail at once: the pump waits instead of sweeping, pumping or confirming, and does not
   * blame Redis for it. Listeners and dirty keys survive the outage; the sweeper finds the rest.
   */
  gridConnected?: () => boolean;
  now?: () => number;
}

export interface PumpStats {
  jobsPumped: number;
  /** Passes that read dirty aggregates from the grid (jobs per pass = how much a linger gathers). */
  passes: number;
  dirtyKeys: number;
  redisUp: boolean;
  lastError: string | null;
  /** ms between a change's commit in the grid and its arrival on the queue, last pass. */
  lastLagMs: number;
}

/** A pump's stats before its first pass. */
export function initialPumpStats(): PumpStats {
  return { jobsPumped: 0, passes: 0, dirtyKeys: 0, redisUp: true, lastError: null, lastLagMs: 0 };
}

/**
 * Carries committed changes from the aggregates' outboxes to the change queue. The fast path is
 * an entry listener (the members push "key changed"); the sweeper finds anything the listener
 * missed (pump restarts, lost events) by querying for old outboxes. Per pass: read the dirty
 * aggregates, send every entry not yet sent as one job (job id = key + version, so re-sending is
 * harmless) and file closed holds in the holds map.
 *
 * An entry leaves the outbox only once a writer has committed it to Postgres, not when it is
 * queued: Redis keeps nothing on disk, and a Redis that restarts empty must not lose a change.
 * So the pump confirms its jobs (one pipelined look at the queue's completed set per tick),
 * raises each key's pump mark to the highest version below which every job completed, and
 * re-sends jobs that vanished. Units trim entries at or below the mark on their next write.
 */
export class OutboxPump {
  private readonly dirty = new Map<AggregateType, Set<string>>(PUMPED.map((p) => [p.aggregate, new Set()]));
  /** Each aggregate's pump mark, by {@link aggregateId} (as in the grid's pump-marks map). */
  private readonly marks = new Map<string, number>();
  /** Jobs sent and not yet confirmed, per aggregate id: version -> when it was sent. */
  private readonly inflight = new Map<string, Map<number, { record: ChangeRecord; sentAt: number }>>();
  /** Highest version sent per aggregate id. */
  private readonly sent = new Map<string, number>();
  private confirmTimer: NodeJS.Timeout | undefined;
  private confirming: Promise<void> | undefined;
  private readonly listenerIds: Array<{ map: JsonMap<AnyAggregate>; id: string }> = [];
  private loop: Promise<void> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Closing: passes no longer linger. */
  private closing = false;
  private wake: (() => void) | undefined;
  private failures = 0;
  readonly stats: PumpStats = initialPumpStats();

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
      const id = await map.onChange((key) => this.markDirty(aggregate, key));
      this.listenerIds.push({ map, id });
    }
    await this.sweep();
    this.loop = this.run();
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepIntervalMs ?? 1_000);
    this.sweepTimer.unref();
    this.confirmTimer = setInterval(() => {
      if (!this.confirming) this.confirming = this.confirm().finally(() => (this.confirming = undefined));
    }, this.options.confirmIntervalMs ?? DEFAULT_CONFIRM_INTERVAL_MS);
    this.confirmTimer.unref();
  }

  /** Pumps until nothing is dirty (bounded by `timeoutMs`), then stops. For a clean shutdown. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.closing = true;
    clearInterval(this.sweepTimer);
    clearInterval(this.confirmTimer);
    await this.confirming;
    for (const { map, id } of this.listenerIds) await map.map.removeEntryListener(id).catch(() => false);
    await this.sweep();
    const deadline = Date.now() + timeoutMs;
    while (this.pendingKeys() > 0 && Date.now() < deadline && this.stats.redisUp) {
      await this.waitForPass();
    }
    if (this.pendingKeys() > 0) {
      this.options.log.warn(
        { keys: this.pendingKeys() },
        'stopping with changes not yet pumped: the next pump sends them',
      );
    }
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  /** Finds outboxes the listener did not report, and lets idle keys drop entries already pumped. */
  async sweep(): Promise<void> {
    if (!this.gridUp()) return;
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

  private gridUp(): boolean {
    return this.options.gridConnected?.() ?? true;
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
        await this.linger();
        await this.pass();
        this.failures = 0;
        if (!this.stats.redisUp)
          this.options.log.info('the change queue is reachable again: draining outboxes');
        this.stats.redisUp = true;
        this.stats.lastError = null;
      } catch (err) {
        this.failures += 1;
        if (!this.gridUp()) {
          // The grid, not Redis, is away: wait for the client to reconnect, quietly.
          const waiters = this.passWaiters.splice(0);
          for (const w of waiters) w();
          await new Promise((resolve) => setTimeout(resolve, 500));
          continue;
        }
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

  /** Waits the linger out, unless a pass is already full or the pump is closing. */
  private async linger(): Promise<void> {
    const lingerMs = this.options.lingerMs ?? 0;
    if (lingerMs <= 0 || this.closing || this.pendingKeys() >= (this.options.batchKeys ?? 500)) return;
    await new Promise((resolve) => setTimeout(resolve, lingerMs));
  }

  /** One pass over (some of) the dirty keys of every aggregate type. */
  private async pass(): Promise<void> {
    const limit = this.options.batchKeys ?? 500;
    this.stats.passes += 1;
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
    await this.loadMarks(keys.map((key) => aggregateId(aggregate, key)));
    const stored = await map.getAll(keys);
    const records: ChangeRecord[] = [];
    const closedHolds: Array<[string, HoldEntry]> = [];
    const placedHolds: Hold[] = [];
    const idle: Array<[string, Versioned<AnyAggregate>]> = [];
    const now = (this.options.now ?? Date.now)();
    let oldest = now;
    for (const [key, current] of stored) {
      const id = aggregateId(aggregate, key);
      const mark = this.marks.get(id) ?? 0;
      const after = Math.max(mark, this.sent.get(id) ?? 0);
      const fresh = current.value.outbox.filter((entry) => entry.version > after);
      if (fresh.length === 0) {
        const allPersisted = current.value.outbox.every((entry) => entry.version <= mark);
        if (allPersisted && current.value.outbox.length > 0) idle.push([key, current]);
        continue;
      }
      for (const entry of fresh) {
        records.push({
          aggregate,
          key,
          version: entry.version,
          at: entry.at,
          snapshot: entry.snapshot,
          events: entry.events,
        } as ChangeRecord);
        oldest = Math.min(oldest, entry.at);
        for (const event of entry.events) {
          if (isHoldClosing(event)) closedHolds.push([holdKeyOf(event.hold), holdEntryOf(event.hold)]);
          else if (event.type === 'HoldPlaced') placedHolds.push(event.hold);
        }
      }
    }
    // Hold entries must be right before these outbox entries can ever be trimmed, so they are filed
    // before the jobs count as sent: new holds exist (their unit files them before answering; this
    // covers a unit that died first), and closed holds are marked settled, so no late duplicate
    // settle can apply twice. If filing fails, nothing counts as sent and the next pass retries all.
    await this.fileNewHolds(placedHolds);
    await this.maps.holds.setAll(closedHolds);
    await this.send(records, now);
    this.stats.jobsPumped += records.length;
    if (records.length > 0) this.stats.lastLagMs = now - oldest;
    await this.trimIdle(aggregate, map, idle);
  }

  private async send(records: ChangeRecord[], now: number): Promise<void> {
    for (let i = 0; i < records.length; i += MAX_JOBS_PER_ADD) {
      const chunk = records.slice(i, i + MAX_JOBS_PER_ADD);
      await this.queue.addBulk(
        chunk.map((record) => ({
          name: CHANGE_JOB_NAME,
          data: record,
          opts: { ...CHANGE_JOB_OPTIONS, jobId: changeJobId(record) },
        })),
      );
      for (const record of chunk) {
        const id = aggregateId(record.aggregate, record.key);
        let versions = this.inflight.get(id);
        if (!versions) this.inflight.set(id, (versions = new Map()));
        versions.set(record.version, { record, sentAt: now });
        this.sent.set(id, Math.max(this.sent.get(id) ?? 0, record.version));
      }
    }
  }

  /**
   * Which sent jobs have been written? One pipelined round trip asks Redis for each job whether it
   * is in the completed set, or still exists at all. Marks rise over completed prefixes; vanished
   * jobs are sent again.
   */
  async confirm(): Promise<void> {
    const pending: Array<{
      /** The aggregate's id, as {@link aggregateId} makes it. */
      key: string;
      version: number;
      jobId: string;
      sentAt: number;
      record: ChangeRecord;
    }> = [];
    for (const [key, versions] of this.inflight) {
      for (const [version, { sentAt, record }] of versions)
        pending.push({ key, version, jobId: changeJobId(record), sentAt, record });
    }
    if (pending.length === 0 || !this.gridUp()) return;
    let answers: Array<[Error | null, unknown]>;
    try {
      const redis = (await this.queue.client) as unknown as Redis;
      const pipeline = redis.pipeline();
      const completed = this.queue.toKey('completed');
      for (const job of pending) {
        pipeline.zscore(completed, job.jobId);
        pipeline.exists(this.queue.toKey(job.jobId));
      }
      answers = ((await pipeline.exec()) ?? []) as Array<[Error | null, unknown]>;
    } catch {
      return; // Redis is away: nothing can be confirmed now, and nothing is trimmed.
    }
    const now = (this.options.now ?? Date.now)();
    const lost: ChangeRecord[] = [];
    const written: ChangeRecord[] = [];
    pending.forEach((job, i) => {
      const done = answers[2 * i]?.[1] != null;
      const exists = Number(answers[2 * i + 1]?.[1] ?? 0) === 1;
      if (done) {
        this.inflight.get(job.key)?.delete(job.version);
        written.push(job.record);
      } else if (!exists && now - job.sentAt > (this.options.resendAfterMs ?? 2_000)) lost.push(job.record);
    });
    const raised: Array<[string, number]> = [];
    for (const key of new Set(pending.map((job) => job.key))) {
      const versions = this.inflight.get(key);
      const lowestOpen = versions && versions.size > 0 ? Math.min(...versions.keys()) : undefined;
      const through = lowestOpen === undefined ? (this.sent.get(key) ?? 0) : lowestOpen - 1;
      if (versions && versions.size === 0) this.inflight.delete(key);
      if (through > (this.marks.get(key) ?? 0)) {
        this.marks.set(key, through);
        raised.push([key, through]);
      }
    }
    try {
      if (raised.length > 0) await this.maps.pumpMarks.setAll(raised);
      await this.removeConfirmed(written);
      if (lost.length > 0) {
        this.options.log.warn(
          { jobs: lost.length },
          'change jobs vanished from the queue (Redis restarted?): sending them again',
        );
        await this.send(lost, now);
      }
    } catch (err) {
      this.options.log.warn({ err }, 'confirming change jobs failed: will retry');
    }
    await this.retireClosedHolds(written);
  }

  /**
   * Deletes from Redis the completed jobs now at or below their key's mark, stored in the grid: a
   * restarted pump starts from the marks, so nothing will ever send or look for these jobs again.
   * Kept, each held its whole change (~5-7 KB under load) for the queue's `removeOnComplete` age:
   * 62-64 MB of Redis after a 60 s flash sale here. A job that completed above a gap (an earlier
   * version still open) stays until that age: a restart would send it again, and find it.
   * Deletes what BullMQ's own removal deletes for a job without parent, children or deduplication.
   * Best effort: a job left behind costs memory until that age, nothing else.
   */
  private async removeConfirmed(written: ChangeRecord[]): Promise<void> {
    const confirmed = written.filter(
      (record) => record.version <= (this.marks.get(aggregateId(record.aggregate, record.key)) ?? 0),
    );
    if (confirmed.length === 0) return;
    try {
      const redis = (await this.queue.client) as unknown as Redis;
      const pipeline = redis.pipeline();
      const jobIds = confirmed.map(changeJobId);
      pipeline.zrem(this.queue.toKey('completed'), ...jobIds);
      for (const jobId of jobIds) {
        const jobKey = this.queue.toKey(jobId);
        pipeline.del(jobKey, `${jobKey}:logs`, `${jobKey}:dependencies`, `${jobKey}:processed`);
      }
      await pipeline.exec();
    } catch (err) {
      this.options.log.debug({ err, jobs: confirmed.length }, 'confirmed jobs not removed from Redis');
    }
  }

  /**
   * Closed holds whose closing is now in Postgres get the moment they leave the grid (`retireAt`,
   * now plus the retention), in one write per section's partition; the janitor removes them then.
   * Only holds: sections, events and auctions are as many as the catalog, not as the traffic.
   * Best effort: a hold that gets no `retireAt` (the pump died here) only costs memory.
   */
  private async retireClosedHolds(written: ChangeRecord[]): Promise<void> {
    const retention = this.options.closedHoldRetentionMs;
    if (retention === undefined || written.length === 0) return;
    const retireAt = (this.options.now ?? Date.now)() + retention;
    const retiring = written.flatMap((record) =>
      record.events.flatMap((event): Array<[string, HoldEntry]> =>
        isHoldClosing(event) ? [[holdKeyOf(event.hold), { ...holdEntryOf(event.hold), retireAt }]] : [],
      ),
    );
    try {
      await this.maps.holds.setAll(retiring);
    } catch (err) {
      this.options.log.warn(
        { err, holds: retiring.length },
        'closed holds stay in the grid: marking them failed',
      );
    }
  }

  private async fileNewHolds(placed: Hold[]): Promise<void> {
    if (placed.length === 0) return;
    const existing = await this.maps.holds.getAll(placed.map(holdKeyOf));
    await Promise.all(
      placed
        .filter((h) => !existing.has(holdKeyOf(h)))
        .map((h) => this.maps.holds.putIfAbsent(holdKeyOf(h), holdEntryOf(h))),
    );
  }

  /** Loads pump marks this process has not seen (after a restart, or keys pumped by another pump). */
  private async loadMarks(ids: string[]): Promise<void> {
    const unknown = ids.filter((id) => !this.marks.has(id));
    if (unknown.length === 0) return;
    for (const [id, version] of await this.maps.pumpMarks.getAll(unknown)) {
      if (version != null) this.marks.set(id, Number(version));
    }
  }

  /** An idle aggregate whose outbox is all pumped gets it trimmed here (units trim busy ones). */
  private async trimIdle(
    aggregate: AggregateType,
    map: JsonMap<AnyAggregate>,
    idle: Array<[string, Versioned<AnyAggregate>]>,
  ): Promise<void> {
    await Promise.all(
      idle.map(([key, current]) =>
        map
          .replaceIfSame(
            key,
            current.raw,
            trimOutbox(current.value, this.marks.get(aggregateId(aggregate, key))),
          )
          .catch(() => null),
      ),
    );
  }
}
