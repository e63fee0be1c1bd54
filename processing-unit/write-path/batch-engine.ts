import { setTimeout as sleep } from 'node:timers/promises';
import type { DomainEvent } from '../../common/change-record.js';
import { ContentionError, RetryLaterError, SpacegridError } from '../../common/errors.js';
import type { JsonMap, Versioned } from '../../common/json-map.js';
import type { Logger } from '../../common/logger.js';
import { appendOutbox, trimOutbox, type GridAggregate, type OutboxEntry } from '../../common/outbox.js';
import type { AggregateRules } from './aggregate-rules.js';

/** How the engine treats one key: its rules, the context its commands need, how to create it. */
export interface KeySpec<S extends GridAggregate<Snap>, C, R, Ctx, Snap> {
  rules: AggregateRules<S, C, R, Ctx, Snap>;
  /** What the commands of a batch need besides the state (may read the grid: once per batch). */
  context(now: number, state: S, commands: readonly C[]): Ctx | Promise<Ctx>;
  /** Runs after a batch committed and before its callers are answered (must not throw). */
  afterCommit?(events: readonly DomainEvent[]): Promise<void>;
  /**
   * Whether a command starts new work (a hold, a bid), which backpressure may refuse, rather than
   * finishing work already committed elsewhere (settling a purchase), which must go through.
   */
  sheddable(command: C): boolean;
  /**
   * When the key is absent: the aggregate to create, or 'restored' once it was put back in the grid
   * (read it again). Throws to refuse every command (not found; lost and being restored).
   */
  absent(key: string): Promise<S | 'restored'>;
}

/** How often an absent key is asked for (restored, then gone again) before the batch gives up. */
const ABSENT_ATTEMPTS = 3;

export interface BatchEngineOptions {
  log: Logger;
  /** Largest number of commands applied in one compare-and-set. */
  maxBatch?: number;
  /** Commands waiting on one key beyond which new ones are refused with 429. */
  maxQueuePerKey?: number;
  /** CAS attempts per batch before giving up with 429. */
  maxAttempts?: number;
  /**
   * Backpressure from the write-behind: a batch that would add to an aggregate whose outbox already
   * holds this many changes not yet stored, or whose oldest one is older than `maxAgeMs`, is refused
   * with 429 OVERLOADED and Retry-After instead (reads and refusals still work). Unset: no bound.
   */
  writeBehindBound?: { maxEntries: number; maxAgeMs: number };
  /** Highest outbox version the pump has delivered, per key (entries up to it are trimmed). */
  pumpedUpTo?: (key: string) => number | undefined;
  now?: () => number;
  onBatch?: (info: { map: string; size: number; attempts: number; ms: number }) => void;
}

interface Pending<C, R> {
  command: C;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

interface KeyQueue<S extends GridAggregate<Snap>, C, R, Ctx, Snap> {
  spec: KeySpec<S, C, R, Ctx, Snap>;
  items: Pending<C, R>[];
}

type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * An aggregate as this unit last committed it: the exact raw value (what the next compare-and-set
 * expects) and the same document in two parts, the aggregate without its outbox as JSON text and
 * the outbox's entries. Under load a hot section's outbox is nearly all of its 100-200 KB and
 * changes only at its ends, so a batch parses the small part and re-encodes only its new entry.
 */
interface Committed<S, Snap> {
  raw: Versioned<S>['raw'];
  head: string;
  outbox: Array<OutboxEntry<Snap>>;
}

/**
 * The JSON text of each outbox entry, encoded once. Entries are never changed once appended (a
 * batch replaces the outbox array, not its elements), so the text stays true for as long as the
 * entry lives; an entry read from the grid is a new object and is encoded afresh.
 */
const entryJson = new WeakMap<object, string>();

function encodeEntry(entry: object): string {
  let json = entryJson.get(entry);
  if (json === undefined) entryJson.set(entry, (json = JSON.stringify(entry)));
  return json;
}

/**
 * The single writer of each key in this unit, with group commit. Commands for one key queue up;
 * one batch at a time reads the aggregate, applies every queued command in order with the pure
 * rules, and writes back once with `replaceIfSame`. If another unit wrote meanwhile the batch is
 * re-read and re-applied; callers are answered only after their batch is committed.
 */
export class BatchEngine<S extends GridAggregate<Snap>, C, R, Ctx, Snap> {
  private readonly queues = new Map<string, KeyQueue<S, C, R, Ctx, Snap>>();
  private readonly maxBatch: number;
  private readonly maxQueuePerKey: number;
  private readonly maxAttempts: number;
  private readonly now: () => number;
  private inFlight = 0;
  /**
   * The raw value this unit last committed per key. With affinity this unit is almost always the
   * only writer of its keys, so a batch starts from here instead of reading the grid: one round
   * trip per batch instead of two. A stale entry only costs a failed compare-and-set and a re-read.
   */
  private readonly lastCommitted = new Map<string, Committed<S, Snap>>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly map: JsonMap<S>,
    private readonly options: BatchEngineOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxQueuePerKey = options.maxQueuePerKey ?? 20_000;
    this.maxAttempts = options.maxAttempts ?? 50;
    this.now = options.now ?? Date.now;
  }

  /** Commands waiting or being applied, over all keys. */
  get pending(): number {
    return this.inFlight;
  }

  submit(key: string, spec: KeySpec<S, C, R, Ctx, Snap>, command: C): Promise<R> {
    let queue = this.queues.get(key);
    if (queue && queue.items.length >= this.maxQueuePerKey) {
      return Promise.reject(new RetryLaterError('OVERLOADED', `too many requests waiting on ${key}`, 1));
    }
    return new Promise<R>((resolve, reject) => {
      this.inFlight += 1;
      const item: Pending<C, R> = {
        command,
        resolve: (value) => {
          this.settled();
          resolve(value);
        },
        reject: (err) => {
          this.settled();
          reject(err);
        },
      };
      if (queue) {
        queue.items.push(item);
        return;
      }
      queue = { spec, items: [item] };
      this.queues.set(key, queue);
      // Let commands that arrive in the same turn of the event loop join the first batch.
      setImmediate(() => void this.drain(key));
    });
  }

  /** Resolves when no command is waiting or being applied. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private settled(): void {
    this.inFlight -= 1;
    if (this.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    try {
      while (queue.items.length > 0) {
        const batch = queue.items.splice(0, this.maxBatch);
        try {
          const outcomes = await this.commit(
            key,
            queue.spec,
            batch.map((p) => p.command),
          );
          outcomes.forEach((outcome, i) => {
            if (outcome.ok) batch[i]!.resolve(outcome.value);
            else batch[i]!.reject(outcome.error);
          });
        } catch (err) {
          if (!(err instanceof SpacegridError)) {
            this.options.log.error({ err, key, size: batch.length }, 'batch failed');
          }
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.queues.delete(key);
    }
  }

  private async commit(key: string, spec: KeySpec<S, C, R, Ctx, Snap>, commands: C[]): Promise<Outcome<R>[]> {
    const started = performance.now();
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      const cached = this.lastCommitted.get(key);
      const current: Versioned<S> = cached
        ? { raw: cached.raw, value: { ...(JSON.parse(cached.head) as S), outbox: cached.outbox.slice() } }
        : await this.readOrCreate(key, spec);
      const now = this.now();
      const state = current.value;
      const outboxBefore = state.outbox.length;
      trimOutbox<Snap, S>(state, this.options.pumpedUpTo?.(key));
      const trimmed = state.outbox.length !== outboxBefore;

      const events: DomainEvent[] = [];
      const apply = (produced: DomainEvent[]): void => {
        for (const event of produced) spec.rules.evolve(state, event);
        events.push(...produced);
      };
      // Backpressure: past the write-behind's bound, new work is refused; work that finishes what
      // was already committed (a purchase settling, an expiry, a close) still goes through.
      const behind = this.writeBehindBehind(state, now);
      const shed =
        behind === undefined
          ? undefined
          : new RetryLaterError('OVERLOADED', `${behind} on ${key}: retry later`, 2);
      apply(spec.rules.due(state, now));
      const context = await spec.context(now, state, commands);
      const outcomes: Outcome<R>[] = commands.map((command) => {
        if (shed && spec.sheddable(command)) return { ok: false, error: shed };
        try {
          const decision = spec.rules.decide(state, command, context);
          apply(decision.events);
          return { ok: true, value: decision.result };
        } catch (error) {
          return { ok: false, error };
        }
      });

      if (events.length === 0 && !trimmed) {
        // Nothing to write: the answers stand only if they were decided on the current value.
        if (!cached || (await this.isCurrent(key, cached.raw))) return outcomes;
        this.lastCommitted.delete(key);
        continue;
      }
      if (events.length > 0) {
        state.version += 1;
        appendOutbox<Snap, S>(state, {
          version: state.version,
          at: now,
          snapshot: spec.rules.snapshot(state),
          events,
        });
      }
      state.nextDeadline = spec.rules.nextDeadline(state);
      const committed = this.encode(state);
      if (await this.map.replaceRawIfSame(key, current.raw, committed.raw)) {
        this.remember(key, committed);
        if (events.length > 0) await spec.afterCommit?.(events);
        this.options.onBatch?.({
          map: this.map.name,
          size: commands.length,
          attempts: attempt,
          ms: performance.now() - started,
        });
        return outcomes;
      }
      this.lastCommitted.delete(key);
      // A first failure is usually a stale cache: re-read at once. Failing again means another unit
      // is writing this key right now: back off a random, growing while (up to 64 ms), so the two do
      // not collide in lockstep until the attempts run out (seen on a loaded machine: 429s).
      if (attempt > 1) await sleep(Math.random() * Math.min(2 ** attempt, 64));
    }
    this.options.log.warn({ key, attempts: this.maxAttempts }, 'cas retry limit');
    throw new ContentionError(key, this.maxAttempts);
  }

  /** Why the write-behind is too far behind on this aggregate to take more changes, if it is. */
  private writeBehindBehind(state: S, now: number): string | undefined {
    const bound = this.options.writeBehindBound;
    if (!bound) return undefined;
    if (state.outbox.length >= bound.maxEntries)
      return `the write-behind is behind: ${state.outbox.length} changes not yet stored in Postgres`;
    if (state.outboxSince !== null && now - state.outboxSince > bound.maxAgeMs)
      return `the write-behind is behind: a change has waited ${Math.round((now - state.outboxSince) / 1000)} s to be stored in Postgres`;
    return undefined;
  }

  private async isCurrent(key: string, raw: Versioned<S>['raw']): Promise<boolean> {
    const stored = await this.map.get(key);
    return stored?.raw.toString() === raw.toString();
  }

  /** The document for the grid: the aggregate without its outbox, then the outbox, entry by entry. */
  private encode(state: S): Committed<S, Snap> {
    const { outbox, ...rest } = state;
    return { ...this.map.encodeWithTail(rest, 'outbox', outbox.map(encodeEntry)), outbox };
  }

  private remember(key: string, committed: Committed<S, Snap>): void {
    this.lastCommitted.delete(key);
    this.lastCommitted.set(key, committed);
    if (this.lastCommitted.size > 10_000) this.lastCommitted.delete(this.lastCommitted.keys().next().value!);
  }

  private async readOrCreate(key: string, spec: KeySpec<S, C, R, Ctx, Snap>): Promise<Versioned<S>> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.map.get(key);
      if (current) return current;
      if (attempt > ABSENT_ATTEMPTS)
        throw new RetryLaterError('RESTORING', `${key} was restored but is missing from the grid again`);
      const fresh = await spec.absent(key);
      if (fresh !== 'restored') await this.map.putIfAbsent(key, fresh);
    }
  }
}
