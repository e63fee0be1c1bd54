import { auctionWarScenario } from './auction-war.js';
import { browseScenario } from './browse.js';
import { flashSaleScenario } from './flash-sale.js';
import type { Scenario, ScenarioContext, ScenarioOptions } from './scenario.js';
import { seatMapScenario } from './seat-map.js';
import { weightedChoice } from './weighted-choice.js';

/** All of the above at once, each on its own data: 40% flash sale, 20% seat map, 25% browse, 15% auction. */
export function mixedScenario(context: ScenarioContext, options: ScenarioOptions): Scenario {
  const parts: Array<readonly [number, Scenario]> = [
    [40, flashSaleScenario(context, options)],
    [20, seatMapScenario(context, options)],
    [25, browseScenario(context)],
    [15, auctionWarScenario(context, options)],
  ];
  const pick = weightedChoice(context.random, parts);
  return {
    name: 'mixed',
    async setup(api) {
      for (const [, part] of parts) await part.setup(api);
    },
    next: () => pick().next(),
  };
}
