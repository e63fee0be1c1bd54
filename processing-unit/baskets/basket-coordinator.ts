import { setTimeout as sleep } from 'node:timers/promises';
import type { BasketEnd, BasketItemRecord, BasketRecord } from '../../common/basket-model.js';
import { BasketPendingError, ConflictError, NotFoundError, RetryLaterError } from '../../common/errors.js';
import type { Versioned } from '../../common/json-map.js';
import type { Logger } from '../../common/logger.js';
import { sectionKey } from '../../common/map-names.js';
import { route } from '../../common/rendezvous.js';
import { newId } from '../ids.js';
import type { BasketSettings } from '../unit-config.js';
import { BasketLease, LeaseLostError } from './basket-lease.js';
import type { BasketLog } from './basket-log.js';
import {
  basketView,
  canonicalOrder,
  createAnswer,
  earliestExpiry,
  idempotentBasketId,
  isBusy,
  isSameBasket,
  isTerminal,
  itemIdempotencyKey,
  keyReused,
  newBasket,
  purchaseAnswer,
} from './basket-rules.js';
import type { BasketBody, BasketPurchaseView, BasketView } from './basket-schemas.js';
import type { CallResult, SectionCall, SectionCalls } from './section-calls.js';

export interface BasketCoordinatorOptions {
  log: BasketLog;
  calls: SectionCalls;
  unitId: string;
  settings: BasketSettings;
  logger: Logger;
  now?: () => number;
  /** Told each time this unit brings a basket to rest (held, or ended), for the unit's metrics. */
  onSettled?: (status: SettledStatus) => void;
}

/** Where a basket comes to rest: all held, or one of its ends. */
export type SettledStatus = 'HELD' | 'PURCHASED' | BasketEnd;

/**
 * Baskets: all-or-nothing holds across sections, as a saga that any unit may coordinate.
 *
 * The basket's log entry (BasketLog) is the saga log: each step is written by compare-and-set
 * before it is taken (HOLDING with the item being placed, RELEASING, PURCHASING), under a lease
 * that says which unit works on it and until when. Holds are asked of the unit owning each section
 * (SectionCalls), never written here: the section's single writer stays the only one that counts
 * seats. Each item's hold is placed under the Idempotency-Key `basket:<basketId>:<index>`, so its id
 * is known before it is asked for and every retry, by this unit or by the one that recovers the
 * basket, reaches that same hold.
 *
 * Items are placed one at a time in canonical order (by event, then section) and the first refusal
 * stops the placing. A hold is granted or refused at once, never waits on another, so baskets that
 * compete for the same sections cannot deadlock. Anything but a clear grant — a refusal, or no
 * decided answer (timeouts, 5xx, 429) — turns the basket to RELEASING: every hold that may exist
 * is released (a hold never placed answers 404, which is as good), then UNAVAILABLE.
 *
 * A purchase first claims the HELD basket, checks each hold is still HELD with at least
 * `purchaseMarginMs` left, then writes PURCHASING and buys each hold (a purchase repeats
 * harmlessly); a hold that is not, or not long enough, turns it to RELEASING instead, so a basket
 * is bought whole or not at all. The margin exceeds lease plus recovery interval, so a purchase
 * whose coordinator dies right after the check is finished by recovery before any hold expires.
 *
 * When a coordinator dies, its lease runs out and the recovery loop of the unit that owns the
 * basket's id (rendezvous, as for any key) takes it over: HOLDING is compensated (the client never
 * heard of the basket, or heard 502/504 and retries with its key), RELEASING finished, PURCHASING
 * carried forward, and a HELD basket past its earliest hold's expiry released whole (a later hold
 * may have a longer time to live: the basket must not stay partly held). A placement still in
 * flight when its basket is compensated (its coordinator died, or a section was slower than the
 * call timeout) is asked for again under its key before the release, so when the late copy lands
 * it finds the key answered and places nothing.
 */
export class BasketCoordinator {
  private readonly now: () => number;
  private readonly leaseOptions: { owner: string; leaseMs: number; now: () => number };

  constructor(private readonly options: BasketCoordinatorOptions) {
    this.now = options.now ?? Date.now;
    this.leaseOptions = { owner: options.unitId, leaseMs: options.settings.leaseMs, now: this.now };
  }

  /** `POST /baskets`: every item held, or nothing (the refusal says which item refused). */
  async create(body: BasketBody, idempotencyKey?: string): Promise<BasketView> {
    const basketId = idempotencyKey !== undefined ? idempotentBasketId(idempotencyKey) : newId('bkt');
    const now = this.now();
    const answerBy = now + this.answerWithinMs();
    const record = {
      ...newBasket(basketId, body, now),
      owner: this.options.unitId,
      leaseUntil: now + this.options.settings.leaseMs,
    };
    const existing = await this.options.log.create(record);
    if (existing) {
      // A retry under the same key whose first answer was lost: that basket's answer.
      if (!isSameBasket(existing.value, body)) throw keyReused();
      return createAnswer(await this.settled(basketId, answerBy), this.now());
    }
    const stored = await this.options.log.get(basketId);
    if (stored)
      await this.driveUntil(BasketLease.created(this.options.log, stored, this.leaseOptions), answerBy);
    return createAnswer(await this.settled(basketId, answerBy), this.now());
  }

  /** `GET /baskets/{id}`. */
  async get(basketId: string): Promise<BasketView> {
    return basketView(await this.settled(basketId), this.now());
  }

  /** `POST /baskets/{id}/purchase`: every hold bought (201, then 200), or none. */
  async purchase(basketId: string): Promise<{ status: number; body: BasketPurchaseView }> {
    const answerBy = this.now() + this.answerWithinMs();
    for (;;) {
      const stored = await this.stored(basketId);
      if (stored.value.status !== 'HELD' || isBusy(stored.value, this.now()))
        return purchaseAnswer(await this.settled(basketId, answerBy), false);
      const lease = await BasketLease.take(this.options.log, stored, (r) => r, this.leaseOptions);
      if (!lease) continue;
      lease.keepAlive();
      let end: BasketEnd | undefined;
      try {
        end = await this.whyNotBuyable(lease.record);
      } catch (err) {
        await lease.settle((r) => r).catch(() => undefined);
        throw err;
      }
      await lease.write((r) =>
        end ? { ...r, status: 'RELEASING', releaseTo: end } : { ...r, status: 'PURCHASING' },
      );
      const bought = await this.driveUntil(lease, answerBy);
      return purchaseAnswer(await this.settled(basketId, answerBy), bought && !end);
    }
  }

  /** `DELETE /baskets/{id}`: every hold released; 409 once bought. */
  async release(basketId: string): Promise<void> {
    const answerBy = this.now() + this.answerWithinMs();
    for (;;) {
      const stored = await this.stored(basketId);
      if (stored.value.status === 'HELD' && !isBusy(stored.value, this.now())) {
        const lease = await BasketLease.take(
          this.options.log,
          stored,
          (r) => ({ ...r, status: 'RELEASING', releaseTo: 'RELEASED' }),
          this.leaseOptions,
        );
        if (!lease) continue;
        await this.driveUntil(lease, answerBy);
      }
      const settled = await this.settled(basketId, answerBy);
      if (settled.status === 'HELD') continue;
      if (settled.status === 'PURCHASED')
        throw new ConflictError('HOLD_NOT_ACTIVE', `basket ${basketId} was purchased and cannot be released`);
      if (settled.status === 'UNAVAILABLE')
        throw new NotFoundError('BASKET_NOT_FOUND', `basket ${basketId} not found`);
      return;
    }
  }

  /**
   * The recovery loop's call for a basket past its deadline: one whose coordinator stopped (its
   * lease ran out) is finished, a HELD one past its earliest hold's expiry released whole, and an
   * ended one whose time-to-live was never set removed.
   */
  async recover(basketId: string): Promise<void> {
    const stored = await this.options.log.get(basketId);
    const now = this.now();
    if (!stored || stored.value.deadline > now || stored.value.leaseUntil > now) return;
    if (isTerminal(stored.value.status)) return this.options.log.forget(stored);
    const lease = await BasketLease.take(
      this.options.log,
      stored,
      (r) =>
        r.status === 'HOLDING'
          ? { ...r, status: 'RELEASING', releaseTo: 'UNAVAILABLE' }
          : r.status === 'HELD'
            ? { ...r, status: 'RELEASING', releaseTo: 'EXPIRED' }
            : r,
      this.leaseOptions,
    );
    if (!lease) return;
    this.options.logger.info(
      { basketId, status: stored.value.status, owner: stored.value.owner },
      'recovering a basket',
    );
    await this.drive(lease);
  }

  /**
   * Takes the basket's steps until it settles. False when it could not: another unit took it over,
   * or a section gave no decided answer (the lease then runs out and recovery tries again).
   */
  private async drive(lease: BasketLease): Promise<boolean> {
    lease.keepAlive();
    try {
      if (lease.record.status === 'HOLDING') await this.placeAll(lease);
      if (lease.record.status === 'RELEASING') await this.releaseAll(lease);
      if (lease.record.status === 'PURCHASING') await this.purchaseAll(lease);
      return isTerminal(lease.record.status) || lease.record.status === 'HELD';
    } catch (err) {
      if (err instanceof LeaseLostError) return false;
      throw err;
    } finally {
      lease.stop();
    }
  }

  /** HOLDING: each item in canonical order, PLACING written before its hold is asked for. */
  private async placeAll(lease: BasketLease): Promise<void> {
    const { basketId, customerId } = lease.record;
    for (const index of canonicalOrder(lease.record.items)) {
      const item = (await lease.write((r) => withItem(r, index, { state: 'PLACING' }))).items[index]!;
      const result = await this.placeHold(basketId, customerId, item, index, 'hold');
      if (result.kind === 'ok') {
        const { quantity, seats, expiresAt } = result.body as {
          quantity: number;
          seats?: string[];
          expiresAt: string;
        };
        await lease.write((r) =>
          withItem(r, index, { state: 'HELD', held: { quantity, ...(seats ? { seats } : {}), expiresAt } }),
        );
        continue;
      }
      const decisive = result.kind === 'refused' && (result.status === 400 || result.status === 404);
      await lease.write((r) => ({
        ...withItem(r, index, { state: 'REFUSED', code: result.code }),
        status: 'RELEASING',
        releaseTo: 'UNAVAILABLE',
        ...(decisive
          ? { refusal: { status: result.status, code: result.code, message: result.message } }
          : {}),
      }));
      return;
    }
    await this.settle(lease, (r) => ({ ...r, status: 'HELD' }));
  }

  /**
   * RELEASING: every hold that may exist released, then the basket's end. An item whose placement
   * was asked for but not seen granted (PLACING, or an answer that decided nothing) may still be on
   * its way to its section's unit: it is asked for again first, under the same Idempotency-Key, so
   * the key is answered before it is released and a late copy of the request only replays that
   * answer instead of placing a hold nobody would release. Refused: nothing to release.
   */
  private async releaseAll(lease: BasketLease): Promise<void> {
    const record = lease.record;
    const releaseOne = async (item: BasketItemRecord, index: number): Promise<CallResult | null> => {
      if (item.state === 'PENDING') return null;
      if (item.state !== 'HELD') {
        const placed = await this.placeHold(record.basketId, record.customerId, item, index, 'settle');
        if (placed.kind === 'refused') return null;
        if (placed.kind === 'unknown') return placed;
      }
      return this.call(
        record.basketId,
        `release-${index}`,
        item,
        'DELETE',
        `${holdsPath(item)}/${item.holdId}`,
      );
    };
    const results = await Promise.all(record.items.map(releaseOne));
    const open = results.filter(
      (r) => r !== null && r.kind !== 'ok' && !(r.kind === 'refused' && r.code === 'HOLD_NOT_FOUND'),
    );
    if (open.some((r) => r!.kind === 'unknown')) return;
    if (open.length > 0)
      this.options.logger.error(
        { basketId: record.basketId, open },
        'a hold of a released basket was bought',
      );
    await this.settle(lease, (r) => ({ ...r, status: r.releaseTo ?? 'RELEASED' }));
  }

  /** PURCHASING: every hold bought (a repeat answers the same order), then PURCHASED. */
  private async purchaseAll(lease: BasketLease): Promise<void> {
    const record = lease.record;
    const results = await Promise.all(
      record.items.map((item, index) =>
        this.call(
          record.basketId,
          `purchase-${index}`,
          item,
          'POST',
          `${holdsPath(item)}/${item.holdId}/purchase`,
          {
            body: {},
          },
        ),
      ),
    );
    if (results.some((r) => r.kind === 'unknown')) return;
    const refused = results.filter((r) => r.kind === 'refused');
    // Only a coordinator and its recovery stalled past the margin get here: what was bought stays bought.
    if (refused.length > 0)
      this.options.logger.error({ basketId: record.basketId, refused }, 'a basket was bought only in part');
    await this.settle(lease, (r) => ({
      ...r,
      status: 'PURCHASED',
      items: r.items.map((item, i) => {
        const result = results[i]!;
        return result.kind === 'ok'
          ? { ...item, order: result.body }
          : { ...item, code: (result as { code: string }).code };
      }),
    }));
  }

  /** Writes the basket's resting state and counts it. */
  private async settle(lease: BasketLease, change: (record: BasketRecord) => BasketRecord): Promise<void> {
    const settled = await lease.settle(change);
    this.options.onSettled?.(settled.status as SettledStatus);
  }

  /**
   * Why a claimed HELD basket cannot be bought, or undefined when it can: every hold must still be
   * HELD with the margin left. A section that does not answer leaves the question open: 429.
   */
  private async whyNotBuyable(record: BasketRecord): Promise<BasketEnd | undefined> {
    const deadline = this.now() + this.options.settings.purchaseMarginMs;
    if ((earliestExpiry(record) ?? 0) <= deadline) return 'EXPIRED';
    const results = await Promise.all(
      record.items.map((item, index) =>
        this.call(record.basketId, `check-${index}`, item, 'GET', `${holdsPath(item)}/${item.holdId}`),
      ),
    );
    if (results.some((r) => r.kind === 'unknown'))
      throw new RetryLaterError('OVERLOADED', 'a section of the basket did not answer: try again', 1);
    let end: BasketEnd | undefined;
    for (const result of results) {
      const hold = result.kind === 'ok' ? (result.body as { status: string; expiresAt: string }) : undefined;
      if (hold?.status === 'EXPIRED' || (hold?.status === 'HELD' && Date.parse(hold.expiresAt) <= deadline))
        return 'EXPIRED';
      if (hold?.status !== 'HELD') end = 'RELEASED';
    }
    return end;
  }

  /** Asks the section's unit for the item's hold, under the item's Idempotency-Key (a repeat replays). */
  private placeHold(
    basketId: string,
    customerId: string,
    item: BasketItemRecord,
    index: number,
    step: 'hold' | 'settle',
  ): Promise<CallResult> {
    return this.call(basketId, `${step}-${index}`, item, 'POST', holdsPath(item), {
      body: { customerId, ...(item.seats ? { seats: item.seats } : { quantity: item.quantity }) },
      idempotencyKey: itemIdempotencyKey(basketId, index),
    });
  }

  private call(
    basketId: string,
    step: string,
    item: BasketItemRecord,
    method: SectionCall['method'],
    path: string,
    extra: Pick<SectionCall, 'body' | 'idempotencyKey'> = {},
  ): Promise<CallResult> {
    return this.options.calls.call({
      routingKey: route.section(sectionKey(item.eventId, item.sectionId)),
      method,
      path,
      correlationId: `${basketId}/${step}`,
      ...extra,
    });
  }

  private async stored(basketId: string): Promise<Versioned<BasketRecord>> {
    const stored = await this.options.log.get(basketId);
    if (!stored) throw new NotFoundError('BASKET_NOT_FOUND', `basket ${basketId} not found`);
    return stored;
  }

  /**
   * The basket once nobody works on it. A step under way is waited for (its coordinator finishes
   * it, or recovery does once the lease runs out), up to about two leases and a recovery pass.
   */
  private async settled(
    basketId: string,
    answerBy = this.now() + this.answerWithinMs(),
  ): Promise<BasketRecord> {
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      const record = (await this.stored(basketId)).value;
      if (!isBusy(record, this.now())) return record;
      if (this.now() > answerBy) throw new BasketPendingError(basketId);
      await sleep(delay);
    }
  }

  /**
   * How long a request waits for its basket, counted from the request's start: about two leases
   * and a recovery pass, so a step that a dead coordinator left is finished by recovery within it.
   */
  private answerWithinMs(): number {
    const { leaseMs, recoveryIntervalMs } = this.options.settings;
    return 2 * leaseMs + recoveryIntervalMs + 2_000;
  }

  /**
   * Drives the basket's step until `answerBy` at most. A step still under way then (a section's
   * unit slow to answer) goes on under its lease, and the request is answered 504 BASKET_PENDING
   * with the basket's id rather than outlasting the messaging grid's timeout without it.
   */
  private async driveUntil(lease: BasketLease, answerBy: number): Promise<boolean> {
    const driving = this.drive(lease);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), Math.max(0, answerBy - this.now()));
    });
    try {
      const outcome = await Promise.race([driving, late]);
      if (outcome !== 'late') return outcome;
    } finally {
      clearTimeout(timer);
    }
    const basketId = lease.record.basketId;
    driving.catch((err: unknown) =>
      this.options.logger.warn({ err, basketId }, 'a basket step answered as pending failed later'),
    );
    throw new BasketPendingError(basketId);
  }
}

function withItem(record: BasketRecord, index: number, change: Partial<BasketItemRecord>): BasketRecord {
  return { ...record, items: record.items.map((item, i) => (i === index ? { ...item, ...change } : item)) };
}

function holdsPath(item: BasketItemRecord): string {
  return `/events/${encodeURIComponent(item.eventId)}/sections/${encodeURIComponent(item.sectionId)}/holds`;
}
