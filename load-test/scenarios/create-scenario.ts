import { auctionWarScenario } from './auction-war.js';
import { auctionWatchScenario } from './auction-watch.js';
import { basketRushScenario } from './basket-rush.js';
import { browseScenario } from './browse.js';
import { flashSaleScenario } from './flash-sale.js';
import { mixedScenario } from './mixed.js';
import type { Scenario, ScenarioContext, ScenarioOptions } from './scenario.js';
import { seatMapScenario } from './seat-map.js';

export const SCENARIO_NAMES = [
  'flash-sale',
  'seat-map',
  'browse',
  'auction-war',
  'auction-watch',
  'basket-rush',
  'mixed',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export const isScenarioName = (name: string): name is ScenarioName =>
  (SCENARIO_NAMES as readonly string[]).includes(name);

export function createScenario(
  name: ScenarioName,
  context: ScenarioContext,
  options: ScenarioOptions,
): Scenario {
  switch (name) {
    case 'flash-sale':
      return flashSaleScenario(context, options);
    case 'seat-map':
      return seatMapScenario(context, options);
    case 'browse':
      return browseScenario(context);
    case 'auction-war':
      return auctionWarScenario(context, options);
    case 'auction-watch':
      return auctionWatchScenario(context, options);
    case 'basket-rush':
      return basketRushScenario(context, options);
    case 'mixed':
      return mixedScenario(context, options);
  }
}
