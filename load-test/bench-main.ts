import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { dropDatabase } from '../common/db/postgres.js';
import { DEFAULT_BASELINE_DATABASE_URL } from './baseline/build-baseline-server.js';
import { runBench } from './bench.js';
import { freePort, startChildServer, type ChildServer } from './child-server.js';
import type { WatchedProcess } from './cpu/cpu-sampler.js';
import { allOf, knownProcesses, processesNamed, spacegridProcesses } from './cpu/watched-processes.js';
import { parseDuration } from './duration.js';
import { ensureSpacegrid, setUnitCount, type SpacegridProcess } from './spacegrid-process.js';
import { stopOnSignals } from './stop-signal.js';

const USAGE = `usage: node dist/load-test/bench-main.js [options]

Starts the baseline, the Redis + Lua reference, the no-op ceiling and a messaging grid in front of
the no-op server in child processes (and spacegrid, through the deploy manager, unless one already
answers at --spacegrid), runs the same flash-sale holds against each, interleaved, waiting for a
quiet machine before each run, reads the CPU of every process involved around each measured run,
and writes <ISO time>-bench.md/.json into the reports folder. Stops what it started.

  --spacegrid URL               spacegrid's messaging grid (default http://127.0.0.1:8080)
  --without-spacegrid           measure only the baseline and the ceiling
  --units 2,4                   measure spacegrid at each of these unit counts (a row each), set
                                through the deploy manager's admin API before each run
  --admin URL                   the deploy manager's admin API, for --units (default http://127.0.0.1:8081;
                                token from ADMIN_TOKEN, which the benchmark sets when it starts spacegrid)
  --rounds N                    rounds, each visiting every target (3)
  --round-duration 10s          per target and round
  --connections N               closed model users (64)
  --warmup 60s                  unmeasured run per target first: the members' JIT needs about a minute (0 skips)
  --warmup-sections N           flash sales the warm-up runs at once, each its own event, so that every
                                unit and Hazelcast member owns some and warms up (16)
  --quiet-wait 30s              longest wait for a quiet machine before each run (0 skips)
  --baseline-database-url URL   (default postgres://postgres@127.0.0.1:5432/spacegrid_baseline,
                                dropped first so both designs start empty; another URL is kept)
  --baseline-pool N             baseline Postgres connections (16)
  --redis-lua-url URL           the Redis of the Redis + Lua reference (default $REDIS_URL or
                                redis://127.0.0.1:6379); its keys start with redis-lua-bench:, emptied first
  --reports-dir DIR             (default reports)`;

/** `node dist/load-test/bench-main.js`: the only file of the benchmark that touches `process`. */
async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      spacegrid: { type: 'string', default: 'http://127.0.0.1:8080' },
      'without-spacegrid': { type: 'boolean' },
      units: { type: 'string' },
      admin: { type: 'string', default: 'http://127.0.0.1:8081' },
      rounds: { type: 'string', default: '3' },
      'round-duration': { type: 'string', default: '10s' },
      connections: { type: 'string', default: '64' },
      warmup: { type: 'string', default: '60s' },
      'warmup-sections': { type: 'string', default: '16' },
      'quiet-wait': { type: 'string', default: '30s' },
      'baseline-database-url': {
        type: 'string',
        default: DEFAULT_BASELINE_DATABASE_URL,
      },
      'baseline-pool': { type: 'string', default: '16' },
      'redis-lua-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      'reports-dir': { type: 'string', default: 'reports' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const stopped = stopOnSignals();
  const started: ChildServer[] = [];
  let spacegrid: SpacegridProcess | undefined;
  const unitCounts = values.units === undefined ? [] : values.units.split(',').map(Number);
  if (unitCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 64))
    throw new Error(`--units wants unit counts 1..64 separated by commas, not ${values.units}`);
  const warmupSections = Number(values['warmup-sections']);
  if (!Number.isInteger(warmupSections) || warmupSections < 1 || warmupSections > 256)
    throw new Error(`--warmup-sections wants a whole number 1..256, not ${values['warmup-sections']}`);
  // A token for the admin API of the spacegrid the benchmark may start (kept if one is given).
  const env = {
    ...process.env,
    ADMIN_TOKEN: process.env.ADMIN_TOKEN ?? randomBytes(12).toString('base64url'),
  };
  try {
    if (!values['without-spacegrid']) {
      spacegrid = await ensureSpacegrid(values.spacegrid, env, (line) => process.stdout.write(`${line}\n`));
    }
    if (values['baseline-database-url'] === DEFAULT_BASELINE_DATABASE_URL) {
      await dropDatabase(DEFAULT_BASELINE_DATABASE_URL);
    }
    const baseline = await startChildServer({
      name: 'baseline',
      modulePath: new URL('./baseline/main.js', import.meta.url),
      env: {
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'warn',
        BASELINE_DATABASE_URL: values['baseline-database-url'],
        POOL_SIZE: values['baseline-pool'],
      },
    });
    started.push(baseline);
    const redisLua = await startChildServer({
      name: 'Redis + Lua',
      modulePath: new URL('./redis-lua/main.js', import.meta.url),
      env: {
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'warn',
        REDIS_URL: values['redis-lua-url'],
        KEY_PREFIX: 'redis-lua-bench:',
      },
    });
    started.push(redisLua);
    const ceiling = await startChildServer({
      name: 'no-op',
      modulePath: new URL('./noop-main.js', import.meta.url),
      args: ['0'],
      env: process.env,
    });
    started.push(ceiling);
    // The real messaging grid, routing to the no-op server: spacegrid's request path with no work.
    const gridPort = await freePort();
    const gridCeiling = await startChildServer({
      name: 'messaging grid in front of the no-op server',
      modulePath: new URL('../messaging-grid/main.js', import.meta.url),
      env: {
        ...process.env,
        PORT: String(gridPort),
        HOST: '127.0.0.1',
        UNIT_URLS: ceiling.url,
        // Its routing table is never changed: any free admin port (spacegrid's grid holds 8082).
        GRID_ADMIN_PORT: '0',
        LOG_LEVEL: 'error',
      },
      readyUrl: `http://127.0.0.1:${gridPort}`,
    });
    started.push(gridCeiling);
    process.stdout.write(
      `baseline on ${baseline.url} (pid ${baseline.pid}), Redis + Lua on ${redisLua.url} (pid ${redisLua.pid}), ` +
        `no-op ceiling on ${ceiling.url} (pid ${ceiling.pid}), ` +
        `messaging grid in front of it on ${gridCeiling.url} (pid ${gridCeiling.pid})\n`,
    );
    // The processes whose CPU each target's runs are charged with; the harness is shown apart.
    const own = (name: string, server: ChildServer): WatchedProcess[] =>
      server.pid === undefined ? [] : [{ name, pids: [server.pid] }];
    const harness = knownProcesses([
      { name: 'harness (the load generator)', pids: [process.pid], notInTotal: true },
    ]);
    const postgres = processesNamed('postgres', 'Postgres (every postgres process)');
    const redis = processesNamed('redis-server', 'Redis server');
    const report = await runBench({
      targets: {
        spacegrid: values['without-spacegrid'] ? undefined : values.spacegrid,
        baseline: baseline.url,
        redisLua: redisLua.url,
        ceiling: ceiling.url,
        gridCeiling: gridCeiling.url,
      },
      processes: {
        spacegrid: allOf(
          spacegridProcesses({ adminUrl: values.admin, token: env.ADMIN_TOKEN, managerPid: spacegrid?.pid }),
          postgres,
          redis,
          harness,
        ),
        baseline: allOf(knownProcesses(own('baseline server', baseline)), postgres, harness),
        redisLua: allOf(knownProcesses(own('Redis + Lua server', redisLua)), redis, harness),
        ceiling: allOf(knownProcesses(own('no-op server', ceiling)), harness),
        gridCeiling: allOf(
          knownProcesses([...own('messaging grid', gridCeiling), ...own('no-op server', ceiling)]),
          harness,
        ),
      },
      ...(unitCounts.length > 0 && !values['without-spacegrid']
        ? {
            spacegridUnits: {
              counts: unitCounts,
              setUnits: (count: number) => setUnitCount(values.admin, env.ADMIN_TOKEN, count),
            },
          }
        : {}),
      rounds: Number(values.rounds),
      roundDurationMs: parseDuration(values['round-duration']),
      connections: Number(values.connections),
      warmupMs: parseDuration(values.warmup),
      warmupSections,
      quietWaitMs: parseDuration(values['quiet-wait']),
      reportsDir: values['reports-dir'],
      log: (line) => process.stdout.write(`${line}\n`),
      signal: stopped,
    });
    process.stdout.write(`written: ${report.files.markdown}\n         ${report.files.json}\n`);
    return 0;
  } finally {
    for (const server of started.reverse()) await server.close();
    await spacegrid?.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
