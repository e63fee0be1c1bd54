import type pg from 'pg';
import type { Observations } from './observations.js';
import type { DbAuctionRow, DbSectionRow, DbSnapshot } from './snapshots.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

const toNumber = (value: unknown): number => (typeof value === 'number' ? value : Number(value));
const toNullableNumber = (value: unknown): number | null =>
  value === null || value === undefined ? null : toNumber(value);

/** `seats` may be text[], jsonb, or text holding either form. */
function toSeats(value: unknown): string[] | null {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string' || value.length === 0) return null;
  if (value.startsWith('[')) return (JSON.parse(value) as unknown[]).map(String);
  return value
    .replace(/^\{|\}$/g, '')
    .split(',')
    .filter(Boolean)
    .map((s) => s.replace(/^"|"$/g, ''));
}

const ids = (observations: Observations) => ({
  events: [...new Set([...observations.sections.values()].map((s) => s.eventId))],
  auctions: [...observations.auctions.keys()],
});

async function readSections(db: Queryable, events: string[]): Promise<DbSectionRow[]> {
  if (events.length === 0) return [];
  const { rows } = await db.query(
    'SELECT event_id, section_id, capacity, held, sold FROM sections WHERE event_id = ANY($1::text[])',
    [events],
  );
  return rows.map((r) => ({
    eventId: String(r.event_id),
    sectionId: String(r.section_id),
    capacity: toNumber(r.capacity),
    held: toNumber(r.held),
    sold: toNumber(r.sold),
  }));
}

async function readAuctions(db: Queryable, auctions: string[]): Promise<DbAuctionRow[]> {
  if (auctions.length === 0) return [];
  const { rows } = await db.query(
    'SELECT auction_id, highest_amount, bid_count FROM auctions WHERE auction_id = ANY($1::text[])',
    [auctions],
  );
  return rows.map((r) => ({
    auctionId: String(r.auction_id),
    highestAmount: toNullableNumber(r.highest_amount),
    bidCount: toNumber(r.bid_count),
  }));
}

/** Cheap figures to poll while the write-behind drains. */
export interface DbProgress {
  holds: number;
  purchased: number;
  /** Seats of the HELD and of the PURCHASED hold rows: the section rows' held and sold, once caught up. */
  heldSeats: number;
  soldSeats: number;
  bids: number;
  sections: DbSectionRow[];
  auctions: DbAuctionRow[];
}

export async function readDbProgress(db: Queryable, observations: Observations): Promise<DbProgress> {
  const { events, auctions } = ids(observations);
  const progress: DbProgress = {
    holds: 0,
    purchased: 0,
    heldSeats: 0,
    soldSeats: 0,
    bids: 0,
    sections: await readSections(db, events),
    auctions: await readAuctions(db, auctions),
  };
  if (events.length > 0) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS holds, count(*) FILTER (WHERE upper(status) = 'PURCHASED')::int AS purchased,
              coalesce(sum(quantity) FILTER (WHERE upper(status) = 'HELD'), 0)::int AS held_seats,
              coalesce(sum(quantity) FILTER (WHERE upper(status) = 'PURCHASED'), 0)::int AS sold_seats
         FROM holds WHERE event_id = ANY($1::text[])`,
      [events],
    );
    progress.holds = toNumber(rows[0]?.holds ?? 0);
    progress.purchased = toNumber(rows[0]?.purchased ?? 0);
    progress.heldSeats = toNumber(rows[0]?.held_seats ?? 0);
    progress.soldSeats = toNumber(rows[0]?.sold_seats ?? 0);
  }
  if (auctions.length > 0) {
    const { rows } = await db.query(
      'SELECT count(*)::int AS bids FROM bids WHERE auction_id = ANY($1::text[])',
      [auctions],
    );
    progress.bids = toNumber(rows[0]?.bids ?? 0);
  }
  return progress;
}

/** Every row the run's events and auctions left in Postgres (tables and columns of API.md). */
export async function readDbSnapshot(db: Queryable, observations: Observations): Promise<DbSnapshot> {
  const { events, auctions } = ids(observations);
  const snapshot: DbSnapshot = {
    sections: await readSections(db, events),
    holds: [],
    auctions: await readAuctions(db, auctions),
    bids: [],
  };
  if (events.length > 0) {
    const { rows } = await db.query(
      'SELECT hold_id, event_id, section_id, customer_id, quantity, status, seats FROM holds WHERE event_id = ANY($1::text[])',
      [events],
    );
    snapshot.holds = rows.map((r) => ({
      holdId: String(r.hold_id),
      eventId: String(r.event_id),
      sectionId: String(r.section_id),
      customerId: String(r.customer_id),
      quantity: toNumber(r.quantity),
      status: String(r.status),
      seats: toSeats(r.seats),
    }));
  }
  if (auctions.length > 0) {
    const { rows } = await db.query(
      'SELECT bid_id, auction_id, amount, placed_at FROM bids WHERE auction_id = ANY($1::text[])',
      [auctions],
    );
    snapshot.bids = rows.map((r) => ({
      bidId: String(r.bid_id),
      auctionId: String(r.auction_id),
      amount: toNumber(r.amount),
      placedAt: r.placed_at instanceof Date ? r.placed_at.getTime() : Date.parse(String(r.placed_at)),
    }));
  }
  return snapshot;
}
