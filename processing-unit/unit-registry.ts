import type { IMap } from 'hazelcast-client';
import type { Logger } from '../common/logger.js';
import { Rendezvous } from '../common/rendezvous.js';

/** How often a unit says it is alive, by default. */
export const REGISTRY_HEARTBEAT_MS = 1_000;
/** How long a unit's entry lives without a heartbeat, by default. */
export const REGISTRY_TTL_MS = 5_000;
/**
 * How long after a unit dies the others may still see it, and so not yet own its keys (its
 * sweepers' and recovery loops' work): its entry's time to live, and their next heartbeat.
 */
export const OWNERSHIP_HANDOVER_MS = REGISTRY_TTL_MS + REGISTRY_HEARTBEAT_MS;

export interface UnitRegistryOptions {
  /** How often this unit says it is alive. Default 1 s. */
  heartbeatMs?: number;
  /** How long an entry lives without a heartbeat: a unit that died is gone from the set after this. Default 5 s. */
  ttlMs?: number;
}

/**
 * The live processing units, in the grid: each unit keeps its own entry (id → base URL) alive with
 * a heartbeat and a time-to-live, and reads everyone's. `owns(route)` answers with the rendezvous
 * hashing the messaging grid routes with, over the live units' URLs, so time-driven work on a key
 * (expiring its holds, closing it) is done by the unit its requests go to, and by exactly one unit;
 * when that unit leaves (deregistered) or dies (its entry expires), the others take its keys over.
 */
export class UnitRegistry {
  private readonly heartbeatMs: number;
  private readonly ttlMs: number;
  private timer: NodeJS.Timeout | undefined;
  private table: Rendezvous<string>;
  private members = '';

  constructor(
    private readonly map: IMap<string, string>,
    private readonly self: { id: string; url: string },
    private readonly log: Logger,
    options: UnitRegistryOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? REGISTRY_HEARTBEAT_MS;
    this.ttlMs = options.ttlMs ?? REGISTRY_TTL_MS;
    this.table = new Rendezvous([self.url], (url) => url);
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  /** True when this unit owns the key with this routing key (see `route` in common/rendezvous.ts). */
  owns(routingKey: string): boolean {
    return this.table.pick(routingKey) === this.self.url;
  }

  /**
   * Base URLs of the live units for a routing key, its owner first, then the order to fail over in:
   * where the messaging grid would send a request about that key, for one unit to ask another.
   */
  rank(routingKey: string): string[] {
    return this.table.rank(routingKey);
  }

  /** How many live units this unit sees (itself included), as of its last heartbeat. */
  get size(): number {
    return this.table.size;
  }

  /** Leaves the set at once (the others take this unit's keys over without waiting for the TTL). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.map.delete(this.self.id).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    try {
      await this.map.set(this.self.id, this.self.url, this.ttlMs);
      const urls = new Set((await this.map.values()).toArray());
      urls.add(this.self.url); // whatever the map says, this unit is alive
      const sorted = [...urls].sort();
      const key = sorted.join(' ');
      if (key !== this.members) {
        this.members = key;
        this.table = new Rendezvous(sorted, (url) => url);
        this.log.info({ units: sorted }, 'live units changed: time-driven work is shared anew');
      }
    } catch (err) {
      this.log.debug({ err }, 'unit heartbeat failed');
    }
  }
}
