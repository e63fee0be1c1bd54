import type { Queue } from 'bullmq';
import type { Pool } from 'pg';
import type { GridMaps } from '../common/grid-maps.js';
import type { Logger } from '../common/logger.js';
import { WARM_FLAG } from '../common/map-names.js';
import { loadAuctions } from './load-auctions.js';
import { loadHolds, loadEvents, loadSections } from './load-ticketing.js';
import { Progress } from './progress.js';

const WARMING_LOCK = 'warming';

export interface WarmerOptions {
  pool: Pool;
  maps: GridMaps;
  /** The change queue: warming waits until the writers have drained it, so Postgres is complete. */
  queue: Queue;
  log: Logger;
  readerId: string;
}

/**
 * Warms an empty grid from Postgres: catalog, sections with their seat maps, live holds, auctions
 * with their newest bids; then sets the warm flag that lets units serve. If the grid is already
 * warm (units kept running, or a member survived) it does nothing; if only the flag was lost (its
 * partition went, the data did not), it sets the flag again and warms nothing.
 *
 * It never warms from a Postgres that is behind what the lost grid had acknowledged: not while
 * changes are still queued for the writers, not while it cannot see the queue, and not while a
 * change waits in the repair queue (or behind one). It waits instead, and `waitingFor` says why;
 * warming from behind would bring back old versions, and new changes would reuse their numbers.
 */
export class GridWarmer {
  readonly progress: Progress;
  private warming = false;
  private blocked: string | undefined;
  private lastBlockedLog = 0;

  constructor(private readonly options: WarmerOptions) {
    this.progress = new Progress(options.log);
  }

  get busy(): boolean {
    return this.warming;
  }

  /** Why the grid is not being warmed now, in words for an operator (undefined: it is not waiting). */
  get waitingFor(): string | undefined {
    return this.blocked;
  }

  async isWarm(): Promise<boolean> {
    return (await this.options.maps.meta.get(WARM_FLAG)) != null;
  }

  /**
   * Returns true if this call warmed the grid; false if it was warm, another reader is warming it,
   * or Postgres cannot be shown to be complete yet (then `waitingFor` says why; call again later).
   */
  async warmIfCold(): Promise<boolean> {
    const { maps, log, readerId } = this.options;
    if (this.warming || (await this.isWarm())) {
      this.blocked = undefined;
      return false;
    }
    if (await this.holdsData()) {
      // The flag's own partition was lost, not the grid: warming would overwrite newer state with
      // Postgres's. Keys a lost partition took are put back one by one when units miss them.
      await maps.meta.set(WARM_FLAG, JSON.stringify({ at: new Date().toISOString(), by: readerId }));
      log.warn('the warm flag was lost but the grid still holds data: flag set again, nothing warmed');
      return false;
    }
    this.blocked = await this.behind();
    if (this.blocked !== undefined) {
      if (Date.now() - this.lastBlockedLog > 5_000) {
        this.lastBlockedLog = Date.now();
        log.warn({ reason: this.blocked }, 'the grid is empty, but Postgres is not complete yet: waiting');
      }
      return false;
    }
    const holder = await maps.meta.putIfAbsent(WARMING_LOCK, readerId, 120_000);
    if (holder != null && holder !== readerId) {
      log.info({ holder }, 'another data reader is warming the grid');
      return false;
    }
    this.warming = true;
    const started = performance.now();
    try {
      log.info('the grid is empty: warming it from Postgres');
      // Holds before their sections: a warm cut short leaves sections missing (restored on demand
      // by the Restorer, live holds first), never a section without the holds it counts.
      await loadEvents(this.options.pool, maps, this.progress);
      await loadHolds(this.options.pool, maps, this.progress);
      await loadSections(this.options.pool, maps, this.progress);
      await loadAuctions(this.options.pool, maps, this.progress);
      this.progress.finishPhase();
      await maps.meta.set(WARM_FLAG, JSON.stringify({ at: new Date().toISOString(), by: readerId }));
      this.progress.state.phase = 'warm';
      log.info(
        { seconds: Math.round((performance.now() - started) / 100) / 10 },
        'the grid is warm: units may serve',
      );
      return true;
    } finally {
      await maps.meta.delete(WARMING_LOCK).catch(() => undefined);
      this.warming = false;
    }
  }

  /** Whether any catalog or inventory entry is in the grid (then it is not empty, whatever the flag). */
  private async holdsData(): Promise<boolean> {
    const { maps } = this.options;
    const sizes = await Promise.all([
      maps.events.map.size(),
      maps.sections.map.size(),
      maps.auctions.map.size(),
    ]);
    return sizes.some((n) => n > 0);
  }

  /** Why Postgres may be behind what the grid had acknowledged, or undefined when it is complete. */
  private async behind(): Promise<string | undefined> {
    let queued: number;
    try {
      const counts = await this.options.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      queued = Object.values(counts).reduce((a, b) => a + b, 0);
    } catch {
      return 'the change queue cannot be seen (is Redis up?): changes still queued may not be in Postgres yet';
    }
    if (queued > 0)
      return `${queued} changes are still queued for the data writers: Postgres is behind until they are written`;
    const { rows } = await this.options.pool.query<{ repairs: string; held: string }>(
      'SELECT (SELECT count(*) FROM change_repairs) AS repairs, (SELECT count(*) FROM change_held_back) AS held',
    );
    const repairs = Number(rows[0]?.repairs ?? 0);
    const held = Number(rows[0]?.held ?? 0);
    if (repairs + held > 0)
      return (
        `${repairs} changes wait for repair in the write-behind (and ${held} behind them): resolve them ` +
        '(GET /admin/repairs) first, or warming would lose them'
      );
    return undefined;
  }
}
