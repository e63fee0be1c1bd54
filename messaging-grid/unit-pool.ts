import { Client, Pool } from 'undici';
import type { Logger } from '../common/logger.js';
import { normalizeUnitUrls } from './unit-url.js';

export type UnitState = 'ready' | 'down';

/** A unit as `GET /admin/units` shows it. */
export interface UnitStatus {
  url: string;
  state: UnitState;
  /** Why, for people: "ready", "readyz answered 503: grid warming", "connect ECONNREFUSED ...". */
  reason: string;
  /** When the unit entered its current state (ISO-8601). */
  since: string;
  lastCheckAt: string | null;
}

/** A unit as the proxy sees it: its id (the normalized base URL) and a keep-alive connection pool. */
export interface UnitTarget {
  readonly url: string;
  readonly dispatcher: Pool;
}

export interface UnitPoolOptions {
  healthIntervalMs: number;
  healthTimeoutMs: number;
  /** Keep-alive connections per unit for proxied traffic. */
  connections: number;
  log: Logger;
}

class UnitEntry implements UnitTarget {
  state: UnitState = 'down';
  reason = 'not checked yet';
  since = Date.now();
  lastCheckAt: number | undefined;
  /** Bumped by every `markDown`: a health check that started before it cannot bring the unit back. */
  generation = 0;
  checking: Promise<void> | undefined;
  removed = false;
  readonly abort = new AbortController();

  constructor(
    readonly url: string,
    readonly dispatcher: Pool,
    /** Its own connection, so health checks never queue behind proxied traffic. */
    readonly health: Client,
  ) {}

  status(): UnitStatus {
    return {
      url: this.url,
      state: this.state,
      reason: this.reason,
      since: new Date(this.since).toISOString(),
      lastCheckAt: this.lastCheckAt === undefined ? null : new Date(this.lastCheckAt).toISOString(),
    };
  }
}

/**
 * The processing units and their health. Polls each unit's `GET /readyz`; a unit serves traffic
 * only while its last check said ready and the proxy has not since seen it fail. The set can be
 * replaced at runtime (`setUnits`), which is how the deploy manager scales.
 */
export class UnitPool {
  private readonly options: UnitPoolOptions;
  private readonly log: Logger;
  private readonly entries = new Map<string, UnitEntry>();
  private readonly closing = new Set<Promise<void>>();
  private readyUnits: readonly UnitEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(urls: readonly string[], options: UnitPoolOptions) {
    this.options = options;
    this.log = options.log;
    for (const url of normalizeUnitUrls(urls)) this.entries.set(url, this.createEntry(url));
  }

  /** The units ready to serve. The same array until the set or a state changes, so callers may cache by identity. */
  get ready(): readonly UnitTarget[] {
    return this.readyUnits;
  }

  get size(): number {
    return this.entries.size;
  }

  list(): UnitStatus[] {
    return [...this.entries.values()].map((entry) => entry.status());
  }

  /** Checks every unit once (so a grid that starts after its units is ready at once), then keeps polling. */
  async start(): Promise<void> {
    await this.checkAll();
    if (this.closed) return;
    this.timer = setInterval(() => void this.checkAll(), this.options.healthIntervalMs);
    this.timer.unref();
  }

  /** The proxy saw the unit fail (connection refused or reset, or a 503 NOT_READY): no traffic until a check passes. */
  markDown(unit: UnitTarget, reason: string): void {
    const entry = this.entries.get(unit.url);
    if (entry === undefined || entry !== unit) return;
    entry.generation++;
    this.setState(entry, 'down', reason);
  }

  /**
   * Replaces the set of units. Units that leave stop getting new requests at once; requests
   * already sent or queued to them finish. Resolves when every new unit has had its first health
   * check and every unit that left has no request of ours in flight (so it may be stopped).
   * Throws `ValidationError` for a malformed URL, changing nothing.
   */
  async setUnits(urls: readonly string[]): Promise<void> {
    if (this.closed) throw new Error('unit pool is closed');
    const wanted = normalizeUnitUrls(urls);
    const keep = new Set(wanted);
    const removed: string[] = [];
    const retired: Array<Promise<void>> = [];
    for (const [url, entry] of this.entries) {
      if (keep.has(url)) continue;
      this.entries.delete(url);
      retired.push(this.retire(entry));
      removed.push(url);
    }
    const added: UnitEntry[] = [];
    for (const url of wanted) {
      if (this.entries.has(url)) continue;
      const entry = this.createEntry(url);
      this.entries.set(url, entry);
      added.push(entry);
    }
    if (removed.length === 0 && added.length === 0) return;
    this.rebuildReady();
    this.log.info({ added: added.map((e) => e.url), removed, units: wanted }, 'unit set changed');
    await Promise.all([...added.map((entry) => this.check(entry)), ...retired]);
  }

  /** Stops polling and closes every connection; requests still running on them finish first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const entry of this.entries.values()) void this.retire(entry);
    this.entries.clear();
    this.readyUnits = [];
    await Promise.all(this.closing);
  }

  private createEntry(url: string): UnitEntry {
    const dispatcher = new Pool(url, {
      connections: this.options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connectTimeout: Math.min(2_000, this.options.healthTimeoutMs * 2),
    });
    const health = new Client(url, {
      pipelining: 1,
      keepAliveTimeout: Math.max(this.options.healthIntervalMs * 4, 4_000),
      connectTimeout: this.options.healthTimeoutMs,
    });
    return new UnitEntry(url, dispatcher, health);
  }

  /** Out of the set: no checks, no new requests; its connections close once in-flight requests finish. */
  private retire(entry: UnitEntry): Promise<void> {
    entry.removed = true;
    entry.abort.abort();
    const done = Promise.allSettled([entry.checking, entry.dispatcher.close(), entry.health.destroy()]).then(
      () => undefined,
    );
    this.closing.add(done);
    void done.finally(() => this.closing.delete(done));
    return done;
  }

  private async checkAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((entry) => this.check(entry)));
  }

  private check(entry: UnitEntry): Promise<void> {
    entry.checking ??= this.probe(entry).finally(() => {
      entry.checking = undefined;
    });
    return entry.checking;
  }

  private async probe(entry: UnitEntry): Promise<void> {
    const generation = entry.generation;
    const timeout = this.options.healthTimeoutMs;
    let state: UnitState;
    let reason: string;
    try {
      const response = await entry.health.request({
        method: 'GET',
        path: '/readyz',
        headers: { accept: 'application/json' },
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: entry.abort.signal,
      });
      const text = await response.body.text();
      if (response.statusCode === 200) {
        state = 'ready';
        reason = 'ready';
      } else {
        state = 'down';
        reason = `readyz answered ${response.statusCode}: ${messageOf(text)}`;
      }
    } catch (err) {
      state = 'down';
      reason = describeError(err);
    }
    if (entry.removed) return;
    entry.lastCheckAt = Date.now();
    if (state === 'ready' && generation !== entry.generation) return;
    this.setState(entry, state, reason);
  }

  private setState(entry: UnitEntry, state: UnitState, reason: string): void {
    const changed = entry.state !== state;
    entry.reason = reason;
    if (!changed) return;
    entry.state = state;
    entry.since = Date.now();
    this.rebuildReady();
    if (state === 'ready') this.log.info({ unit: entry.url }, 'unit ready');
    else this.log.warn({ unit: entry.url, reason }, 'unit down');
  }

  private rebuildReady(): void {
    this.readyUnits = [...this.entries.values()].filter((entry) => entry.state === 'ready');
  }
}

/** The `message` of an API.md error body, or the start of whatever the unit sent. */
function messageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message.slice(0, 200);
  } catch {
    // not JSON: fall through
  }
  return text.slice(0, 200) || '(empty body)';
}

export function describeError(err: unknown): string {
  // Happy eyeballs (several addresses per host) fails with an AggregateError, often without a message.
  if (err instanceof AggregateError && err.message === '' && err.errors.length > 0)
    return describeError(err.errors[0]);
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
