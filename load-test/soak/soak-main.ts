import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CommonEnv } from '../../common/config.js';
import { parseDuration } from '../duration.js';
import { DEFAULT_DATABASE_URL } from '../load-options.js';
import { DEFAULT_BENCH_DATABASE_URL, ensureSpacegrid, type SpacegridProcess } from '../spacegrid-process.js';
import { runSoak } from './run-soak.js';
import { formatSoakProgress, renderSoakMarkdown, writeSoakReport } from './soak-report.js';
import { findSoakTargets } from './soak-targets.js';
import { stopOnSignals } from '../stop-signal.js';

const USAGE = `usage: node dist/load-test/soak/soak-main.js [options]   (npm run soak -- [options])

The sustained run: starts spacegrid as the benchmark does (deploy manager, empty database of its
own) unless one answers at --spacegrid, warms up, measures the maximum with a closed-model
flash-sale run, then runs flash-sale open model at --fraction of it for --duration, sampling every
--sample-interval: holds/s, p99, write-behind lag p99 (the writer's histogram), change queue depth
(the pump's metrics) and each Hazelcast member's heap (jstat). Then the invariants, a verdict per
target, and <ISO time>-soak.md/.json in the reports folder. Exit 0: every target PASS; 1: one
FAILed; 2: it could not run.

  --spacegrid URL          spacegrid's messaging grid (default http://127.0.0.1:8080)
  --admin URL              the deploy manager's admin API (default http://127.0.0.1:8081; token from
                           ADMIN_TOKEN, which the soak sets when it starts spacegrid)
  --rate N                 offer N requests/s and skip measuring the maximum
  --fraction F             share of the measured maximum to offer (0.8)
  --duration 5m            the sustained run, ramp included
  --ramp 10s               the offered rate rises linearly over this
  --warmup 60s             closed-model warm-up first: the members' JIT needs about a minute (0 skips)
  --measure 20s            the closed-model run that measures the maximum
  --connections N          closed-model users for the warm-up and the maximum (64)
  --capacity N             seats of the flash-sale section (10000000: it never sells out)
  --purchase-ratio F       share of granted holds purchased (1: every hold closes, so the grid
                           reaches a steady state instead of keeping every hold for its 1 h TTL)
  --retention 60s          how long a closed hold stays in the grid (CLOSED_HOLD_RETENTION_SECONDS of
                           the spacegrid the soak starts; default there 1 h, which would grow the
                           heap for the whole run). Ignored for a spacegrid already running.
  --sample-interval 5s     one sample (and progress line) every
  --no-gc-probe            do not force a full GC on each member at the middle and at the end of the
                           load (jcmd GC.run: one pause each) to read its live heap; "heap flat" is
                           then judged on the sampled heap after GC (survivors + old) instead
  --verify-timeout 120s    how long Postgres may take to catch up before the invariants
  --quiet-wait 30s         longest wait for a quiet machine before the maximum and the run (0 skips)
  --database-url URL       Postgres for the invariants (default: the soak's own database when it
                           starts spacegrid, else ${DEFAULT_DATABASE_URL})
  --reports-dir DIR        (default reports)`;

const positive = (name: string, text: string): number => {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name} wants a positive number, not ${text}`);
  return value;
};

const share = (name: string, text: string): number => {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new Error(`--${name} wants a number from 0 to 1, not ${text}`);
  return value;
};

/** `node dist/load-test/soak/soak-main.js`: the only file of the sustained run that touches `process`. */
async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      spacegrid: { type: 'string', default: 'http://127.0.0.1:8080' },
      admin: { type: 'string', default: 'http://127.0.0.1:8081' },
      rate: { type: 'string' },
      fraction: { type: 'string', default: '0.8' },
      duration: { type: 'string', default: '5m' },
      ramp: { type: 'string', default: '10s' },
      warmup: { type: 'string', default: '60s' },
      measure: { type: 'string', default: '20s' },
      connections: { type: 'string', default: '64' },
      capacity: { type: 'string', default: '10000000' },
      'purchase-ratio': { type: 'string', default: '1' },
      retention: { type: 'string', default: '60s' },
      'sample-interval': { type: 'string', default: '5s' },
      'no-gc-probe': { type: 'boolean' },
      'verify-timeout': { type: 'string', default: '120s' },
      'quiet-wait': { type: 'string', default: '30s' },
      'database-url': { type: 'string' },
      'reports-dir': { type: 'string', default: 'reports' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const stopped = stopOnSignals();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const retentionSec = Math.max(1, Math.round(parseDuration(values.retention) / 1000));
  const token = process.env.ADMIN_TOKEN ?? randomBytes(12).toString('base64url');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ADMIN_TOKEN: token,
    // Read by the data pump the deploy manager starts (children inherit the environment).
    CLOSED_HOLD_RETENTION_SECONDS: String(retentionSec),
  };
  let spacegrid: SpacegridProcess | undefined;
  try {
    spacegrid = await ensureSpacegrid(values.spacegrid, env, log);
    const started = spacegrid.pid !== undefined;
    const targets = await findSoakTargets({
      adminUrl: values.admin,
      token,
      managerPid: spacegrid.pid,
      // The Redis the spacegrid it starts uses too (its processes inherit this environment).
      redisUrl: env.REDIS_URL ?? CommonEnv.REDIS_URL.default,
    });
    log(`write-behind figures from the writer ${targets.writerUrl} and the pump ${targets.pumpUrl}`);
    const durationMs = parseDuration(values.duration);
    const report = await runSoak({
      target: values.spacegrid,
      databaseUrl:
        values['database-url'] ??
        (started ? (env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL) : DEFAULT_DATABASE_URL),
      targets,
      rate: values.rate === undefined ? undefined : positive('rate', values.rate),
      fraction: share('fraction', values.fraction),
      durationMs,
      warmupMs: parseDuration(values.warmup),
      measureMs: parseDuration(values.measure),
      connections: positive('connections', values.connections),
      rampMs: parseDuration(values.ramp),
      capacity: positive('capacity', values.capacity),
      purchaseRatio: share('purchase-ratio', values['purchase-ratio']),
      sampleIntervalMs: parseDuration(values['sample-interval']),
      gcProbe: !values['no-gc-probe'],
      verifyTimeoutMs: parseDuration(values['verify-timeout']),
      quietWaitMs: parseDuration(values['quiet-wait']),
      closedHoldRetentionSec: started ? retentionSec : null,
      log,
      progress: (sample, runStartedAt) => log(formatSoakProgress(sample, runStartedAt, durationMs)),
      signal: stopped,
    });
    const markdown = renderSoakMarkdown(report);
    log(`\n${markdown}`);
    const files = await writeSoakReport(report, markdown, values['reports-dir']);
    log(`written: ${files.markdown}\n         ${files.json}`);
    return report.passed ? 0 : 1;
  } finally {
    await spacegrid?.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`sustained run failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
