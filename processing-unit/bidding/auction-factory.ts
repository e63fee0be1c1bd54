import type { AuctionAggregate } from '../../common/bidding-model.js';
import type { AuctionCreatedData, DomainEvent } from '../../common/change-record.js';
import { requireApiTime } from '../../common/api-time.js';
import { ValidationError } from '../../common/errors.js';
import { appendOutbox } from '../../common/outbox.js';
import { auctionRules } from './auction-rules.js';

/** The body of `POST /auctions` after schema validation (types and ranges already checked). */
export interface CreateAuctionInput {
  id?: string;
  title: string;
  startingPrice: number;
  minIncrement: number;
  startsAt?: string;
  endsAt: string;
  softCloseSeconds?: number;
  /** Absent or null: no reserve. */
  reservePrice?: number | null;
}

export const AUCTION_DEFAULTS = { softCloseSeconds: 0 } as const;

/** API.md: money is integer minor units, 1..10^12. */
const MAX_MONEY = 1_000_000_000_000;
const MAX_SOFT_CLOSE_SECONDS = 3600;

function checkMoney(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_MONEY) {
    throw new ValidationError(`${field} must be an integer amount of minor units, 1 to ${MAX_MONEY}`, {
      field,
    });
  }
}

/**
 * Checks what a schema cannot (cross-field rules) and builds a new auction at version 1, its
 * outbox holding the AuctionCreated event and the first snapshot.
 *
 * - `startsAt` defaults to `now` and may lie in the past (the auction is then open at once).
 * - `endsAt` must be after `startsAt` and after `now`.
 * - `reservePrice`, when given, must be at least `startingPrice`: a lower reserve could never
 *   hold a sale back, so it is refused as a likely mistake rather than silently meaningless.
 */
export function buildAuction(
  input: CreateAuctionInput,
  id: string,
  now: number,
): { aggregate: AuctionAggregate; event: DomainEvent } {
  const startsAt = input.startsAt === undefined ? now : requireApiTime(input.startsAt, 'startsAt');
  const endsAt = requireApiTime(input.endsAt, 'endsAt');
  if (endsAt <= startsAt) throw new ValidationError('endsAt must be after startsAt', { field: 'endsAt' });
  if (endsAt <= now) throw new ValidationError('endsAt must be in the future', { field: 'endsAt' });
  checkMoney(input.startingPrice, 'startingPrice');
  checkMoney(input.minIncrement, 'minIncrement');
  const reservePrice = input.reservePrice ?? null;
  if (reservePrice !== null) {
    checkMoney(reservePrice, 'reservePrice');
    if (reservePrice < input.startingPrice) {
      throw new ValidationError('reservePrice must be at least startingPrice', { field: 'reservePrice' });
    }
  }
  const softCloseSeconds = input.softCloseSeconds ?? AUCTION_DEFAULTS.softCloseSeconds;
  if (
    !Number.isInteger(softCloseSeconds) ||
    softCloseSeconds < 0 ||
    softCloseSeconds > MAX_SOFT_CLOSE_SECONDS
  ) {
    throw new ValidationError(`softCloseSeconds must be an integer from 0 to ${MAX_SOFT_CLOSE_SECONDS}`, {
      field: 'softCloseSeconds',
    });
  }

  const data: AuctionCreatedData = {
    auctionId: id,
    title: input.title,
    startingPrice: input.startingPrice,
    minIncrement: input.minIncrement,
    reservePrice,
    softCloseSeconds,
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    createdAt: new Date(now).toISOString(),
  };
  const event: DomainEvent = { type: 'AuctionCreated', auction: data };
  const aggregate: AuctionAggregate = {
    id,
    title: data.title,
    startingPrice: data.startingPrice,
    minIncrement: data.minIncrement,
    reservePrice: data.reservePrice,
    softCloseSeconds: data.softCloseSeconds,
    startsAt: data.startsAt,
    endsAt: data.endsAt,
    createdAt: data.createdAt,
    closed: false,
    closedAt: null,
    highestBid: null,
    bidCount: 0,
    recentBids: [],
    version: 1,
    nextDeadline: endsAt,
    outbox: [],
    outboxSince: null,
  };
  appendOutbox(aggregate, {
    version: 1,
    at: now,
    snapshot: auctionRules.snapshot(aggregate),
    events: [event],
  });
  return { aggregate, event };
}
