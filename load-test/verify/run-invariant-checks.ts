import { basketsWholeInDb, basketsWholeInGrid, refusedBasketsHoldNothing } from './basket-checks.js';
import { bidsStrictlyRising } from './bid-checks.js';
import type { InvariantResult } from './invariant-result.js';
import { bidsPersisted, gridEqualsDb, holdsPersisted } from './ledger-checks.js';
import type { Observations } from './observations.js';
import { gridAccountsForHolds, noOversellInDb, noOversellInGrid, seatsHeldOnce } from './section-checks.js';
import type { DbSnapshot, GridSnapshot } from './snapshots.js';

/**
 * Every invariant, over what clients were told, the API's views after the load and (when it
 * could be read) Postgres. Pure: the adapters that read the snapshots live in `verify-run.ts`.
 */
export function runInvariantChecks(
  observations: Observations,
  grid: GridSnapshot,
  db: DbSnapshot | undefined,
  nowMs: number,
): InvariantResult[] {
  const results = [
    noOversellInGrid(observations, grid),
    gridAccountsForHolds(observations, grid, nowMs),
    seatsHeldOnce(observations, db, nowMs),
    bidsStrictlyRising(observations, grid, db),
    basketsWholeInGrid(observations, grid, nowMs),
  ];
  if (db) {
    results.push(
      noOversellInDb(observations, db),
      holdsPersisted(observations, db),
      bidsPersisted(observations, db),
      gridEqualsDb(observations, grid, db),
      basketsWholeInDb(observations, db, nowMs),
      refusedBasketsHoldNothing(observations, db),
    );
  }
  return results;
}
