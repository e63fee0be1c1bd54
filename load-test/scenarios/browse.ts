import { randomInt } from '../../common/random.js';
import { createAuction, createEvent, seatIds } from './fixtures.js';
import type { PlannedRequest, Scenario, ScenarioContext } from './scenario.js';
import { weightedChoice } from './weighted-choice.js';

const GA_SECTIONS = ['north', 'south', 'east', 'west'];
const RESERVED_SECTION = 'box';

/**
 * Mostly reads: event pages, section views (one of them a small seat map), an auction and its
 * bid list, with a trickle of one-seat holds so the views change while they are read.
 */
export function browseScenario(context: ScenarioContext): Scenario {
  const { observations, random } = context;
  const eventId = `${context.runId}-br`;
  const auctionId = `${context.runId}-br-lot`;
  const sections = [...GA_SECTIONS, RESERVED_SECTION];
  let customer = 0;

  const getEvent = (): PlannedRequest => ({ kind: 'get-event', method: 'GET', path: `/events/${eventId}` });
  const getSection = (): PlannedRequest => ({
    kind: 'get-section',
    method: 'GET',
    path: `/events/${eventId}/sections/${sections[randomInt(random, 0, sections.length - 1)]}`,
  });
  const getAuction = (): PlannedRequest => ({
    kind: 'get-auction',
    method: 'GET',
    path: `/auctions/${auctionId}`,
  });
  const getBids = (): PlannedRequest => ({
    kind: 'get-bids',
    method: 'GET',
    path: `/auctions/${auctionId}/bids?limit=20`,
  });
  const hold = (): PlannedRequest => {
    const sectionId = GA_SECTIONS[randomInt(random, 0, GA_SECTIONS.length - 1)]!;
    customer += 1;
    return {
      kind: 'hold',
      method: 'POST',
      path: `/events/${eventId}/sections/${sectionId}/holds`,
      body: `{"customerId":"c-${customer}","quantity":1}`,
      onResult: (result) => observations.holdAnswered(eventId, sectionId, 1, result),
    };
  };
  const pick = weightedChoice(random, [
    [30, getEvent],
    [40, getSection],
    [20, getAuction],
    [5, getBids],
    [5, hold],
  ]);

  return {
    name: 'browse',
    async setup(api) {
      await createEvent(api, observations, eventId, [
        ...GA_SECTIONS.map((id) => ({ id, capacity: 100_000 })),
        { id: RESERVED_SECTION, seats: seatIds(200) },
      ]);
      await createAuction(api, observations, auctionId, context.durationMs);
    },
    next: () => pick()(),
  };
}
