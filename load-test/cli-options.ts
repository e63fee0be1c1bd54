import { parseArgs } from 'node:util';
import { parseDuration } from './duration.js';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_TARGET,
  type LoadOptions,
  type WorkloadModel,
} from './load-options.js';
import { SCENARIO_NAMES, isScenarioName } from './scenarios/create-scenario.js';
import type { ScenarioOptions } from './scenarios/scenario.js';

/** The command line was wrong: print the message and the usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `usage: node dist/load-test/cli.js <scenario> [options]

scenarios: ${SCENARIO_NAMES.join(', ')}

workload
  --target URL              server speaking API.md (default ${DEFAULT_TARGET})
  --rate N                  open model: N requests/s, latency from the intended send time
  --max-in-flight N         open model: in-flight bound, requests due beyond it count as overflow (10000)
  --connections N           closed model: N users, one request each at a time (default 64)
  --duration 10s            length of the load, ramp included
  --ramp 0s                 open: rate rises linearly; closed: users start one by one
  --pool-connections N      HTTP keep-alive connections (default: --connections, or 64)
  --pipelining N            requests in flight per connection (default 1)
  --timeout 10s             per request
  --seed N                  seed of the scenario's random choices

scenario data
  --capacity N              flash-sale: seats of the GA section (100000)
  --seats N                 seat-map: seats of the reserved section (5000)
  --max-quantity N          seats per hold, 1..N (4)
  --purchase-ratio F        share of granted holds (basket-rush: baskets) purchased afterwards (0.3)
  --section-capacity N      basket-rush: seats of each of its 3 GA sections (200)
  --release-ratio F         basket-rush: share of granted baskets released afterwards (0.3)
  --bidders N               auction-war, auction-watch: distinct bidders (500)
  --watchers N              auction-watch: live-stream watchers of the auction beside the bidders (200)

verification and verdict
  --database-url URL        Postgres to verify against (default ${DEFAULT_DATABASE_URL})
  --no-postgres             the target keeps no Postgres (the Redis + Lua reference): API checks only
  --verify-timeout 30s      how long Postgres may take to catch up with the grid
  --no-verify               skip the invariant checks (e.g. against the no-op server)
  --max-p99 20ms            fail if the overall p99 is above
  --min-rate N              fail if fewer completed requests/s (after the ramp)
  --max-error-rate F        fail if errors / requests is above (409 business rejections are not errors)

output
  --reports-dir DIR         where <ISO time>-<scenario>.json/.html go (default reports)
  --quiet                   no progress line on stderr
  --help

exit code: 0 passed, 1 a threshold or an invariant failed, 2 usage or set-up error`;

export type CliCommand =
  | { command: 'help' }
  | { command: 'run'; load: Omit<LoadOptions, 'progress' | 'signal'>; reportsDir: string; quiet: boolean };

const integer = (name: string, text: string | undefined, min = 1): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new UsageError(`--${name} must be an integer >= ${min}, got "${text}"`);
  return value;
};

const fraction = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new UsageError(`--${name} must be between 0 and 1, got "${text}"`);
  return value;
};

const duration = (name: string, text: string | undefined, bareUnit: 'ms' | 's' = 's'): number | undefined => {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text, bareUnit);
  } catch (err) {
    throw new UsageError(`--${name}: ${(err as Error).message}`);
  }
};

const STRING_OPTIONS = [
  'target',
  'rate',
  'max-in-flight',
  'connections',
  'duration',
  'ramp',
  'pool-connections',
  'pipelining',
  'timeout',
  'seed',
  'capacity',
  'seats',
  'max-quantity',
  'purchase-ratio',
  'section-capacity',
  'release-ratio',
  'bidders',
  'watchers',
  'database-url',
  'verify-timeout',
  'max-p99',
  'min-rate',
  'max-error-rate',
  'reports-dir',
] as const;

/** Parses the CLI's arguments (without `node` and the script). Throws UsageError. */
export function parseCliArgs(args: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        ...Object.fromEntries(STRING_OPTIONS.map((name) => [name, { type: 'string' as const }])),
        'no-verify': { type: 'boolean' },
        'no-postgres': { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const str = (name: (typeof STRING_OPTIONS)[number]): string | undefined =>
    values[name] as string | undefined;
  if (values.help) return { command: 'help' };
  const [scenario, ...extra] = parsed.positionals;
  if (scenario === undefined) throw new UsageError('which scenario? ' + SCENARIO_NAMES.join(', '));
  if (!isScenarioName(scenario))
    throw new UsageError(`unknown scenario "${scenario}": use one of ${SCENARIO_NAMES.join(', ')}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);

  const rate = integer('rate', str('rate'));
  const connections = integer('connections', str('connections'));
  if (rate !== undefined && connections !== undefined) {
    throw new UsageError('--rate (open model) and --connections (closed model) exclude each other');
  }
  const maxInFlight = integer('max-in-flight', str('max-in-flight'));
  if (maxInFlight !== undefined && rate === undefined) throw new UsageError('--max-in-flight needs --rate');
  const model: WorkloadModel =
    rate !== undefined
      ? { type: 'open', rate, ...(maxInFlight !== undefined ? { maxInFlight } : {}) }
      : { type: 'closed', connections: connections ?? 64 };

  const scenarioOptions: Partial<ScenarioOptions> = {};
  const capacity = integer('capacity', str('capacity'));
  const seats = integer('seats', str('seats'));
  const maxQuantity = integer('max-quantity', str('max-quantity'));
  const purchaseRatio = fraction('purchase-ratio', str('purchase-ratio'));
  const sectionCapacity = integer('section-capacity', str('section-capacity'));
  const releaseRatio = fraction('release-ratio', str('release-ratio'));
  const bidders = integer('bidders', str('bidders'));
  const watchers = integer('watchers', str('watchers'), 0);
  if (capacity !== undefined) scenarioOptions.capacity = capacity;
  if (seats !== undefined) scenarioOptions.seats = seats;
  if (maxQuantity !== undefined) scenarioOptions.maxQuantity = maxQuantity;
  if (purchaseRatio !== undefined) scenarioOptions.purchaseRatio = purchaseRatio;
  if (sectionCapacity !== undefined) scenarioOptions.sectionCapacity = sectionCapacity;
  if (releaseRatio !== undefined) scenarioOptions.releaseRatio = releaseRatio;
  if (bidders !== undefined) scenarioOptions.bidders = bidders;
  if (watchers !== undefined) scenarioOptions.watchers = watchers;

  const maxErrorRate = fraction('max-error-rate', str('max-error-rate'));
  const load: Omit<LoadOptions, 'progress' | 'signal'> = {
    scenario,
    target: str('target') ?? DEFAULT_TARGET,
    model,
    durationMs: duration('duration', str('duration')) ?? 10_000,
    rampMs: duration('ramp', str('ramp')) ?? 0,
    pipelining: integer('pipelining', str('pipelining')) ?? 1,
    timeoutMs: duration('timeout', str('timeout')) ?? 10_000,
    verify: values['no-verify'] !== true,
    databaseUrl: str('database-url') ?? DEFAULT_DATABASE_URL,
    verifyPostgres: values['no-postgres'] !== true,
    verifyTimeoutMs: duration('verify-timeout', str('verify-timeout')) ?? 30_000,
    thresholds: {
      maxP99Ms: duration('max-p99', str('max-p99'), 'ms'),
      minRate: integer('min-rate', str('min-rate'), 0),
      maxErrorRate,
    },
    scenarioOptions,
  };
  const poolConnections = integer('pool-connections', str('pool-connections'));
  if (poolConnections !== undefined) load.poolConnections = poolConnections;
  const seed = integer('seed', str('seed'), 0);
  if (seed !== undefined) load.seed = seed;
  if (load.rampMs! > load.durationMs!)
    throw new UsageError('--ramp is part of --duration and cannot be longer');
  return { command: 'run', load, reportsDir: str('reports-dir') ?? 'reports', quiet: values.quiet === true };
}
