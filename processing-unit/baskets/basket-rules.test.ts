import { describe, expect, it } from 'vitest';
import type { SpacegridError } from '../../common/errors.js';
import { idempotentHoldId } from '../ticketing/ticketing-service.js';
import {
  basketView,
  canonicalOrder,
  createAnswer,
  idempotentBasketId,
  isBusy,
  isSameBasket,
  itemIdempotencyKey,
  newBasket,
  purchaseAnswer,
} from './basket-rules.js';

const body = {
  customerId: 'c-1',
  items: [
    { eventId: 'e2', sectionId: 'a', quantity: 1 },
    { eventId: 'e1', sectionId: 'b', seats: ['A-1'] },
    { eventId: 'e1', sectionId: 'a', quantity: 2 },
    { eventId: 'e1', sectionId: 'a', quantity: 3 },
  ],
};

function thrown(run: () => unknown): SpacegridError {
  try {
    run();
  } catch (err) {
    return err as SpacegridError;
  }
  throw new Error('did not throw');
}

describe('basket rules', () => {
  it('knows every hold id before asking: the one its item key places in its section', () => {
    const basket = newBasket('bkt-1', body, 0);
    expect(basket.items.map((item) => item.holdId)).toEqual(
      body.items.map((item, i) =>
        idempotentHoldId(item.eventId, item.sectionId, itemIdempotencyKey('bkt-1', i)),
      ),
    );
    expect(new Set(basket.items.map((item) => item.holdId)).size).toBe(4);
    expect(idempotentBasketId('k-1')).toBe(idempotentBasketId('k-1'));
    expect(idempotentBasketId('k-1')).not.toBe(idempotentBasketId('k-2'));
    expect(idempotentBasketId('k-1')).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it('takes items by event, then section, then as listed', () => {
    expect(canonicalOrder(newBasket('bkt-1', body, 0).items)).toEqual([2, 3, 1, 0]);
  });

  it('recognises a retry of the same basket only', () => {
    const basket = newBasket('bkt-1', body, 0);
    expect(isSameBasket(basket, body)).toBe(true);
    expect(isSameBasket(basket, { ...body, customerId: 'c-2' })).toBe(false);
    expect(isSameBasket(basket, { ...body, items: body.items.slice(1) })).toBe(false);
  });

  it('answers a refused basket with each item, and never shows it', () => {
    const basket = newBasket('bkt-1', body, 0);
    basket.status = 'UNAVAILABLE';
    basket.items[2] = {
      ...basket.items[2]!,
      state: 'HELD',
      held: { quantity: 2, expiresAt: '2026-01-01T00:00:00.000Z' },
    };
    basket.items[3] = { ...basket.items[3]!, state: 'REFUSED', code: 'NOT_ENOUGH_SEATS' };
    const refusal = thrown(() => createAnswer(basket, 0));
    expect([refusal.status, refusal.code]).toEqual([409, 'BASKET_UNAVAILABLE']);
    expect(refusal.details).toEqual({ items: ['NOT_TRIED', 'NOT_TRIED', 'ok', 'NOT_ENOUGH_SEATS'] });
    expect(thrown(() => basketView(basket, 0)).code).toBe('BASKET_NOT_FOUND');
  });

  it('shows a held basket EXPIRED from its earliest hold expiry on, and answers purchases by status', () => {
    const basket = newBasket('bkt-1', { customerId: 'c-1', items: body.items.slice(0, 2) }, 0);
    basket.status = 'HELD';
    basket.items = basket.items.map((item, i) => ({
      ...item,
      state: 'HELD',
      held: { quantity: 1, expiresAt: new Date((i + 1) * 10_000).toISOString() },
    }));
    expect(basketView(basket, 9_999)).toMatchObject({
      status: 'HELD',
      expiresAt: new Date(10_000).toISOString(),
    });
    expect(basketView(basket, 10_000).status).toBe('EXPIRED');
    expect(isBusy(basket, 0)).toBe(false);
    expect(isBusy({ ...basket, leaseUntil: 1 }, 0)).toBe(true);
    expect(thrown(() => purchaseAnswer({ ...basket, status: 'EXPIRED' }, false)).code).toBe('HOLD_EXPIRED');
    expect(thrown(() => purchaseAnswer({ ...basket, status: 'RELEASED' }, false)).code).toBe(
      'HOLD_NOT_ACTIVE',
    );
    expect(purchaseAnswer({ ...basket, status: 'PURCHASED' }, true).status).toBe(201);
    expect(purchaseAnswer({ ...basket, status: 'PURCHASED' }, false).status).toBe(200);
  });
});
