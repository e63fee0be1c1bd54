import { randomInt } from '../../common/random.js';
import { createAuction } from './fixtures.js';
import type { PlannedRequest, Scenario, ScenarioContext, ScenarioOptions } from './scenario.js';

/** Share of requests that read the auction (and learn minimumNextBid) instead of bidding. */
const READ_SHARE = 0.1;

const numberAt = (body: unknown, ...path: string[]): number | undefined => {
  let value: unknown = body;
  for (const key of path) value = (value as Record<string, unknown> | null | undefined)?.[key];
  return typeof value === 'number' ? value : undefined;
};

/**
 * One lot, many bidders. Each bid offers the lowest amount the harness believes is acceptable
 * (tracked from accepted bids, BID_TOO_LOW details and GETs of the auction) plus 0..2
 * increments, so concurrent bidders collide and the price keeps rising.
 */
export function auctionWarScenario(
  context: ScenarioContext,
  options: Pick<ScenarioOptions, 'bidders'>,
): Scenario & { readonly auctionId: string } {
  const { observations, random } = context;
  const auctionId = `${context.runId}-aw`;
  const path = `/auctions/${auctionId}`;
  let minimumNextBid = 0;
  let minIncrement = 1;

  const learn = (minimum: number | undefined): void => {
    if (minimum !== undefined && minimum > minimumNextBid) minimumNextBid = minimum;
  };

  const bid = (): PlannedRequest => {
    const amount = minimumNextBid + minIncrement * randomInt(random, 0, 2);
    const bidderId = `b-${randomInt(random, 1, options.bidders)}`;
    return {
      kind: 'bid',
      method: 'POST',
      path: `${path}/bids`,
      body: `{"bidderId":"${bidderId}","amount":${amount}}`,
      onResult: (result, sentAt, receivedAt) => {
        const accepted = observations.bidAnswered(auctionId, result, sentAt, receivedAt);
        if (accepted) learn(accepted.amount + minIncrement);
        else learn(numberAt(result.body, 'error', 'details', 'minimumNextBid'));
      },
    };
  };

  return {
    name: 'auction-war',
    auctionId,
    async setup(api) {
      const auction = await createAuction(api, observations, auctionId, context.durationMs);
      minimumNextBid = auction.startingPrice;
      minIncrement = auction.minIncrement;
    },
    next() {
      if (random() >= READ_SHARE) return bid();
      return {
        kind: 'get-auction',
        method: 'GET',
        path,
        onResult: (result) => learn(numberAt(result.body, 'minimumNextBid')),
      };
    },
  };
}
