import type { PoolClient } from 'pg';
import type { AuctionCreatedData, ChangeRecord } from '../common/change-record.js';
import type { AuctionSnapshot, Bid } from '../common/bidding-model.js';
import type { EventRecord, Hold, SectionSnapshot } from '../common/ticketing-model.js';

/**
 * Writes change records with the caller's client (inside its transaction). Every statement is
 * idempotent and order-independent: snapshots and holds are upserted under a version guard
 * (`WHERE table.version < EXCLUDED.version`), ledgers (orders, bids) insert with
 * `ON CONFLICT DO NOTHING`. So duplicates, retries and reordering all converge to the grid.
 */
export async function writeRecords(client: PoolClient, records: readonly ChangeRecord[]): Promise<void> {
  if (records.length > 0) await writeRows(client, collect(records));
}

interface Rows {
  events: EventRecord[];
  sections: Map<string, SectionSnapshot>;
  holds: Map<string, Hold>;
  auctionsCreated: AuctionCreatedData[];
  auctions: Map<string, AuctionSnapshot & { closedAt: string | null; highestBidId: string | null }>;
  bids: Bid[];
}

/** Keeps only the newest version per row: one multi-row upsert may not touch a row twice. */
function keepNewest<T extends { version: number }>(map: Map<string, T>, key: string, row: T): void {
  const existing = map.get(key);
  if (!existing || existing.version < row.version) map.set(key, row);
}

function collect(records: readonly ChangeRecord[]): Rows {
  const rows: Rows = {
    events: [],
    sections: new Map(),
    holds: new Map(),
    auctionsCreated: [],
    auctions: new Map(),
    bids: [],
  };
  for (const record of records) {
    if (record.aggregate === 'section') keepNewest(rows.sections, record.key, record.snapshot);
    let closedAt: string | null = null;
    let highestBidId: string | null = null;
    for (const event of record.events) {
      switch (event.type) {
        case 'EventCreated':
          rows.events.push(event.event);
          break;
        case 'HoldPlaced':
        case 'HoldPurchased':
        case 'HoldReleased':
        case 'HoldExpired':
          keepNewest(rows.holds, event.hold.holdId, event.hold);
          break;
        case 'AuctionCreated':
          rows.auctionsCreated.push(event.auction);
          break;
        case 'BidPlaced':
          rows.bids.push(event.bid);
          highestBidId = event.bid.bidId;
          break;
        case 'AuctionClosed':
          closedAt = event.closedAt;
          break;
      }
    }
    if (record.aggregate === 'auction') {
      keepNewest(rows.auctions, record.key, { ...record.snapshot, closedAt, highestBidId });
    }
  }
  return rows;
}

async function upsert(client: PoolClient, sql: string, rows: unknown[]): Promise<void> {
  if (rows.length > 0) await client.query(sql, [JSON.stringify(rows)]);
}

async function writeRows(client: PoolClient, rows: Rows): Promise<void> {
  await upsert(
    client,
    `INSERT INTO events (event_id, name, starts_at, hold_ttl_seconds, max_seats_per_hold, created_at)
     SELECT id, name, "startsAt", "holdTtlSeconds", "maxSeatsPerHold", "createdAt"
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, name text, "startsAt" timestamptz,
            "holdTtlSeconds" int, "maxSeatsPerHold" int, "createdAt" timestamptz)
     ON CONFLICT (event_id) DO NOTHING`,
    rows.events,
  );
  await upsert(
    client,
    `INSERT INTO sections (event_id, section_id, kind, capacity, position, seat_ids)
     SELECT "eventId", id, kind, capacity, position, seats
       FROM jsonb_to_recordset($1::jsonb) AS x("eventId" text, id text, kind text, capacity int, position int, seats text[])
     ON CONFLICT (event_id, section_id) DO UPDATE SET position = EXCLUDED.position, seat_ids = EXCLUDED.seat_ids`,
    rows.events.flatMap((event) =>
      event.sections.map((section, position) => ({ eventId: event.id, ...section, position })),
    ),
  );
  await upsert(
    client,
    `INSERT INTO sections AS s (event_id, section_id, kind, capacity, held, sold, version, updated_at)
     SELECT "eventId", "sectionId", kind, capacity, held, sold, version, now()
       FROM jsonb_to_recordset($1::jsonb) AS x("eventId" text, "sectionId" text, kind text, capacity int,
            held int, sold int, version bigint)
     ON CONFLICT (event_id, section_id) DO UPDATE
        SET held = EXCLUDED.held, sold = EXCLUDED.sold, version = EXCLUDED.version, updated_at = now()
      WHERE s.version < EXCLUDED.version`,
    [...rows.sections.values()],
  );
  const holds = [...rows.holds.values()];
  await upsert(
    client,
    `INSERT INTO holds AS h (hold_id, event_id, section_id, customer_id, quantity, seats, status, created_at,
                             expires_at, order_id, purchased_at, closed_at, version)
     SELECT "holdId", "eventId", "sectionId", "customerId", quantity, seats, status, "createdAt",
            "expiresAt", "orderId", "purchasedAt", "closedAt", version
       FROM jsonb_to_recordset($1::jsonb) AS x("holdId" text, "eventId" text, "sectionId" text, "customerId" text,
            quantity int, seats text[], status text, "createdAt" timestamptz, "expiresAt" timestamptz,
            "orderId" text, "purchasedAt" timestamptz, "closedAt" timestamptz, version bigint)
     ON CONFLICT (hold_id) DO UPDATE
        SET status = EXCLUDED.status, order_id = EXCLUDED.order_id, purchased_at = EXCLUDED.purchased_at,
            closed_at = EXCLUDED.closed_at, version = EXCLUDED.version
      WHERE h.version < EXCLUDED.version`,
    holds,
  );
  await upsert(
    client,
    `INSERT INTO orders (order_id, hold_id, event_id, section_id, customer_id, quantity, seats, purchased_at)
     SELECT "orderId", "holdId", "eventId", "sectionId", "customerId", quantity, seats, "purchasedAt"
       FROM jsonb_to_recordset($1::jsonb) AS x("orderId" text, "holdId" text, "eventId" text, "sectionId" text,
            "customerId" text, quantity int, seats text[], "purchasedAt" timestamptz)
     ON CONFLICT DO NOTHING`,
    holds.filter((hold) => hold.status === 'PURCHASED'),
  );
  await upsert(
    client,
    `INSERT INTO auctions (auction_id, title, status, starting_price, min_increment, reserve_price,
                           soft_close_seconds, starts_at, ends_at, created_at, version)
     SELECT "auctionId", title, 'SCHEDULED', "startingPrice", "minIncrement", "reservePrice",
            "softCloseSeconds", "startsAt", "endsAt", "createdAt", 0
       FROM jsonb_to_recordset($1::jsonb) AS x("auctionId" text, title text, "startingPrice" bigint,
            "minIncrement" bigint, "reservePrice" bigint, "softCloseSeconds" int, "startsAt" timestamptz,
            "endsAt" timestamptz, "createdAt" timestamptz)
     ON CONFLICT (auction_id) DO UPDATE
        SET starting_price = EXCLUDED.starting_price, min_increment = EXCLUDED.min_increment,
            reserve_price = EXCLUDED.reserve_price, soft_close_seconds = EXCLUDED.soft_close_seconds,
            starts_at = EXCLUDED.starts_at, created_at = EXCLUDED.created_at`,
    rows.auctionsCreated,
  );
  await upsert(
    client,
    `INSERT INTO auctions AS a (auction_id, title, status, starting_price, min_increment, starts_at, ends_at,
                                created_at, closed_at, highest_amount, highest_bidder_id, highest_bid_id, bid_count, version)
     SELECT "auctionId", title, status, 0, 0, "endsAt", "endsAt", now(), "closedAt", "highestAmount",
            "highestBidderId", "highestBidId", "bidCount", version
       FROM jsonb_to_recordset($1::jsonb) AS x("auctionId" text, title text, status text, "endsAt" timestamptz,
            "closedAt" timestamptz, "highestAmount" bigint, "highestBidderId" text, "highestBidId" text,
            "bidCount" int, version bigint)
     ON CONFLICT (auction_id) DO UPDATE
        SET status = EXCLUDED.status, ends_at = EXCLUDED.ends_at,
            closed_at = COALESCE(EXCLUDED.closed_at, a.closed_at),
            highest_amount = EXCLUDED.highest_amount, highest_bidder_id = EXCLUDED.highest_bidder_id,
            highest_bid_id = COALESCE(EXCLUDED.highest_bid_id, a.highest_bid_id),
            bid_count = EXCLUDED.bid_count, version = EXCLUDED.version
      WHERE a.version < EXCLUDED.version`,
    [...rows.auctions.values()],
  );
  await upsert(
    client,
    `INSERT INTO bids (bid_id, auction_id, bidder_id, amount, placed_at)
     SELECT "bidId", "auctionId", "bidderId", amount, "placedAt"
       FROM jsonb_to_recordset($1::jsonb) AS x("bidId" text, "auctionId" text, "bidderId" text, amount bigint,
            "placedAt" timestamptz)
     ON CONFLICT DO NOTHING`,
    rows.bids,
  );
}
