import type { HttpResult } from '../outcome.js';

export interface ObservedSection {
  eventId: string;
  sectionId: string;
  kind: 'GA' | 'RESERVED';
  capacity: number;
  holdTtlSeconds: number;
}

export interface ObservedHold {
  holdId: string;
  eventId: string;
  sectionId: string;
  quantity: number;
  seats: string[] | undefined;
  /** `unknown`: a purchase was sent but its answer never came (timeout, network, 5xx). */
  purchase: 'none' | 'confirmed' | 'unknown';
}

export interface ObservedAuction {
  auctionId: string;
  startingPrice: number;
  minIncrement: number;
}

export interface ObservedBid {
  bidId: string;
  auctionId: string;
  bidderId: string;
  amount: number;
  placedAt: string;
  /** performance.now() when the request went out and when its answer arrived. */
  sentAt: number;
  receivedAt: number;
}

export const sectionKey = (eventId: string, sectionId: string): string => `${eventId}/${sectionId}`;

/** No answer, or a 5xx: the server may or may not have applied the request. */
export const isUnknownOutcome = (result: HttpResult): boolean =>
  result.failure !== undefined || result.status >= 500;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/**
 * What the server told the harness during a run: the data it set up, every 201 hold, every
 * purchase, every accepted bid, and how many requests ended without a known outcome. The
 * invariant checks compare this against the API's views and Postgres.
 */
export class Observations {
  readonly sections = new Map<string, ObservedSection>();
  readonly auctions = new Map<string, ObservedAuction>();
  readonly holds = new Map<string, ObservedHold>();
  readonly bids: ObservedBid[] = [];
  /** Per section key: seats asked for by hold requests whose outcome is unknown. */
  readonly unknownHoldQuantity = new Map<string, number>();
  /** Per auction: bids whose outcome is unknown. */
  readonly unknownBids = new Map<string, number>();
  /** Date.now() when the load started: holds older than their TTL may have expired. */
  loadStartedAt = Date.now();

  addSection(section: ObservedSection): void {
    this.sections.set(sectionKey(section.eventId, section.sectionId), section);
  }

  addAuction(auction: ObservedAuction): void {
    this.auctions.set(auction.auctionId, auction);
  }

  /** Records the answer to a hold request; returns the hold when it was granted (201). */
  holdAnswered(
    eventId: string,
    sectionId: string,
    requestedQuantity: number,
    result: HttpResult,
  ): ObservedHold | undefined {
    if (result.status === 201 && isRecord(result.body) && typeof result.body.holdId === 'string') {
      const body = result.body;
      const seats = Array.isArray(body.seats) ? body.seats.map(String) : undefined;
      const hold: ObservedHold = {
        holdId: body.holdId as string,
        eventId,
        sectionId,
        quantity: typeof body.quantity === 'number' ? body.quantity : (seats?.length ?? requestedQuantity),
        seats,
        purchase: 'none',
      };
      this.holds.set(hold.holdId, hold);
      return hold;
    }
    if (isUnknownOutcome(result)) {
      const key = sectionKey(eventId, sectionId);
      this.unknownHoldQuantity.set(key, (this.unknownHoldQuantity.get(key) ?? 0) + requestedQuantity);
    }
    return undefined;
  }

  purchaseAnswered(holdId: string, result: HttpResult): void {
    const hold = this.holds.get(holdId);
    if (!hold) return;
    if (result.status === 200 || result.status === 201) hold.purchase = 'confirmed';
    else if (isUnknownOutcome(result) && hold.purchase === 'none') hold.purchase = 'unknown';
  }

  /** Records the answer to a bid; returns the bid when it was accepted (201). */
  bidAnswered(
    auctionId: string,
    result: HttpResult,
    sentAt: number,
    receivedAt: number,
  ): ObservedBid | undefined {
    if (result.status === 201 && isRecord(result.body) && typeof result.body.bidId === 'string') {
      const body = result.body;
      const bid: ObservedBid = {
        bidId: body.bidId as string,
        auctionId,
        bidderId: String(body.bidderId),
        amount: Number(body.amount),
        placedAt: String(body.placedAt),
        sentAt,
        receivedAt,
      };
      this.bids.push(bid);
      return bid;
    }
    if (isUnknownOutcome(result)) this.unknownBids.set(auctionId, (this.unknownBids.get(auctionId) ?? 0) + 1);
    return undefined;
  }
}
