import { randomInt } from '../../common/random.js';
import type { BasketItemRequest } from '../verify/observations.js';
import { createEvent } from './fixtures.js';
import type { PlannedRequest, Scenario, ScenarioContext, ScenarioOptions } from './scenario.js';

/** The event's general-admission sections. */
const SECTION_IDS = ['north', 'south', 'east'] as const;

/** Items per basket: at least two sections, at most one of them twice. */
const MIN_ITEMS = 2;
const MAX_ITEMS = 4;

/** Follow-ups (purchases, releases) waiting to be sent, at most (older ones are dropped first). */
const MAX_PENDING_FOLLOW_UPS = 10_000;

/**
 * One event, three small general-admission sections, and far more demand: each request is a
 * basket (`POST /baskets`, all or nothing) of 2..4 items across the sections, 1..maxQuantity seats
 * each, under a customer of its own (so Postgres can tell each basket's holds apart). Once a
 * section runs short, baskets touching it are refused (409 BASKET_UNAVAILABLE) and must leave
 * nothing held. A share of the granted baskets is purchased, another released, which frees
 * seats for more baskets; the rest stay held.
 */
export function basketRushScenario(
  context: ScenarioContext,
  options: Pick<ScenarioOptions, 'sectionCapacity' | 'maxQuantity' | 'purchaseRatio' | 'releaseRatio'>,
): Scenario {
  const { observations, random } = context;
  const eventId = `${context.runId}-br`;
  const followUps: PlannedRequest[] = [];
  let customer = 0;

  /** A rotation of the sections: the first three items in distinct sections, a fourth in the first again. */
  const pickItems = (): BasketItemRequest[] => {
    const first = randomInt(random, 0, SECTION_IDS.length - 1);
    return Array.from({ length: randomInt(random, MIN_ITEMS, MAX_ITEMS) }, (_, i) => ({
      eventId,
      sectionId: SECTION_IDS[(first + i) % SECTION_IDS.length]!,
      quantity: randomInt(random, 1, options.maxQuantity),
    }));
  };

  const purchase = (basketId: string): PlannedRequest => ({
    kind: 'basket-purchase',
    method: 'POST',
    path: `/baskets/${basketId}/purchase`,
    body: '{}',
    onResult: (result) => observations.basketPurchaseAnswered(basketId, result),
  });

  const release = (basketId: string): PlannedRequest => ({
    kind: 'basket-release',
    method: 'DELETE',
    path: `/baskets/${basketId}`,
    onResult: (result) => observations.basketReleaseAnswered(basketId, result),
  });

  const followUp = (basketId: string): void => {
    const draw = random();
    const next =
      draw < options.purchaseRatio
        ? purchase(basketId)
        : draw < options.purchaseRatio + options.releaseRatio
          ? release(basketId)
          : undefined;
    if (!next) return;
    if (followUps.length >= MAX_PENDING_FOLLOW_UPS) followUps.shift();
    followUps.push(next);
  };

  const basket = (): PlannedRequest => {
    customer += 1;
    const customerId = `bc-${customer}`;
    const items = pickItems();
    return {
      kind: 'basket',
      method: 'POST',
      path: '/baskets',
      body: JSON.stringify({ customerId, items }),
      onResult: (result) => {
        const granted = observations.basketAnswered(customerId, items, result);
        if (granted) followUp(granted.basketId);
      },
    };
  };

  return {
    name: 'basket-rush',
    async setup(api) {
      await createEvent(
        api,
        observations,
        eventId,
        SECTION_IDS.map((id) => ({ id, capacity: options.sectionCapacity })),
      );
    },
    next: () => followUps.pop() ?? basket(),
  };
}
