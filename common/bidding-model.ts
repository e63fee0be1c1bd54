import type { OutboxEntry } from './outbox.js';

/** The shapes of bidding state as the grid stores it (JSON). Pure data, no behaviour. */

export type AuctionStatus = 'SCHEDULED' | 'OPEN' | 'CLOSED';

export interface Bid {
  bidId: string;
  auctionId: string;
  bidderId: string;
  amount: number;
  placedAt: string;
}

export interface AuctionSnapshot {
  auctionId: string;
  title: string;
  status: AuctionStatus;
  highestAmount: number | null;
  highestBidderId: string | null;
  bidCount: number;
  endsAt: string;
  version: number;
}

export interface AuctionAggregate {
  id: string;
  title: string;
  startingPrice: number;
  minIncrement: number;
  /** Never shown to clients: only `reserveMet` is. */
  reservePrice: number | null;
  softCloseSeconds: number;
  startsAt: string;
  endsAt: string;
  createdAt: string;
  /** True once the close has been committed (by a bid after the end, a read, or the sweeper). */
  closed: boolean;
  closedAt: string | null;
  highestBid: Bid | null;
  bidCount: number;
  /** The newest bids, newest first, at most RECENT_BIDS_KEPT. */
  recentBids: Bid[];
  version: number;
  /** `endsAt` while not closed (epoch ms), queried by the close sweeper; null once closed. */
  nextDeadline: number | null;
  outbox: OutboxEntry<AuctionSnapshot>[];
  outboxSince: number | null;
  /** Set when created under an `Idempotency-Key`: which request created it (`creationMark`). */
  createdBy?: string;
}

/** `GET /auctions/{id}/bids` allows up to 100. */
export const RECENT_BIDS_KEPT = 100;
