import { ConflictError, IdempotencyKeyReusedError, ValidationError } from '../../common/errors.js';
import {
  RECENT_BIDS_KEPT,
  type AuctionAggregate,
  type AuctionSnapshot,
  type AuctionStatus,
  type Bid,
} from '../../common/bidding-model.js';
import type { AggregateRules, Decision } from '../write-path/aggregate-rules.js';
import type { AuctionCommand, AuctionContext } from './auction-commands.js';

export type AuctionResult = { kind: 'bid'; bid: Bid; endsAt: string } | { kind: 'none' };

/**
 * The status at `now`: SCHEDULED before `startsAt`, OPEN from `startsAt` up to but excluding
 * `endsAt`, CLOSED from `endsAt` on (or once the close is committed).
 */
export function auctionStatusAt(state: AuctionAggregate, now: number): AuctionStatus {
  if (state.closed || now >= Date.parse(state.endsAt)) return 'CLOSED';
  return now < Date.parse(state.startsAt) ? 'SCHEDULED' : 'OPEN';
}

/** The least amount the next bid may offer. */
export function minimumNextBid(state: AuctionAggregate): number {
  return state.highestBid ? state.highestBid.amount + state.minIncrement : state.startingPrice;
}

/** True when there is no reserve, or the highest bid reaches it. */
export function reserveMet(state: AuctionAggregate): boolean {
  if (state.reservePrice === null) return true;
  return state.highestBid !== null && state.highestBid.amount >= state.reservePrice;
}

/** Who wins if the auction closes now: the highest bid, when the reserve is met. */
export function winnerOf(state: AuctionAggregate): Bid | null {
  return state.highestBid && reserveMet(state) ? state.highestBid : null;
}

/**
 * A time at which the status is what it was when the current version was committed: every
 * change is creation (createdAt), a bid (its placedAt) or the close (CLOSED whenever it ran).
 */
function lastChangeAt(state: AuctionAggregate): number {
  if (state.closed) return Date.parse(state.endsAt);
  return Math.max(Date.parse(state.createdAt), state.highestBid ? Date.parse(state.highestBid.placedAt) : 0);
}

/**
 * The bid already accepted with this id, if it is among the newest RECENT_BIDS_KEPT (which include
 * the highest, and any placed earlier in the batch being built).
 */
export function acceptedBid(state: AuctionAggregate, bidId: string): Bid | undefined {
  return state.recentBids.find((bid) => bid.bidId === bidId);
}

function decidePlaceBid(
  state: AuctionAggregate,
  command: Extract<AuctionCommand, { type: 'placeBid' }>,
  now: number,
): Decision<AuctionResult> {
  // A repeat of a bid (a retry under the same Idempotency-Key, whose first attempt may have
  // committed) is answered with the bid accepted, whatever the auction looks like now. One older
  // than the kept bids cannot be accepted twice either: amounts strictly increase, so it is too low.
  const earlier = acceptedBid(state, command.bidId);
  if (earlier) {
    if (earlier.bidderId !== command.bidderId || earlier.amount !== command.amount) {
      throw new IdempotencyKeyReusedError(`bid ${command.bidId} was placed for a different request`);
    }
    return { result: { kind: 'bid', bid: earlier, endsAt: state.endsAt }, events: [] };
  }
  const endsAt = Date.parse(state.endsAt);
  if (state.closed || now >= endsAt) {
    throw new ConflictError('AUCTION_CLOSED', `auction ${state.id} closed at ${state.endsAt}`);
  }
  if (now < Date.parse(state.startsAt)) {
    throw new ConflictError('AUCTION_NOT_STARTED', `auction ${state.id} opens at ${state.startsAt}`, {
      startsAt: state.startsAt,
    });
  }
  if (!Number.isSafeInteger(command.amount) || command.amount < 1) {
    throw new ValidationError('amount must be a positive integer of minor units', { field: 'amount' });
  }
  const minimum = minimumNextBid(state);
  if (command.amount < minimum) {
    throw new ConflictError('BID_TOO_LOW', `the next bid must be at least ${minimum}`, {
      minimumNextBid: minimum,
    });
  }
  // Soft close: a bid strictly inside the last `softCloseSeconds` pushes the end to
  // placedAt + softCloseSeconds. At exactly endsAt - window that is endsAt itself, so both
  // readings of the boundary agree.
  const window = state.softCloseSeconds * 1000;
  const newEndsAt =
    window > 0 && now > endsAt - window
      ? new Date(Math.max(endsAt, now + window)).toISOString()
      : state.endsAt;
  const bid: Bid = {
    bidId: command.bidId,
    auctionId: state.id,
    bidderId: command.bidderId,
    amount: command.amount,
    placedAt: new Date(now).toISOString(),
  };
  return {
    result: { kind: 'bid', bid, endsAt: newEndsAt },
    events: [{ type: 'BidPlaced', bid, endsAt: newEndsAt }],
  };
}

/** The rules of an auction. */
export const auctionRules: AggregateRules<
  AuctionAggregate,
  AuctionCommand,
  AuctionResult,
  AuctionContext,
  AuctionSnapshot
> = {
  due(state, now) {
    if (state.closed || now < Date.parse(state.endsAt)) return [];
    // The auction ended at endsAt, whenever the close is committed: closedAt says so.
    return [{ type: 'AuctionClosed', auctionId: state.id, closedAt: state.endsAt, winner: winnerOf(state) }];
  },

  decide(state, command, context) {
    switch (command.type) {
      case 'placeBid':
        return decidePlaceBid(state, command, context.now);
      case 'touch':
        return { result: { kind: 'none' }, events: [] };
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'BidPlaced':
        state.highestBid = event.bid;
        state.bidCount += 1;
        state.recentBids = [event.bid, ...state.recentBids.slice(0, RECENT_BIDS_KEPT - 1)];
        state.endsAt = event.endsAt;
        return;
      case 'AuctionClosed':
        state.closed = true;
        state.closedAt = event.closedAt;
        return;
      default:
        // AuctionCreated is folded in by `buildAuction`; other events are not about auctions.
        return;
    }
  },

  /**
   * A snapshot has no clock of its own, but the state changes only through creation, bids and
   * the close, so its status is the status at the time of the last change: exact for every
   * version. The reported row stays SCHEDULED past `startsAt` until the first bid (no event
   * marks the opening); readers that need the live status compare `starts_at` with their clock.
   */
  snapshot(state) {
    return {
      auctionId: state.id,
      title: state.title,
      status: auctionStatusAt(state, lastChangeAt(state)),
      highestAmount: state.highestBid?.amount ?? null,
      highestBidderId: state.highestBid?.bidderId ?? null,
      bidCount: state.bidCount,
      endsAt: state.endsAt,
      version: state.version,
    };
  },

  nextDeadline(state) {
    return state.closed ? null : Date.parse(state.endsAt);
  },
};
