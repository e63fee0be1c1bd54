import { randomInt } from '../../common/random.js';
import { createEvent, ROW_LENGTH, rowName, seatIds } from './fixtures.js';
import type { PlannedRequest, Scenario, ScenarioContext, ScenarioOptions } from './scenario.js';

/** Share of hold requests that ask for "best available" by quantity instead of naming seats. */
const BEST_AVAILABLE_SHARE = 0.1;

/**
 * One event, one reserved section. Buyers pick 1..maxQuantity adjacent seats at random in a
 * random row, so they collide (SEAT_UNAVAILABLE) more and more as the map fills; some ask for
 * the best available seats by quantity; a share of the granted holds is purchased.
 */
export function seatMapScenario(
  context: ScenarioContext,
  options: Pick<ScenarioOptions, 'seats' | 'maxQuantity' | 'purchaseRatio'>,
): Scenario {
  const { observations, random } = context;
  const eventId = `${context.runId}-sm`;
  const sectionId = 'stalls';
  const base = `/events/${eventId}/sections/${sectionId}/holds`;
  const rows = Math.ceil(options.seats / ROW_LENGTH);
  const toPurchase: string[] = [];
  let customer = 0;

  const pickSeats = (): string[] => {
    const row = randomInt(random, 0, rows - 1);
    const rowSeats = Math.min(ROW_LENGTH, options.seats - row * ROW_LENGTH);
    const count = Math.min(randomInt(random, 1, options.maxQuantity), rowSeats);
    const first = randomInt(random, 1, rowSeats - count + 1);
    return Array.from({ length: count }, (_, i) => `${rowName(row)}-${first + i}`);
  };

  const hold = (): PlannedRequest => {
    customer += 1;
    const byQuantity = random() < BEST_AVAILABLE_SHARE;
    const seats = byQuantity ? undefined : pickSeats();
    const quantity = seats ? seats.length : randomInt(random, 1, options.maxQuantity);
    return {
      kind: 'hold-seats',
      method: 'POST',
      path: base,
      body: JSON.stringify(
        seats ? { customerId: `c-${customer}`, seats } : { customerId: `c-${customer}`, quantity },
      ),
      onResult: (result) => {
        const granted = observations.holdAnswered(eventId, sectionId, quantity, result);
        if (granted && random() < options.purchaseRatio) toPurchase.push(granted.holdId);
      },
    };
  };

  return {
    name: 'seat-map',
    async setup(api) {
      await createEvent(api, observations, eventId, [{ id: sectionId, seats: seatIds(options.seats) }]);
    },
    next() {
      const holdId = toPurchase.pop();
      if (holdId === undefined) return hold();
      return {
        kind: 'purchase',
        method: 'POST',
        path: `${base}/${holdId}/purchase`,
        body: '{}',
        onResult: (result) => observations.purchaseAnswered(holdId, result),
      };
    },
  };
}
