import { randomInt } from '../../common/random.js';
import { createEvent } from './fixtures.js';
import type { PlannedRequest, Scenario, ScenarioContext, ScenarioOptions } from './scenario.js';

/** Purchases waiting to be sent, at most (older ones are dropped first). */
const MAX_PENDING_PURCHASES = 10_000;

/**
 * One event, one big general-admission section. Buyers hold 1..maxQuantity seats; a share of
 * the granted holds is purchased right after. Once it sells out, holds get NOT_ENOUGH_SEATS.
 */
export function flashSaleScenario(
  context: ScenarioContext,
  options: Pick<ScenarioOptions, 'capacity' | 'maxQuantity' | 'purchaseRatio'>,
): Scenario {
  const { observations, random } = context;
  const eventId = `${context.runId}-fs`;
  const sectionId = 'floor';
  const base = `/events/${eventId}/sections/${sectionId}/holds`;
  const toPurchase: string[] = [];
  let customer = 0;

  const purchase = (holdId: string): PlannedRequest => ({
    kind: 'purchase',
    method: 'POST',
    path: `${base}/${holdId}/purchase`,
    body: '{}',
    onResult: (result) => observations.purchaseAnswered(holdId, result),
  });

  const hold = (): PlannedRequest => {
    const quantity = randomInt(random, 1, options.maxQuantity);
    customer += 1;
    return {
      kind: 'hold',
      method: 'POST',
      path: base,
      body: `{"customerId":"c-${customer}","quantity":${quantity}}`,
      onResult: (result) => {
        const granted = observations.holdAnswered(eventId, sectionId, quantity, result);
        if (granted && random() < options.purchaseRatio) {
          if (toPurchase.length >= MAX_PENDING_PURCHASES) toPurchase.shift();
          toPurchase.push(granted.holdId);
        }
      },
    };
  };

  return {
    name: 'flash-sale',
    async setup(api) {
      await createEvent(api, observations, eventId, [{ id: sectionId, capacity: options.capacity }]);
    },
    next() {
      const holdId = toPurchase.pop();
      return holdId === undefined ? hold() : purchase(holdId);
    },
  };
}
