import type { Pool } from 'pg';
import type { GridMaps } from '../common/grid-maps.js';
import { holdEntryOf } from '../common/hold-entry.js';
import { holdKey, sectionKey } from '../common/map-names.js';
import {
  SEAT,
  type EventAggregate,
  type EventRecord,
  type Hold,
  type HoldEntry,
  type SectionAggregate,
  type SectionSpec,
} from '../common/ticketing-model.js';
import type { Progress } from './progress.js';

const PAGE = 2_000;

export interface SectionRow {
  event_id: string;
  section_id: string;
  kind: 'GA' | 'RESERVED';
  capacity: number;
  held: number;
  sold: number;
  version: string;
  seat_ids: string[] | null;
}

export interface HoldRow {
  hold_id: string;
  event_id: string;
  section_id: string;
  customer_id: string;
  quantity: number;
  seats: string[] | null;
  status: Hold['status'];
  created_at: Date;
  expires_at: Date;
  order_id: string | null;
  purchased_at: Date | null;
  closed_at: Date | null;
  version: string;
}

export function holdFromRow(row: HoldRow): Hold {
  return {
    holdId: row.hold_id,
    eventId: row.event_id,
    sectionId: row.section_id,
    customerId: row.customer_id,
    quantity: row.quantity,
    ...(row.seats ? { seats: row.seats } : {}),
    status: row.status,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    ...(row.order_id ? { orderId: row.order_id } : {}),
    ...(row.purchased_at ? { purchasedAt: row.purchased_at.toISOString() } : {}),
    ...(row.closed_at ? { closedAt: row.closed_at.toISOString() } : {}),
    version: Number(row.version),
  };
}

export interface EventRow {
  event_id: string;
  name: string;
  starts_at: Date;
  hold_ttl_seconds: number;
  max_seats_per_hold: number;
  created_at: Date;
  version: string;
}

/** An event's catalog entry from its row and its sections' rows (in their original order). */
export function eventFromRows(row: EventRow, sections: SectionRow[]): EventAggregate {
  const record: EventRecord = {
    id: row.event_id,
    name: row.name,
    startsAt: row.starts_at.toISOString(),
    holdTtlSeconds: row.hold_ttl_seconds,
    maxSeatsPerHold: row.max_seats_per_hold,
    createdAt: row.created_at.toISOString(),
    sections: sections.map((section): SectionSpec => ({
      id: section.section_id,
      kind: section.kind,
      capacity: section.capacity,
      ...(section.seat_ids ? { seats: section.seat_ids } : {}),
    })),
  };
  return { record, version: Number(row.version), outbox: [], outboxSince: null };
}

/** The columns of a section that make its spec, in the event's order (see eventFromRows). */
export const SECTION_SPEC_COLUMNS = 'event_id, section_id, kind, capacity, seat_ids';

/** Events (the catalog): every event with its sections in their original order. */
export async function loadEvents(
  pool: Pool,
  maps: Pick<GridMaps, 'events'>,
  progress: Progress,
): Promise<void> {
  const events = await pool.query<EventRow>('SELECT * FROM events ORDER BY event_id');
  const sections = await pool.query<SectionRow>(
    `SELECT ${SECTION_SPEC_COLUMNS} FROM sections ORDER BY event_id, position`,
  );
  const byEvent = new Map<string, SectionRow[]>();
  for (const row of sections.rows) {
    const list = byEvent.get(row.event_id) ?? [];
    list.push(row);
    byEvent.set(row.event_id, list);
  }
  progress.begin('events', events.rowCount ?? 0);
  const batch: Array<[string, EventAggregate]> = [];
  for (const row of events.rows) {
    batch.push([row.event_id, eventFromRows(row, byEvent.get(row.event_id) ?? [])]);
    if (batch.length >= PAGE) await flush(maps.events.setAll(batch.splice(0)), progress, PAGE);
  }
  await flush(maps.events.setAll(batch), progress, batch.length);
}

async function flush(write: Promise<void>, progress: Progress, count: number): Promise<void> {
  await write;
  progress.advance(count);
}

/** Sections with their active holds and seat map: held is the sum of the active holds. */
export async function loadSections(
  pool: Pool,
  maps: Pick<GridMaps, 'sections'>,
  progress: Progress,
): Promise<void> {
  const total = await pool.query<{ n: string }>('SELECT count(*) AS n FROM sections');
  progress.begin('sections', Number(total.rows[0]?.n ?? 0));
  let after: [string, string] = ['', ''];
  for (;;) {
    const page = await pool.query<SectionRow>(
      `SELECT * FROM sections WHERE (event_id, section_id) > ($1, $2) ORDER BY event_id, section_id LIMIT ${PAGE}`,
      after,
    );
    if (page.rows.length === 0) return;
    const keys = page.rows.map((r) => [r.event_id, r.section_id]);
    const holds = await pool.query<HoldRow>(
      `SELECT h.* FROM holds h JOIN unnest($1::text[], $2::text[]) AS k(e, s) ON h.event_id = k.e AND h.section_id = k.s
        WHERE h.status IN ('HELD', 'PURCHASED')`,
      [keys.map((k) => k[0]), keys.map((k) => k[1])],
    );
    const bySection = new Map<string, HoldRow[]>();
    for (const hold of holds.rows) {
      const key = sectionKey(hold.event_id, hold.section_id);
      const list = bySection.get(key) ?? [];
      list.push(hold);
      bySection.set(key, list);
    }
    const batch = page.rows.map((row): [string, SectionAggregate] => {
      const key = sectionKey(row.event_id, row.section_id);
      return [key, sectionFromRows(row, bySection.get(key) ?? [])];
    });
    await maps.sections.setAll(batch);
    progress.advance(batch.length);
    const last = page.rows[page.rows.length - 1]!;
    after = [last.event_id, last.section_id];
  }
}

/** A section as it was: held is the sum of its active holds, the seat map follows held and sold seats. */
export function sectionFromRows(row: SectionRow, holds: HoldRow[]): SectionAggregate {
  let held = 0;
  const seatIndex = row.seat_ids ? new Map(row.seat_ids.map((seat, i) => [seat, i])) : undefined;
  const seatChars = row.seat_ids ? Array.from(row.seat_ids, () => SEAT.AVAILABLE as string) : undefined;
  for (const hold of holds) {
    const mark = hold.status === 'HELD' ? SEAT.HELD : SEAT.SOLD;
    for (const seat of hold.seats ?? []) {
      const i = seatIndex?.get(seat);
      if (i !== undefined && seatChars) seatChars[i] = mark;
    }
    if (hold.status === 'HELD') held += hold.quantity;
  }
  return {
    eventId: row.event_id,
    sectionId: row.section_id,
    kind: row.kind,
    capacity: row.capacity,
    held,
    sold: row.sold,
    version: Number(row.version),
    ...(seatChars ? { seatStates: seatChars.join('') } : {}),
    nextDeadline: null,
    outbox: [],
    outboxSince: null,
  };
}

/**
 * The live holds (HELD): what the grid needs to work. Closed holds stay in Postgres, where reads of
 * them are answered (the data reader's archive reads); the grid keeps a closed hold only for a while
 * after it closed (CLOSED_HOLD_RETENTION_SECONDS), so a warm grid looks like one that ran for long.
 */
export async function loadHolds(
  pool: Pool,
  maps: Pick<GridMaps, 'holds'>,
  progress: Progress,
): Promise<void> {
  const total = await pool.query<{ n: string }>("SELECT count(*) AS n FROM holds WHERE status = 'HELD'");
  progress.begin('holds', Number(total.rows[0]?.n ?? 0));
  let after = '';
  for (;;) {
    const page = await pool.query<HoldRow>(
      `SELECT * FROM holds WHERE status = 'HELD' AND hold_id > $1 ORDER BY hold_id LIMIT ${PAGE}`,
      [after],
    );
    if (page.rows.length === 0) return;
    await maps.holds.setAll(page.rows.map((row) => holdEntryPair(row)));
    progress.advance(page.rows.length);
    after = page.rows[page.rows.length - 1]!.hold_id;
  }
}

/** A hold row as its entry in the holds map. */
export function holdEntryPair(row: HoldRow): [string, HoldEntry] {
  return [holdKey(row.event_id, row.section_id, row.hold_id), holdEntryOf(holdFromRow(row))];
}
