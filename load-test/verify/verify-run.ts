import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { HttpClient } from '../http-client.js';
import { BASKET_CHECKS } from './basket-checks.js';
import { hasCaughtUp } from './has-caught-up.js';
import { skipped, type InvariantResult } from './invariant-result.js';
import type { Observations } from './observations.js';
import { readBasketHolds } from './read-basket-holds.js';
import { readDbProgress, readDbSnapshot } from './read-db-snapshot.js';
import { readGridSnapshot } from './read-grid-snapshot.js';
import { runInvariantChecks } from './run-invariant-checks.js';
import type { GridSnapshot } from './snapshots.js';

export interface VerifyOptions {
  http: HttpClient;
  observations: Observations;
  databaseUrl: string;
  /** False: the target keeps no Postgres; only the API's views are checked. Default true. */
  postgres?: boolean;
  /** How long Postgres may take to catch up with the grid (the write-behind draining). */
  timeoutMs: number;
  pollMs?: number;
}

const withoutPassword = (url: string): string => {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable database URL)';
  }
};

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The checks only Postgres can answer. */
const POSTGRES_CHECKS = [
  'Postgres caught up',
  'no oversell (Postgres)',
  'every granted hold in Postgres',
  'every accepted bid in Postgres',
  'grid equals Postgres',
  BASKET_CHECKS.wholeInDb,
  BASKET_CHECKS.refusedHoldNothing,
];

/**
 * After the load: reads the API's views, waits (bounded) until Postgres has caught up with them,
 * then runs every invariant check. A Postgres that cannot be read is a FAIL that says so.
 */
export async function verifyRun(options: VerifyOptions): Promise<InvariantResult[]> {
  const { http, observations } = options;
  const started = Date.now();
  let grid = await readGridSnapshot(http, observations);
  // Holds do not change once the load is over (within their TTL): read once, not on every poll.
  const withBasketHolds = async (snapshot: GridSnapshot): Promise<GridSnapshot> => ({
    ...snapshot,
    basketHolds: await readBasketHolds(http, observations),
  });
  if (options.postgres === false) {
    return [
      ...runInvariantChecks(observations, await withBasketHolds(grid), undefined, Date.now()),
      ...POSTGRES_CHECKS.map((name) => skipped(name, 'the target keeps no Postgres (--no-postgres)')),
    ];
  }
  const client = new pg.Client({ connectionString: options.databaseUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    return [
      ...runInvariantChecks(observations, await withBasketHolds(grid), undefined, Date.now()),
      {
        name: 'Postgres reachable',
        status: 'FAIL',
        detail: `cannot connect to ${withoutPassword(options.databaseUrl)}: ${message(err)}`,
        failures: [],
      },
    ];
  }
  try {
    const deadline = started + options.timeoutMs;
    let caughtUp = false;
    for (;;) {
      caughtUp = hasCaughtUp(await readDbProgress(client, observations), grid, observations);
      if (caughtUp || Date.now() >= deadline) break;
      await sleep(options.pollMs ?? 250);
      grid = await readGridSnapshot(http, observations);
    }
    const elapsed = ((Date.now() - started) / 1000).toFixed(1);
    const db = await readDbSnapshot(client, observations);
    grid = await withBasketHolds(grid);
    return [
      {
        name: 'Postgres caught up',
        status: caughtUp ? 'PASS' : 'FAIL',
        detail: caughtUp ? `in ${elapsed} s` : `not within ${options.timeoutMs / 1000} s`,
        failures: grid.unreadable,
      },
      ...runInvariantChecks(observations, grid, db, Date.now()),
    ];
  } catch (err) {
    return [
      ...runInvariantChecks(observations, grid, undefined, Date.now()),
      {
        name: 'Postgres readable',
        status: 'FAIL',
        detail: `${withoutPassword(options.databaseUrl)}: ${message(err)}`,
        failures: [],
      },
    ];
  } finally {
    await client.end().catch(() => {});
  }
}
