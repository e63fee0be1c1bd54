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
  drainTimeoutMs?: number;
}

/**
 * Warms an empty grid from Postgres: catalog, sections with active holds and seat maps, closed
 * holds, auctions with their newest bids; then sets the warm flag that lets units serve. If the
 * grid is already warm (units kept running, or a member survived) it does nothing.
 */
export class GridWarmer {
  readonly progress: Progress;
  private warming = false;

  constructor(private readonly options: WarmerOptions) {
    this.progress = new Progress(options.log);
  }

  get busy(): boolean {
    return this.warming;
  }

  async isWarm(): Promise<boolean> {
    return (await this.options.maps.meta.get(WARM_FLAG)) != null;
  }

  /** Returns true if this call warmed the grid, false if it was warm or another reader is warming it. */
  async warmIfCold(): Promise<boolean> {
    const { maps, log, readerId } = this.options;
    if (this.warming || (await this.isWarm())) return false;
    const holder = await maps.meta.putIfAbsent(WARMING_LOCK, readerId, 120_000);
    if (holder != null && holder !== readerId) {
      log.info({ holder }, 'another data reader is warming the grid');
      return false;
    }
    this.warming = true;
    const started = performance.now();
    try {
      log.info('the grid is empty: warming it from Postgres');
      await this.waitForDrain();
      await loadEvents(this.options.pool, maps, this.progress);
      await loadSections(this.options.pool, maps, this.progress);
      await loadHolds(this.options.pool, maps, this.progress);
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

  /** Changes still on the queue are not in Postgres yet: loading before they land would lose them. */
  private async waitForDrain(): Promise<void> {
    const deadline = Date.now() + (this.options.drainTimeoutMs ?? 60_000);
    let lastLog = 0;
    for (;;) {
      let pending: number;
      try {
        const counts = await this.options.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        pending = Object.values(counts).reduce((a, b) => a + b, 0);
      } catch (err) {
        this.options.log.warn({ err }, 'cannot see the change queue: warming from Postgres as it is');
        return;
      }
      if (pending === 0) return;
      if (Date.now() > deadline) {
        this.options.log.warn(
          { pending },
          'the change queue did not drain in time: warming from Postgres as it is',
        );
        return;
      }
      if (Date.now() - lastLog > 1_000) {
        lastLog = Date.now();
        this.options.log.info({ pending }, 'waiting for the data writers to drain the change queue');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
