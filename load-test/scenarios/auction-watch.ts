import { deliveryChecks } from '../streams/delivery-checks.js';
import { WatcherFleet } from '../streams/watcher-fleet.js';
import { auctionWarScenario } from './auction-war.js';
import type { Scenario, ScenarioContext, ScenarioFinish, ScenarioOptions } from './scenario.js';

/** After the load, how long the watchers may take to receive the last accepted bids. */
const SETTLE_TIMEOUT_MS = 30_000;

/**
 * auction-war's bidding, with `watchers` clients of the auction's live stream beside the bidders
 * (opened after the auction is created, before the clock starts, each on its own connection).
 * Afterwards it waits until every watcher has every message, reports delivery latency (bid
 * commit → watcher) and completeness, and checks that every watcher saw every accepted bid in
 * order, with no gap and no duplicate. With 0 watchers it is auction-war.
 */
export function auctionWatchScenario(
  context: ScenarioContext,
  options: Pick<ScenarioOptions, 'bidders' | 'watchers'>,
): Scenario {
  const war = auctionWarScenario(context, options);
  let fleet: WatcherFleet | undefined;

  return {
    name: 'auction-watch',
    async setup(api) {
      await war.setup(api);
      if (options.watchers === 0) return;
      if (context.target === undefined) throw new Error('auction-watch needs the target URL to watch');
      fleet = await WatcherFleet.open({
        url: new URL(`/auctions/${war.auctionId}/stream`, context.target).toString(),
        count: options.watchers,
      });
    },
    next: () => war.next(),
    async finish(): Promise<ScenarioFinish> {
      if (!fleet) return { invariants: [] };
      const accepted = context.observations.bids.filter((bid) => bid.auctionId === war.auctionId);
      await fleet.settle(accepted.length, SETTLE_TIMEOUT_MS);
      const streams = fleet.report();
      const invariants = deliveryChecks(fleet.tallies, fleet.distinctMessages, fleet.deliveredBids, accepted);
      fleet.close();
      return { streams, invariants };
    },
    async close() {
      fleet?.close();
    },
  };
}
