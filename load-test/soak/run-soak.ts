import type { LoadReport } from '../load-report.js';
import { waitForQuietMachine } from '../machine-idle.js';
import { runLoad } from '../run-load.js';
import { DEFAULT_SCENARIO_OPTIONS } from '../scenarios/scenario.js';
import type { InvariantResult } from '../verify/invariant-result.js';
import { ClientWindow } from './client-window.js';
import { SoakSampler, type LiveHeapProbe, type SoakSample } from './soak-sampler.js';
import type { SoakTargets } from './soak-targets.js';
import {
  judgeSoak,
  SOAK_RULES,
  type LiveHeapPair,
  type SoakJudgement,
  type SoakPoint,
} from './soak-verdict.js';
import { summarizeLag } from './write-behind-metrics.js';

export interface SoakOptions {
  /** spacegrid's messaging grid. */
  target: string;
  /** The Postgres spacegrid writes to, for the invariants. */
  databaseUrl: string;
  targets: SoakTargets;
  /** Offered requests/s of the sustained run; unset: `fraction` × the measured maximum. */
  rate?: number | undefined;
  fraction: number;
  durationMs: number;
  /** Closed-model warm-up before anything is measured (the members' JIT). 0 skips it. */
  warmupMs: number;
  /** The closed-model run that measures the maximum. */
  measureMs: number;
  /** Closed model users for the warm-up and the maximum. */
  connections: number;
  /** Open model: the rate rises linearly over this, inside `durationMs`. */
  rampMs: number;
  capacity: number;
  purchaseRatio: number;
  sampleIntervalMs: number;
  /** Force a full collection on each member at the middle and at the end of the load, for its live heap. */
  gcProbe: boolean;
  verifyTimeoutMs: number;
  quietWaitMs: number;
  /** How long spacegrid keeps a closed hold in the grid, when the soak set it (for the report). */
  closedHoldRetentionSec: number | null;
  log: (line: string) => void;
  /** Gets each sample, and when the sustained run's sampling started (epoch ms). */
  progress: (sample: SoakSample, runStartedAt: number) => void;
  signal?: AbortSignal | undefined;
}

export interface SoakReport {
  startedAt: string;
  target: string;
  settings: Omit<SoakOptions, 'targets' | 'log' | 'progress' | 'signal' | 'rate'> & {
    writerUrl: string;
    pumpUrl: string;
  };
  /** The closed-model maximum (null with `--rate`). */
  maximum: { requestsPerSec: number; holdsPerSec: number; p99Ms: number } | null;
  offeredRate: number;
  run: {
    startedAt: string;
    elapsedMs: number;
    completed: number;
    holdsGranted: number;
    holdsPerSec: number;
    /** Completed requests/s after the ramp. */
    servedRate: number;
    p50Ms: number;
    p99Ms: number;
    p999Ms: number;
    errors: number;
    overflow: number;
  };
  judgement: SoakJudgement;
  /** The live heap probes (`gcProbe`), seconds since the load started. */
  liveHeapProbes: Array<{ atSec: number; members: LiveHeapProbe['members'] }>;
  invariants: InvariantResult[] | null;
  points: SoakPoint[];
  passed: boolean;
}

/** Holds granted per second of a run. */
const holdsPerSec = (report: LoadReport): number =>
  report.elapsedMs > 0 ? ((report.byKind.hold?.ok ?? 0) * 1000) / report.elapsedMs : 0;

/** A sample as the verdict reads it: seconds since the load started, load or drain. */
export function toSoakPoint(sample: SoakSample, loadStartedAt: number, loadEndsAt: number): SoakPoint {
  const seconds = sample.intervalMs / 1000;
  const rate = (count: number): number => (seconds > 0 ? count / seconds : 0);
  return {
    atSec: (sample.at - loadStartedAt) / 1000,
    // A window that ends within half an interval of the load's end is the load's.
    phase: sample.at <= loadEndsAt + sample.intervalMs / 2 ? 'load' : 'drain',
    holdsPerSec: rate(sample.client.holdsGranted),
    requestsPerSec: rate(sample.client.requests),
    p99Ms: sample.client.p99Ms,
    errors: sample.client.errors,
    lag: sample.lag,
    queueDepth: sample.queueDepth,
    dirtyKeys: sample.dirtyKeys,
    redisMb: sample.redisMb,
    heaps: Object.fromEntries(
      sample.members.map((m) => [
        m.name,
        m.heap ? { afterGcMb: m.heap.afterGcMb, usedMb: m.heap.usedMb } : null,
      ]),
    ),
  };
}

/** Each member's live heap at the middle and at the end, from the two probes (when both ran). */
function liveHeapPairs(probes: readonly LiveHeapProbe[]): LiveHeapPair[] {
  const [middle, end] = probes;
  if (!middle || !end) return [];
  return middle.members.map((m) => ({
    member: m.name,
    middle: m.live,
    end: end.members.find((e) => e.name === m.name && e.pid === m.pid)?.live ?? null,
  }));
}

/**
 * The sustained run: a closed-model warm-up, the closed-model maximum (unless a rate is given),
 * then the flash-sale scenario open model at `fraction` of that maximum for `durationMs`, sampled
 * every `sampleIntervalMs` (harness, writer's lag, change queue, members' heaps), then the
 * invariants once Postgres has caught up, and a verdict per target.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { log, signal } = options;
  const startedAt = new Date().toISOString();
  const scenarioOptions = { capacity: options.capacity, purchaseRatio: options.purchaseRatio };
  const closed = (durationMs: number) =>
    runLoad({
      scenario: 'flash-sale',
      target: options.target,
      model: { type: 'closed', connections: options.connections },
      durationMs,
      verify: false,
      scenarioOptions,
      signal,
    });
  const quiet = async (before: string): Promise<void> => {
    if (options.quietWaitMs <= 0) return;
    const wait = await waitForQuietMachine({ maxWaitMs: options.quietWaitMs, signal });
    if (wait.measured)
      log(
        `${wait.quiet ? 'waited' : 'gave up waiting'} ${(wait.waitedMs / 1000).toFixed(1)} s for a quiet machine before ${before} ` +
          `(last sample ${Math.round(wait.busy * 100)} % busy)`,
      );
  };

  if (options.warmupMs > 0) {
    log(`warm-up: closed model, ${options.connections} connections, ${options.warmupMs / 1000} s`);
    await closed(options.warmupMs);
  }
  let maximum: SoakReport['maximum'] = null;
  let offeredRate = options.rate ?? 0;
  if (options.rate === undefined) {
    await quiet('the maximum');
    log(`maximum: closed model, ${options.connections} connections, ${options.measureMs / 1000} s`);
    const report = await closed(options.measureMs);
    maximum = {
      requestsPerSec: report.totals.rate,
      holdsPerSec: holdsPerSec(report),
      p99Ms: report.latency.p99,
    };
    offeredRate = Math.max(1, Math.round(options.fraction * report.totals.rate));
    log(
      `maximum: ${maximum.requestsPerSec.toFixed(0)} req/s (${maximum.holdsPerSec.toFixed(0)} holds/s, p99 ${maximum.p99Ms} ms); ` +
        `the sustained run offers ${options.fraction * 100} %: ${offeredRate} req/s`,
    );
  }
  // Every request a hold of the most seats: a bound on what the run can take from the section.
  const mostSeats = offeredRate * (options.durationMs / 1000) * DEFAULT_SCENARIO_OPTIONS.maxQuantity;
  if (mostSeats > options.capacity)
    log(
      `warning: at ${offeredRate} req/s for ${options.durationMs / 1000} s the section of ${options.capacity} seats ` +
        `may sell out (up to ${Math.round(mostSeats)} seats asked): raise --capacity`,
    );
  await quiet('the sustained run');

  const client = new ClientWindow();
  const runStartedAt = Date.now();
  const sampler = new SoakSampler({
    client,
    targets: options.targets,
    intervalMs: options.sampleIntervalMs,
    lagTargetSec: SOAK_RULES.lagTargetSec,
    onSample: (sample) => options.progress(sample, runStartedAt),
  });
  log(
    `sustained run: open model, ${offeredRate} req/s (ramp ${options.rampMs / 1000} s), ${options.durationMs / 1000} s, ` +
      `a sample every ${options.sampleIntervalMs / 1000} s`,
  );
  await sampler.start();
  // The live heap probes, timed from the first answer (the load's start, give or take its first round trip).
  const probes: Array<Promise<LiveHeapProbe>> = [];
  const timers: NodeJS.Timeout[] = [];
  const record = (...args: Parameters<ClientWindow['record']>): void => {
    if (options.gcProbe && timers.length === 0)
      for (const share of [0.5, 1])
        timers.push(setTimeout(() => probes.push(sampler.probeLiveHeaps()), share * options.durationMs));
    client.record(...args);
  };
  let report: LoadReport;
  try {
    report = await runLoad({
      scenario: 'flash-sale',
      target: options.target,
      model: { type: 'open', rate: offeredRate },
      durationMs: options.durationMs,
      rampMs: options.rampMs,
      scenarioOptions,
      databaseUrl: options.databaseUrl,
      verifyTimeoutMs: options.verifyTimeoutMs,
      onRecord: record,
      signal,
    });
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await sampler.stop();
  }
  const liveHeapProbes = await Promise.all(probes);

  const loadStartedAt = Date.parse(report.startedAt);
  const points = sampler.samples
    .filter((s) => s.at > loadStartedAt)
    .map((s) => toSoakPoint(s, loadStartedAt, loadStartedAt + report.elapsedMs));
  const run: SoakReport['run'] = {
    startedAt: report.startedAt,
    elapsedMs: report.elapsedMs,
    completed: report.totals.completed,
    holdsGranted: report.byKind.hold?.ok ?? 0,
    holdsPerSec: holdsPerSec(report),
    servedRate: report.totals.steadyRate,
    p50Ms: report.latency.p50,
    p99Ms: report.latency.p99,
    p999Ms: report.latency.p999,
    errors: report.totals.errors,
    overflow: report.totals.overflow,
  };
  const judgement = judgeSoak({
    points,
    overallLag: summarizeLag(sampler.totalLag, SOAK_RULES.lagTargetSec),
    runSec: report.elapsedMs / 1000,
    offeredRate,
    servedRate: run.servedRate,
    overflow: run.overflow,
    invariants: report.invariants,
    liveHeaps: liveHeapPairs(liveHeapProbes),
  });
  const { targets, log: _log, progress: _progress, signal: _signal, rate: _rate, ...settings } = options;
  return {
    startedAt,
    target: options.target,
    settings: { ...settings, writerUrl: targets.writerUrl, pumpUrl: targets.pumpUrl },
    maximum,
    offeredRate,
    run,
    judgement,
    liveHeapProbes: liveHeapProbes.map((probe) => ({
      atSec: (probe.at - loadStartedAt) / 1000,
      members: probe.members,
    })),
    invariants: report.invariants,
    points,
    passed: judgement.passed,
  };
}
