import { ConflictError, HoldExpiredError } from '../../common/errors.js';
import type { HoldEntry, HoldStatus } from '../../common/ticketing-model.js';

/** What may happen to a hold on its own: the three ways out of HELD. */
export type HoldAction = { type: 'purchase'; orderId: string } | { type: 'release' } | { type: 'expire' };

export type HoldDecision =
  /** Compare-and-set the hold to `next`, then settle it with its section. */
  | { kind: 'transition'; next: HoldEntry }
  /** Nothing to change: the hold already is where the action leads (or the action does not apply). */
  | { kind: 'unchanged' };

const TARGET: Record<HoldAction['type'], HoldStatus> = {
  purchase: 'PURCHASED',
  release: 'RELEASED',
  expire: 'EXPIRED',
};

/**
 * The rules of one hold. A HELD hold past `expiresAt` can only expire: a purchase or release of it
 * first expires it (the caller then decides again and gets 410 or 204). Pure: the clock is passed in.
 */
export function decideHoldAction(entry: HoldEntry, action: HoldAction, now: number): HoldDecision {
  if (entry.status === 'HELD') {
    const expired = now >= Date.parse(entry.expiresAt);
    if (!expired && action.type === 'expire') return { kind: 'unchanged' };
    const status: HoldStatus = expired ? 'EXPIRED' : TARGET[action.type];
    const at = new Date(now).toISOString();
    return {
      kind: 'transition',
      next: {
        ...entry,
        status,
        closedAt: at,
        ...(status === 'PURCHASED' && action.type === 'purchase'
          ? { orderId: action.orderId, purchasedAt: at }
          : {}),
        deadline: null,
        pendingSince: now,
      },
    };
  }
  if (action.type === 'purchase') {
    if (entry.status === 'EXPIRED')
      throw new HoldExpiredError(`hold ${entry.holdId} expired at ${entry.expiresAt}`);
    if (entry.status === 'RELEASED')
      throw new ConflictError('HOLD_NOT_ACTIVE', `hold ${entry.holdId} was released`);
  }
  if (action.type === 'release' && entry.status === 'PURCHASED') {
    throw new ConflictError('HOLD_NOT_ACTIVE', `hold ${entry.holdId} was purchased and cannot be released`);
  }
  return { kind: 'unchanged' };
}
