import type { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { RECENT_BIDS_KEPT } from '../common/bidding-model.js';
import { changeJobId, type AggregateType } from '../common/change-record.js';
import type { GridMaps } from '../common/grid-maps.js';
import type { Logger } from '../common/logger.js';
import { sectionKey } from '../common/map-names.js';
import type { Hold } from '../common/ticketing-model.js';
import { auctionFromRows, bidFromRow, type AuctionRow, type BidRow } from './load-auctions.js';
import {
  eventFromRows,
  holdEntryPair,
  holdFromRow,
  sectionFromRows,
  SECTION_SPEC_COLUMNS,
  type EventRow,
  type HoldRow,
  type SectionRow,
} from './load-ticketing.js';

/** Postgres may still be behind what the grid had acknowledged for this key: try again later. */
export class RestoreWaiting extends Error {}

export type RestoreOutcome = 'restored' | 'absent';

const OPEN_JOB_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * The data reader's reads on demand: what left the grid (closed holds past their retention) is
 * read from Postgres, and an aggregate the grid lost (a partition whose every copy died) is put
 * back from Postgres, key by key, when a unit first misses it.
 *
 * A restore never brings back less than the grid had acknowledged and the write-behind carried: it
 * waits while the key's next change is still on the change queue, or while a change of the key
 * waits for repair, and says so. (A change acknowledged but still in the lost entry's outbox, not
 * yet on the queue, is lost with the partition: the one loss two members dying together can cause.)
 * Every write is a putIfAbsent: a key that is back in the grid is never overwritten.
 */
export class Restorer {
  private readonly inFlight = new Map<string, Promise<RestoreOutcome>>();

  constructor(
    private readonly options: {
      pool: Pool;
      maps: GridMaps;
      queue: Queue;
      log: Logger;
      /** Whether the grid is warm: before that, the warmer is the one filling it. */
      warm: () => boolean;
    },
  ) {}

  async hold(eventId: string, sectionId: string, holdId: string): Promise<Hold | null> {
    const { rows } = await this.options.pool.query<HoldRow>(
      'SELECT * FROM holds WHERE hold_id = $1 AND event_id = $2 AND section_id = $3',
      [holdId, eventId, sectionId],
    );
    return rows[0] ? holdFromRow(rows[0]) : null;
  }

  restoreSection(eventId: string, sectionId: string): Promise<RestoreOutcome> {
    return this.once('section', sectionKey(eventId, sectionId), () => this.section(eventId, sectionId));
  }

  restoreEvent(eventId: string): Promise<RestoreOutcome> {
    return this.once('event', eventId, () => this.event(eventId));
  }

  restoreAuction(auctionId: string): Promise<RestoreOutcome> {
    return this.once('auction', auctionId, () => this.auction(auctionId));
  }

  /** One restore of a key at a time; concurrent requests for it share the answer. */
  private once(aggregate: AggregateType, key: string, work: () => Promise<RestoreOutcome>) {
    const id = `${aggregate}.${key}`;
    const running = this.inFlight.get(id);
    if (running) return running;
    const started = (async () => {
      if (!this.options.warm()) throw new RestoreWaiting('the grid is being warmed from Postgres');
      return work();
    })().finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, started);
    return started;
  }

  private async section(eventId: string, sectionId: string): Promise<RestoreOutcome> {
    const { pool, maps, log } = this.options;
    const key = sectionKey(eventId, sectionId);
    const { rows } = await pool.query<SectionRow>(
      'SELECT * FROM sections WHERE event_id = $1 AND section_id = $2',
      [eventId, sectionId],
    );
    const row = rows[0];
    await this.ensureComplete('section', key, row ? Number(row.version) : 0);
    const holds = await pool.query<HoldRow>(
      `SELECT * FROM holds WHERE event_id = $1 AND section_id = $2 AND status IN ('HELD', 'PURCHASED')`,
      [eventId, sectionId],
    );
    // Its live holds first (they share its partition, so they went with it): a unit that finds the
    // section back finds every hold it counts. Safe even when the section is there: Postgres is
    // complete for the key, so a hold it has as HELD is open, and putIfAbsent adds only lost ones.
    const live = holds.rows.filter((h) => h.status === 'HELD');
    await Promise.all(live.map((h) => maps.holds.putIfAbsent(...holdEntryPair(h))));
    if (await maps.sections.get(key)) return 'restored';
    if (!row) return 'absent';
    const restored = sectionFromRows(row, holds.rows);
    if (!(await maps.sections.putIfAbsent(key, restored))) {
      log.warn(
        { key, version: restored.version, held: restored.held, sold: restored.sold, liveHolds: live.length },
        'restored a section the grid had lost, from Postgres',
      );
    }
    return 'restored';
  }

  private async event(eventId: string): Promise<RestoreOutcome> {
    const { pool, maps, log } = this.options;
    if (await maps.events.get(eventId)) return 'restored';
    const { rows } = await pool.query<EventRow>('SELECT * FROM events WHERE event_id = $1', [eventId]);
    const row = rows[0];
    await this.ensureComplete('event', eventId, row ? Number(row.version) : 0);
    if (!row) return 'absent';
    const sections = await pool.query<SectionRow>(
      `SELECT ${SECTION_SPEC_COLUMNS} FROM sections WHERE event_id = $1 ORDER BY position`,
      [eventId],
    );
    if (!(await maps.events.putIfAbsent(eventId, eventFromRows(row, sections.rows)))) {
      log.warn({ eventId }, 'restored an event the grid had lost, from Postgres');
    }
    return 'restored';
  }

  private async auction(auctionId: string): Promise<RestoreOutcome> {
    const { pool, maps, log } = this.options;
    if (await maps.auctions.get(auctionId)) return 'restored';
    const { rows } = await pool.query<AuctionRow>('SELECT * FROM auctions WHERE auction_id = $1', [
      auctionId,
    ]);
    const row = rows[0];
    await this.ensureComplete('auction', auctionId, row ? Number(row.version) : 0);
    if (!row) return 'absent';
    const bids = await pool.query<BidRow>(
      `SELECT * FROM bids WHERE auction_id = $1 ORDER BY amount DESC, placed_at DESC LIMIT ${RECENT_BIDS_KEPT}`,
      [auctionId],
    );
    const restored = auctionFromRows(row, bids.rows.map(bidFromRow));
    if (!(await maps.auctions.putIfAbsent(auctionId, restored))) {
      log.warn(
        { auctionId, version: restored.version },
        'restored an auction the grid had lost, from Postgres',
      );
    }
    return 'restored';
  }

  /**
   * Throws RestoreWaiting unless Postgres holds every change of this key that reached the write-
   * behind: the change after the stored version is not on the queue (one per version, job id
   * `aggregate.key.vN`, sent in order), and no change of the key waits for repair.
   */
  private async ensureComplete(aggregate: AggregateType, key: string, storedVersion: number): Promise<void> {
    const next = changeJobId({ aggregate, key, version: storedVersion + 1 });
    let state: string;
    try {
      state = await this.options.queue.getJobState(next);
    } catch {
      throw new RestoreWaiting('the change queue cannot be seen (is Redis up?)');
    }
    if (OPEN_JOB_STATES.has(state)) {
      throw new RestoreWaiting(
        `change ${storedVersion + 1} of ${aggregate} ${key} is still queued for the data writers`,
      );
    }
    const { rows } = await this.options.pool.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM change_repairs WHERE aggregate = $1 AND key = $2)
            + (SELECT count(*) FROM change_held_back WHERE aggregate = $1 AND key = $2) AS n`,
      [aggregate, key],
    );
    if (Number(rows[0]?.n ?? 0) > 0) {
      throw new RestoreWaiting(
        `a change of ${aggregate} ${key} waits for repair (GET /admin/repairs): restoring now would lose it`,
      );
    }
  }
}
