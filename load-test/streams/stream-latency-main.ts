import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseDuration } from '../duration.js';
import type { WorkloadModel } from '../load-options.js';
import { ensureSpacegrid } from '../spacegrid-process.js';
import { DEFAULT_DEGRADATION_LIMITS } from './degradation.js';
import { runStreamBench } from './stream-bench.js';
import { renderStreamBenchMarkdown } from './stream-bench-table.js';
import { stopOnSignals } from '../stop-signal.js';

const USAGE = `usage: node dist/load-test/streams/stream-latency-main.js [options]   (npm run bench:streams -- ...)

Measures live streams: a bidding war on one auction (auction-war's requests) with no watcher, then
with each count of --watchers watching the auction's stream (a fresh auction per step, every watcher
on its own connection, all on the auction's one unit), until the grid degrades. Per step: delivery
latency from each bid's commit (its placedAt) to each watcher (HDR p50/p99/p99.9/max), delivered vs
expected messages, gaps and duplicates (ids must follow each other directly), watchers cut off,
and the bids' own rate and p99. Starts spacegrid through the deploy manager (empty spacegrid_bench
database) unless one answers at --target. Writes <ISO time>-streams.md/.json into --reports-dir.

  --target URL            the messaging grid (default http://127.0.0.1:8080)
  --watchers LIST         watcher counts of the ramp (default 250,500,1000,2000,4000,8000)
  --rate N                open model: bidding requests/s (default 50)
  --connections N         closed model instead: N bidders, each bidding again once answered
  --duration 10s          bidding per step
  --bidders N             distinct bidder ids (50)
  --max-delivery-p99 1s   degraded above this delivery p99
  --max-bid-p99 1s        degraded above this bid p99
  --max-rate-drop 0.2     degraded when bid requests/s fall more than this below the no-watcher step
  --keep-going            measure every count, past the first degraded one
  --quiet-wait 15s        before each step, wait up to this long for a quiet machine (0 skips)
  --reports-dir DIR       (default reports)`;

/** `npm run bench:streams`: the only file of the live-stream benchmark that touches `process`. */
async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      target: { type: 'string', default: 'http://127.0.0.1:8080' },
      watchers: { type: 'string', default: '250,500,1000,2000,4000,8000' },
      rate: { type: 'string' },
      connections: { type: 'string' },
      duration: { type: 'string', default: '10s' },
      bidders: { type: 'string', default: '50' },
      'max-delivery-p99': { type: 'string', default: `${DEFAULT_DEGRADATION_LIMITS.maxDeliveryP99Ms}ms` },
      'max-bid-p99': { type: 'string', default: `${DEFAULT_DEGRADATION_LIMITS.maxBidP99Ms}ms` },
      'max-rate-drop': { type: 'string', default: String(DEFAULT_DEGRADATION_LIMITS.maxRateDrop) },
      'keep-going': { type: 'boolean' },
      'quiet-wait': { type: 'string', default: '15s' },
      'reports-dir': { type: 'string', default: 'reports' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not ${text}`);
    return n;
  };
  const watcherCounts = values.watchers.split(',').map((n) => positive('watchers', n.trim()));
  if (values.rate !== undefined && values.connections !== undefined)
    throw new Error('--rate (open model) and --connections (closed model) exclude each other');
  const model: WorkloadModel =
    values.connections !== undefined
      ? { type: 'closed', connections: positive('connections', values.connections) }
      : { type: 'open', rate: positive('rate', values.rate ?? '50') };
  const maxRateDrop = Number(values['max-rate-drop']);
  if (!(maxRateDrop >= 0 && maxRateDrop <= 1)) throw new Error('--max-rate-drop must be between 0 and 1');

  const stopped = stopOnSignals();
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  const env = {
    ...process.env,
    ADMIN_TOKEN: process.env.ADMIN_TOKEN ?? randomBytes(12).toString('base64url'),
  };
  const spacegrid = await ensureSpacegrid(values.target, env, log);
  try {
    const report = await runStreamBench({
      target: values.target,
      watcherCounts,
      model,
      stepDurationMs: parseDuration(values.duration, 's'),
      bidders: positive('bidders', values.bidders),
      limits: {
        maxDeliveryP99Ms: parseDuration(values['max-delivery-p99'], 'ms'),
        maxBidP99Ms: parseDuration(values['max-bid-p99'], 'ms'),
        maxRateDrop,
      },
      keepGoing: values['keep-going'] === true,
      quietWaitMs: parseDuration(values['quiet-wait'], 's'),
      reportsDir: values['reports-dir'],
      log,
      signal: stopped,
    });
    process.stdout.write(`\n${renderStreamBenchMarkdown(report)}`);
    return 0;
  } finally {
    await spacegrid.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `stream benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 2;
  },
);
