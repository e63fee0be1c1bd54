import type { HttpMethod } from '../http-client.js';
import type { HttpResult } from '../outcome.js';
import type { Random } from '../../common/random.js';
import type { StreamDeliveryReport } from '../streams/watcher-fleet.js';
import type { InvariantResult } from '../verify/invariant-result.js';
import type { Observations } from '../verify/observations.js';
import type { SetupApi } from './setup-api.js';

/** One request a scenario wants sent next. `kind` names its histogram (`hold`, `bid`, …). */
export interface PlannedRequest {
  kind: string;
  method: HttpMethod;
  path: string;
  body?: string;
  /** Sees the answer (sentAt/receivedAt are performance.now() readings), to record what it was told. */
  onResult?: (result: HttpResult, sentAt: number, receivedAt: number) => void;
}

export interface ScenarioContext {
  /** Unique per run: every id the scenario creates starts with it. */
  runId: string;
  random: Random;
  observations: Observations;
  /** Length of the load, so auctions stay open and holds do not expire during it. */
  durationMs: number;
  /** Origin of the server under test, for what a scenario opens beside its requests (live streams). */
  target?: string;
}

/** Knobs shared by the scenarios; each takes the ones it needs. */
export interface ScenarioOptions {
  /** flash-sale: seats of the general-admission section. Default 100,000. */
  capacity: number;
  /** seat-map: seats of the reserved section. Default 5,000. */
  seats: number;
  /** Seats per hold, 1..maxQuantity picked at random. Default 4. */
  maxQuantity: number;
  /** Share of granted holds (basket-rush: baskets) that are purchased afterwards, 0..1. Default 0.3. */
  purchaseRatio: number;
  /** basket-rush: seats of each of its three GA sections, few so that baskets get refused. Default 200. */
  sectionCapacity: number;
  /** basket-rush: share of granted baskets released afterwards (purchases drawn first), 0..1. Default 0.3. */
  releaseRatio: number;
  /** auction-war: distinct bidder ids. Default 500. */
  bidders: number;
  /** auction-watch: watchers of the auction's live stream beside the bidders. Default 200. */
  watchers: number;
}

export const DEFAULT_SCENARIO_OPTIONS: Readonly<ScenarioOptions> = Object.freeze({
  capacity: 100_000,
  seats: 5_000,
  maxQuantity: 4,
  purchaseRatio: 0.3,
  sectionCapacity: 200,
  releaseRatio: 0.3,
  bidders: 500,
  watchers: 200,
});

/** What a scenario measured and checked beside its requests, once the load is over. */
export interface ScenarioFinish {
  /** Live-stream delivery (auction-watch). */
  streams?: StreamDeliveryReport;
  /** Checks of its own, run with the other invariant checks. */
  invariants: InvariantResult[];
}

export interface Scenario {
  readonly name: string;
  /** Creates the scenario's data through the API (not measured). */
  setup(api: SetupApi): Promise<void>;
  next(): PlannedRequest;
  /** After the load, before the invariant checks: waits for and checks what it runs beside the requests. */
  finish?(): Promise<ScenarioFinish>;
  /** Releases what it holds open (streams); called once, however the run ended. */
  close?(): Promise<void>;
}
