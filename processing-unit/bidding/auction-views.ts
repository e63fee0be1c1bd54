import {
  RECENT_BIDS_KEPT,
  type AuctionAggregate,
  type AuctionStatus,
  type Bid,
} from '../../common/bidding-model.js';
import { auctionStatusAt, minimumNextBid, reserveMet, winnerOf } from './auction-rules.js';

/**
 * What clients see (API.md). Views are computed at `now`: an auction past its `endsAt` shows as
 * CLOSED, with its winner, even before the close is committed. The reserve price never appears.
 */

export interface AuctionView {
  id: string;
  title: string;
  status: AuctionStatus;
  startingPrice: number;
  minIncrement: number;
  minimumNextBid: number;
  reserveMet: boolean;
  highestBid: { bidId: string; bidderId: string; amount: number; placedAt: string } | null;
  bidCount: number;
  startsAt: string;
  endsAt: string;
  winner: { bidId: string; bidderId: string; amount: number } | null;
}

export function auctionView(state: AuctionAggregate, now: number): AuctionView {
  const status = auctionStatusAt(state, now);
  const highest = state.highestBid;
  const winner = status === 'CLOSED' ? winnerOf(state) : null;
  return {
    id: state.id,
    title: state.title,
    status,
    startingPrice: state.startingPrice,
    minIncrement: state.minIncrement,
    minimumNextBid: minimumNextBid(state),
    reserveMet: reserveMet(state),
    highestBid: highest
      ? {
          bidId: highest.bidId,
          bidderId: highest.bidderId,
          amount: highest.amount,
          placedAt: highest.placedAt,
        }
      : null,
    bidCount: state.bidCount,
    startsAt: state.startsAt,
    endsAt: state.endsAt,
    winner: winner ? { bidId: winner.bidId, bidderId: winner.bidderId, amount: winner.amount } : null,
  };
}

export interface BidListItem {
  bidId: string;
  auctionId: string;
  bidderId: string;
  amount: number;
  placedAt: string;
}

/** `GET /auctions/{id}/bids` without `limit`. */
export const DEFAULT_BIDS_LIMIT = 50;

/** The newest `limit` bids (1..RECENT_BIDS_KEPT), newest first. */
export function bidsView(
  state: AuctionAggregate,
  limit: number = DEFAULT_BIDS_LIMIT,
): { bids: BidListItem[] } {
  const n = Math.min(Math.max(Math.trunc(limit), 1), RECENT_BIDS_KEPT);
  return {
    bids: state.recentBids.slice(0, n).map((bid) => ({
      bidId: bid.bidId,
      auctionId: bid.auctionId,
      bidderId: bid.bidderId,
      amount: bid.amount,
      placedAt: bid.placedAt,
    })),
  };
}

export interface BidView extends BidListItem {
  endsAt: string;
}

/** The 201 answer to `POST /auctions/{id}/bids`: the bid and the (possibly extended) end. */
export function bidView(bid: Bid, auctionId: string, endsAt: string): BidView {
  return {
    bidId: bid.bidId,
    auctionId,
    bidderId: bid.bidderId,
    amount: bid.amount,
    placedAt: bid.placedAt,
    endsAt,
  };
}
