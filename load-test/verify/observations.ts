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
  /** Released on request (baskets); `unknown` as for `purchase`. */
  release: 'none' | 'confirmed' | 'unknown';
}

/** One item of a basket request, as sent. */
export interface BasketItemRequest {
  eventId: string;
  sectionId: string;
  quantity: number;
}

/** What was last asked of a granted basket and how it ended: `failed` is a definite refusal. */
export interface BasketClosing {
  action: 'purchase' | 'release';
  outcome: 'confirmed' | 'failed' | 'unknown';
}

/** A basket answered 201: its items are ordinary holds, also in `Observations.holds`. */
export interface ObservedBasket {
  basketId: string;
  customerId: string;
  holdIds: string[];
  closing: BasketClosing | undefined;
}

/**
 * A basket request that was not granted: `refused` (an answer naming each item's fate) must leave
 * nothing held, except items whose code decided nothing (`undecided`: UNIT_TIMEOUT, OVERLOADED,
 * …), whose hold the basket's compensation may still be settling; `unknown` (no answer, a 5xx, or
 * a 429 without the items' fate) may have been granted whole, or not at all.
 */
export interface NotGrantedBasket {
  customerId: string;
  answer: 'refused' | 'unknown';
  items: number;
  undecided: number;
}

/** Codes of `details.items` of a refused basket that say the item's hold does not exist. */
const DECISIVE_ITEM_CODES: ReadonlySet<string> = new Set([
  'ok',
  'NOT_TRIED',
  'NOT_ENOUGH_SEATS',
  'SEAT_UNAVAILABLE',
]);

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

const closingOutcome = (result: HttpResult, success: readonly number[]): BasketClosing['outcome'] =>
  success.includes(result.status) ? 'confirmed' : isUnknownOutcome(result) ? 'unknown' : 'failed';

/** `details.items` of a refused basket: per item `ok`, `NOT_TRIED` or the code its hold got. */
function itemCodes(body: unknown): string[] {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const details = error && isRecord(error.details) ? error.details : undefined;
  return details && Array.isArray(details.items) ? details.items.map(String) : [];
}

/**
 * What the server told the harness during a run: the data it set up, every 201 hold, every
 * purchase, every basket (granted or not) and what became of it, every accepted bid, and how many requests ended without a known outcome. The
 * invariant checks compare this against the API's views and Postgres.
 */
export class Observations {
  readonly sections = new Map<string, ObservedSection>();
  readonly auctions = new Map<string, ObservedAuction>();
  readonly holds = new Map<string, ObservedHold>();
  readonly bids: ObservedBid[] = [];
  /** Granted baskets, by basketId. */
  readonly baskets = new Map<string, ObservedBasket>();
  readonly basketsNotGranted: NotGrantedBasket[] = [];
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
      return this.addHold(eventId, sectionId, requestedQuantity, result.body);
    }
    if (isUnknownOutcome(result)) this.addUnknownHoldQuantity(eventId, sectionId, requestedQuantity);
    return undefined;
  }

  /** A granted hold, from its view (a hold's 201 body, or an item of a basket's). */
  private addHold(
    eventId: string,
    sectionId: string,
    requestedQuantity: number,
    body: Record<string, unknown>,
  ): ObservedHold {
    const seats = Array.isArray(body.seats) ? body.seats.map(String) : undefined;
    const hold: ObservedHold = {
      holdId: String(body.holdId),
      eventId,
      sectionId,
      quantity: typeof body.quantity === 'number' ? body.quantity : (seats?.length ?? requestedQuantity),
      seats,
      purchase: 'none',
      release: 'none',
    };
    this.holds.set(hold.holdId, hold);
    return hold;
  }

  private addUnknownHoldQuantity(eventId: string, sectionId: string, quantity: number): void {
    const key = sectionKey(eventId, sectionId);
    this.unknownHoldQuantity.set(key, (this.unknownHoldQuantity.get(key) ?? 0) + quantity);
  }

  purchaseAnswered(holdId: string, result: HttpResult): void {
    const hold = this.holds.get(holdId);
    if (!hold) return;
    if (result.status === 200 || result.status === 201) hold.purchase = 'confirmed';
    else if (isUnknownOutcome(result) && hold.purchase === 'none') hold.purchase = 'unknown';
  }

  /**
   * Records the answer to `POST /baskets`; returns the basket when it was granted (201), its
   * items recorded as holds. Items whose hold may exist without the harness knowing its id
   * (no answer, or an undecided item code) widen their section's unknown quantity.
   */
  basketAnswered(
    customerId: string,
    items: readonly BasketItemRequest[],
    result: HttpResult,
  ): ObservedBasket | undefined {
    const body = result.body;
    if (
      result.status === 201 &&
      isRecord(body) &&
      typeof body.basketId === 'string' &&
      Array.isArray(body.items)
    ) {
      const views = body.items.filter(isRecord);
      const holdIds = views.map((view, i) => {
        const asked = items[i];
        const eventId = typeof view.eventId === 'string' ? view.eventId : (asked?.eventId ?? '');
        const sectionId = typeof view.sectionId === 'string' ? view.sectionId : (asked?.sectionId ?? '');
        return this.addHold(eventId, sectionId, asked?.quantity ?? 0, view).holdId;
      });
      const basket: ObservedBasket = { basketId: body.basketId, customerId, holdIds, closing: undefined };
      this.baskets.set(basket.basketId, basket);
      return basket;
    }
    const codes = isUnknownOutcome(result) ? [] : itemCodes(body);
    // Only an answer that says what became of each item (409 BASKET_UNAVAILABLE, or an item's own
    // 400/404, with `details.items`) decided the basket. Any other (no answer, a 5xx such as
    // 504 BASKET_PENDING while it was still being worked on, a 429) leaves it whole or gone.
    const unknown = codes.length === 0;
    const undecided = items.filter((_, i) => unknown || !DECISIVE_ITEM_CODES.has(codes[i] ?? 'NOT_TRIED'));
    for (const item of undecided) this.addUnknownHoldQuantity(item.eventId, item.sectionId, item.quantity);
    this.basketsNotGranted.push({
      customerId,
      answer: unknown ? 'unknown' : 'refused',
      items: items.length,
      undecided: unknown ? 0 : undecided.length,
    });
    return undefined;
  }

  /** Records the answer to `POST /baskets/{id}/purchase`: 201 (or 200, a repeat) buys every hold. */
  basketPurchaseAnswered(basketId: string, result: HttpResult): void {
    const basket = this.baskets.get(basketId);
    if (!basket) return;
    basket.closing = { action: 'purchase', outcome: closingOutcome(result, [200, 201]) };
    for (const holdId of basket.holdIds) this.purchaseAnswered(holdId, result);
  }

  /** Records the answer to `DELETE /baskets/{id}`: 204 releases every hold. */
  basketReleaseAnswered(basketId: string, result: HttpResult): void {
    const basket = this.baskets.get(basketId);
    if (!basket) return;
    const outcome = closingOutcome(result, [204]);
    basket.closing = { action: 'release', outcome };
    for (const holdId of basket.holdIds) {
      const hold = this.holds.get(holdId);
      if (hold && outcome !== 'failed') hold.release = outcome;
    }
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
