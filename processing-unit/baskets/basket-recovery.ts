import { route } from '../../common/rendezvous.js';
import type { SweptWork } from '../deadline-sweeper.js';
import type { BasketCoordinator } from './basket-coordinator.js';
import type { BasketLog } from './basket-log.js';

/**
 * The recovery loop's work, for a DeadlineSweeper of its own: baskets whose `deadline` has passed
 * (an indexed range query) — a lease that ran out, a HELD basket whose earliest hold expired, an
 * ended one left without its time-to-live — each handled only by the unit that owns the basket's
 * id by rendezvous (the one its requests are routed to), so one unit per basket, and another once
 * that one is gone.
 */
export function basketRecovery(
  log: BasketLog,
  coordinator: BasketCoordinator,
  ready: () => boolean,
): SweptWork {
  return {
    name: 'basket recovery',
    due: (now) => (ready() ? log.due(now) : Promise.resolve([])),
    touch: (basketId) => coordinator.recover(basketId),
    route: (basketId) => route.basket(basketId),
  };
}
