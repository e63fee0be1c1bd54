import { createHash } from 'node:crypto';
import {
  ConflictError,
  HoldExpiredError,
  IdempotencyKeyReusedError,
  NotFoundError,
  SpacegridError,
  type ErrorCode,
} from '../../common/errors.js';
import type { BasketItemRecord, BasketRecord, BasketStatus } from '../../common/basket-model.js';
import { idempotentHoldId } from '../ticketing/ticketing-service.js';
import type { BasketBody, BasketPurchaseView, BasketView } from './basket-schemas.js';

/** Pure rules of a basket: its ids, the order its items are taken in, its views and answers. */

const IN_PROGRESS: ReadonlySet<BasketStatus> = new Set(['HOLDING', 'RELEASING', 'PURCHASING']);
const TERMINAL: ReadonlySet<BasketStatus> = new Set(['PURCHASED', 'RELEASED', 'EXPIRED', 'UNAVAILABLE']);

export const isInProgress = (status: BasketStatus): boolean => IN_PROGRESS.has(status);
export const isTerminal = (status: BasketStatus): boolean => TERMINAL.has(status);

/** Whether someone is working on the basket now: a step under way, or a live lease on a HELD one. */
export function isBusy(record: BasketRecord, now: number): boolean {
  return isInProgress(record.status) || (record.status === 'HELD' && record.leaseUntil > now);
}

/** The id of the basket an `Idempotency-Key` creates: the same for every retry. */
export function idempotentBasketId(idempotencyKey: string): string {
  return `bkt-k${createHash('sha256').update(`basket\n${idempotencyKey}`).digest('base64url').slice(0, 32)}`;
}

/**
 * The Idempotency-Key the coordinator places item `index`'s hold under. The hold's id derives from
 * it (and its section), so the coordinator knows it before asking, and a retry or a recovering
 * coordinator reaches the same hold, never a second one.
 */
export function itemIdempotencyKey(basketId: string, index: number): string {
  return `basket:${basketId}:${index}`;
}

/** A new basket's log entry: every item PENDING, with the id its hold will have. */
export function newBasket(basketId: string, body: BasketBody, now: number): BasketRecord {
  return {
    deadline: now,
    basketId,
    customerId: body.customerId,
    status: 'HOLDING',
    items: body.items.map((item, index) => ({
      eventId: item.eventId,
      sectionId: item.sectionId,
      ...(item.quantity !== undefined ? { quantity: item.quantity } : {}),
      ...(item.seats !== undefined ? { seats: item.seats } : {}),
      holdId: idempotentHoldId(item.eventId, item.sectionId, itemIdempotencyKey(basketId, index)),
      state: 'PENDING',
    })),
    owner: null,
    leaseUntil: 0,
    createdAt: now,
  };
}

/** Whether a stored basket is what this request asks for (a retry under the same key). */
export function isSameBasket(record: BasketRecord, body: BasketBody): boolean {
  const asked = (item: { eventId: string; sectionId: string; quantity?: number; seats?: string[] }) =>
    JSON.stringify([item.eventId, item.sectionId, item.quantity ?? null, item.seats ?? null]);
  return (
    record.customerId === body.customerId &&
    record.items.length === body.items.length &&
    record.items.every((item, i) => asked(item) === asked(body.items[i]!))
  );
}

/**
 * The order items are placed in: by event, then section (stable for two items of one section).
 * Every basket takes the sections it shares with another in the same order; and a hold never waits
 * for anything (it is granted or refused at once), so competing baskets cannot deadlock either way.
 */
export function canonicalOrder(items: readonly BasketItemRecord[]): number[] {
  return items
    .map((_, i) => i)
    .sort(
      (a, b) =>
        items[a]!.eventId.localeCompare(items[b]!.eventId) ||
        items[a]!.sectionId.localeCompare(items[b]!.sectionId) ||
        a - b,
    );
}

/** The earliest expiry of the basket's holds (ms), or null while none is held. */
export function earliestExpiry(record: BasketRecord): number | null {
  const times = record.items.flatMap((item) => (item.held ? [Date.parse(item.held.expiresAt)] : []));
  return times.length === 0 ? null : Math.min(...times);
}

/**
 * A settled basket as clients see it; a basket that never held everything does not exist for them.
 */
export function basketView(record: BasketRecord, now: number): BasketView {
  const expiresAt = earliestExpiry(record);
  if (record.status === 'UNAVAILABLE' || expiresAt === null)
    throw new NotFoundError('BASKET_NOT_FOUND', `basket ${record.basketId} not found`);
  const status: BasketView['status'] =
    record.status === 'PURCHASED'
      ? 'PURCHASED'
      : record.status === 'EXPIRED' || (record.status === 'HELD' && now >= expiresAt)
        ? 'EXPIRED'
        : record.status === 'HELD'
          ? 'HELD'
          : 'RELEASED';
  return {
    basketId: record.basketId,
    customerId: record.customerId,
    status,
    expiresAt: new Date(expiresAt).toISOString(),
    items: record.items.map((item) => ({
      eventId: item.eventId,
      sectionId: item.sectionId,
      holdId: item.holdId,
      quantity: item.held?.quantity ?? item.quantity ?? 0,
      ...(item.held?.seats ? { seats: item.held.seats } : {}),
    })),
  };
}

/** The answer to `POST /baskets` once the basket settled: the basket, or why nothing is held. */
export function createAnswer(record: BasketRecord, now: number): BasketView {
  if (record.status !== 'UNAVAILABLE') return basketView(record, now);
  const items = record.items.map((item) =>
    item.state === 'HELD' ? 'ok' : item.state === 'PENDING' ? 'NOT_TRIED' : (item.code ?? 'UNIT_FAILED'),
  );
  const refusal = record.refusal;
  if (refusal) {
    throw new SpacegridError(refusal.code as ErrorCode, refusal.status, refusal.message, {
      details: { items },
    });
  }
  throw new ConflictError('BASKET_UNAVAILABLE', 'an item of the basket could not be held: nothing is held', {
    items,
  });
}

/** The answer to a purchase of a settled basket (`firstTime`: this request bought it). */
export function purchaseAnswer(
  record: BasketRecord,
  firstTime: boolean,
): { status: number; body: BasketPurchaseView } {
  if (record.status === 'EXPIRED')
    throw new HoldExpiredError(`a hold of basket ${record.basketId} expired: nothing was bought`);
  if (record.status !== 'PURCHASED')
    throw new ConflictError('HOLD_NOT_ACTIVE', `basket ${record.basketId} was released: nothing was bought`);
  return {
    status: firstTime ? 201 : 200,
    body: {
      basketId: record.basketId,
      status: 'PURCHASED',
      orders: record.items.flatMap((item) => (item.order ? [item.order] : [])),
    },
  };
}

/** A basket that answered a client's request with the same key but another body. */
export function keyReused(): IdempotencyKeyReusedError {
  return new IdempotencyKeyReusedError('this Idempotency-Key created a different basket');
}
