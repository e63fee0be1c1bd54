import type { Pool } from 'pg';
import { RECENT_BIDS_KEPT, type AuctionAggregate, type Bid } from '../common/bidding-model.js';
import type { GridMaps } from '../common/grid-maps.js';
import type { Progress } from './progress.js';

const PAGE = 1_000;

export interface AuctionRow {
  auction_id: string;
  title: string;
  status: 'SCHEDULED' | 'OPEN' | 'CLOSED';
  starting_price: string;
  min_increment: string;
  reserve_price: string | null;
  soft_close_seconds: number;
  starts_at: Date;
  ends_at: Date;
  created_at: Date;
  closed_at: Date | null;
  bid_count: number;
  version: string;
}

export interface BidRow {
  bid_id: string;
  auction_id: string;
  bidder_id: string;
  amount: string;
  placed_at: Date;
}

export function bidFromRow(row: BidRow): Bid {
  return {
    bidId: row.bid_id,
    auctionId: row.auction_id,
    bidderId: row.bidder_id,
    amount: Number(row.amount),
    placedAt: row.placed_at.toISOString(),
  };
}

/** An auction aggregate as it was at its row's version, with its newest bids (newest first). */
export function auctionFromRows(row: AuctionRow, newestBids: Bid[]): AuctionAggregate {
  const closed = row.status === 'CLOSED';
  const highestBid = newestBids.reduce<Bid | null>(
    (top, bid) => (top && top.amount >= bid.amount ? top : bid),
    null,
  );
  return {
    id: row.auction_id,
    title: row.title,
    startingPrice: Number(row.starting_price),
    minIncrement: Number(row.min_increment),
    reservePrice: row.reserve_price === null ? null : Number(row.reserve_price),
    softCloseSeconds: row.soft_close_seconds,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    createdAt: row.created_at.toISOString(),
    closed,
    closedAt: row.closed_at ? row.closed_at.toISOString() : null,
    highestBid,
    bidCount: row.bid_count,
    recentBids: newestBids,
    version: Number(row.version),
    nextDeadline: closed ? null : row.ends_at.getTime(),
    outbox: [],
    outboxSince: null,
  };
}

/** Open and closed auctions with their newest bids (accepted bids rise, so the newest is the highest). */
export async function loadAuctions(
  pool: Pool,
  maps: Pick<GridMaps, 'auctions'>,
  progress: Progress,
): Promise<void> {
  const total = await pool.query<{ n: string }>('SELECT count(*) AS n FROM auctions');
  progress.begin('auctions', Number(total.rows[0]?.n ?? 0));
  let after = '';
  for (;;) {
    const page = await pool.query<AuctionRow>(
      `SELECT * FROM auctions WHERE auction_id > $1 ORDER BY auction_id LIMIT ${PAGE}`,
      [after],
    );
    if (page.rows.length === 0) return;
    const bids = await pool.query<BidRow>(
      `SELECT b.* FROM unnest($1::text[]) AS a(id)
         CROSS JOIN LATERAL (SELECT * FROM bids WHERE auction_id = a.id
                              ORDER BY amount DESC, placed_at DESC LIMIT ${RECENT_BIDS_KEPT}) b`,
      [page.rows.map((r) => r.auction_id)],
    );
    const byAuction = new Map<string, Bid[]>();
    for (const row of bids.rows) {
      const list = byAuction.get(row.auction_id) ?? [];
      list.push(bidFromRow(row));
      byAuction.set(row.auction_id, list);
    }
    await maps.auctions.setAll(
      page.rows.map((row) => [row.auction_id, auctionFromRows(row, byAuction.get(row.auction_id) ?? [])]),
    );
    progress.advance(page.rows.length);
    after = page.rows[page.rows.length - 1]!.auction_id;
  }
}
