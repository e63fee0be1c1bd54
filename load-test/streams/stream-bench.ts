import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { WorkloadModel } from '../load-options.js';
import type { LoadReport } from '../load-report.js';
import { waitForQuietMachine } from '../machine-idle.js';
import { fileStamp } from '../report/write-report-files.js';
import { runLoad } from '../run-load.js';
import {
  DEFAULT_DEGRADATION_LIMITS,
  degradationReasons,
  lastGoodWatchers,
  type DegradationLimits,
  type RampStep,
} from './degradation.js';
import { renderStreamBenchMarkdown } from './stream-bench-table.js';
import type { StreamDeliveryReport } from './watcher-fleet.js';

export interface StreamBenchOptions {
  /** The messaging grid of a running spacegrid. */
  target: string;
  /** Watcher counts of the ramp, ascending; a step with no watcher is always measured first. */
  watcherCounts: number[];
  /** The bidding war (auction-war's requests: 90 % bids, 10 % reads of the auction). Default open, 50/s. */
  model?: WorkloadModel;
  /** Bidding per step. Default 10 s. */
  stepDurationMs?: number;
  /** Distinct bidder ids. Default 50. */
  bidders?: number;
  limits?: DegradationLimits;
  /** Before each step, wait up to this long for a quiet machine. Default 15 s; 0 skips. */
  quietWaitMs?: number;
  /** Go on past the first degraded step. Default false. */
  keepGoing?: boolean;
  reportsDir?: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** One step as measured: the figures the verdict reads, and the context to judge them by. */
export interface MeasuredStep extends RampStep {
  degraded: string[];
  /** How busy the harness's event loop was (its watchers included): near 1, the harness limits. */
  harnessEventLoopUtilization: number;
  /** 1-minute load average of the machine, before and after the step. */
  loadAverage: [number, number];
  streams: StreamDeliveryReport | undefined;
}

export interface StreamBenchReport {
  startedAt: string;
  finishedAt: string;
  target: string;
  model: WorkloadModel;
  stepDurationMs: number;
  limits: DegradationLimits;
  steps: MeasuredStep[];
  /** The largest count measured before the first degraded step (all on one unit: one hot auction). */
  lastGoodWatchers: number | undefined;
}

const perSecond = (count: number, ms: number): number =>
  ms > 0 ? Math.round((count * 10_000) / ms) / 10 : 0;

/** The verdict's figures from one auction-watch run. */
export function rampStep(watchers: number, report: LoadReport): RampStep {
  const bids = report.byKind.bid;
  const completed = bids ? bids.ok + bids.rejected + bids.errors : 0;
  const s = report.streams;
  return {
    watchers,
    bidRate: perSecond(completed, report.elapsedMs),
    acceptedRate: perSecond(bids?.ok ?? 0, report.elapsedMs),
    bidP99Ms: bids?.latency.p99 ?? 0,
    bidErrors: report.totals.errors,
    deliveryP50Ms: s?.latency.p50 ?? 0,
    deliveryP99Ms: s?.latency.p99 ?? 0,
    delivered: s?.delivered ?? 0,
    expected: s?.expected ?? 0,
    watcherFailures: s ? s.failedToOpen + s.dropped + s.gaps + s.duplicates + s.resyncs : 0,
  };
}

/**
 * The live-stream benchmark: the same bidding war on a fresh auction per step, first with no
 * watcher (the baseline), then with each watcher count of the ramp, all watching that one auction,
 * until a step degrades (`degradationReasons`). One hot auction puts every watcher on the one unit
 * that owns it (the grid routes by key), so a step's count is watchers per unit, all fed by one
 * grid listener and relayed by the one messaging grid. Writes `<ISO time>-streams.md/.json`.
 */
export async function runStreamBench(options: StreamBenchOptions): Promise<StreamBenchReport> {
  const log = options.log ?? (() => undefined);
  const model: WorkloadModel = options.model ?? { type: 'open', rate: 50 };
  const stepDurationMs = options.stepDurationMs ?? 10_000;
  const limits = options.limits ?? DEFAULT_DEGRADATION_LIMITS;
  const startedAt = new Date();
  const steps: MeasuredStep[] = [];
  let baseline: RampStep | undefined;
  for (const watchers of [0, ...options.watcherCounts]) {
    if (options.signal?.aborted) break;
    if ((options.quietWaitMs ?? 15_000) > 0)
      await waitForQuietMachine({ maxWaitMs: options.quietWaitMs ?? 15_000, signal: options.signal });
    const before = loadavg()[0]!;
    log(`${watchers} watcher(s): bidding for ${stepDurationMs / 1000} s...`);
    const report = await runLoad({
      scenario: 'auction-watch',
      target: options.target,
      model,
      durationMs: stepDurationMs,
      verify: false,
      scenarioOptions: { watchers, bidders: options.bidders ?? 50 },
      signal: options.signal,
    });
    const step = rampStep(watchers, report);
    const measured: MeasuredStep = {
      ...step,
      degraded: degradationReasons(step, baseline, limits),
      harnessEventLoopUtilization: report.harness.eventLoopUtilization,
      loadAverage: [before, loadavg()[0]!],
      streams: report.streams,
    };
    baseline ??= step;
    steps.push(measured);
    log(
      `  ${step.acceptedRate} accepted bids/s, bid p99 ${step.bidP99Ms} ms, delivery p50 ${step.deliveryP50Ms} ms ` +
        `p99 ${step.deliveryP99Ms} ms, ${step.delivered}/${step.expected} delivered` +
        (measured.degraded.length ? `: DEGRADED (${measured.degraded.join('; ')})` : ''),
    );
    if (measured.degraded.length > 0 && !options.keepGoing && watchers > 0) break;
  }
  const report: StreamBenchReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    target: options.target,
    model,
    stepDurationMs,
    limits,
    steps,
    lastGoodWatchers: lastGoodWatchers(steps.filter((s) => s.watchers > 0)),
  };
  const dir = options.reportsDir ?? 'reports';
  await mkdir(dir, { recursive: true });
  const base = join(dir, `${fileStamp(report.startedAt)}-streams`);
  await writeFile(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(`${base}.md`, renderStreamBenchMarkdown(report));
  log(`reports: ${base}.md\n         ${base}.json`);
  return report;
}
