import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderBenchMarkdown, type BenchRatios, type BenchSummaryRow } from './bench-table.js';
import { cpuBetween, readCpu, type ProcessCpu, type ProcessLister } from './cpu/cpu-sampler.js';
import { renderCpuMarkdown, summarizeCpu, type CpuSummary } from './cpu/cpu-table.js';
import { clockTicksPerSecond } from './cpu/proc-stat.js';
import { decodeHistogram, mergeHistograms, summarizeLatency, type Histogram } from './latency-histogram.js';
import { fileStamp } from './report/write-report-files.js';
import { waitForQuietMachine } from './machine-idle.js';
import { runLoad } from './run-load.js';

export interface BenchOptions {
  /**
   * Base URLs; `spacegrid` may be left out (then only baseline and ceilings are measured).
   * `gridCeiling` is the messaging grid in front of the no-op server: the most any design with
   * spacegrid's two HTTP hops can serve on this machine, with no work at all.
   */
  targets: {
    spacegrid?: string | undefined;
    baseline: string;
    /** The Redis + Lua reference (`redis-lua/`): one Fastify hop, one Lua script per hold. */
    redisLua?: string | undefined;
    ceiling: string;
    gridCeiling?: string | undefined;
  };
  /**
   * The processes of each target whose CPU is read (`/proc/<pid>/stat`) just before and after each
   * measured run, for the report's CPU-per-hold tables. Targets without one get no CPU table.
   */
  processes?: Partial<Record<keyof BenchOptions['targets'], ProcessLister>>;
  /**
   * Measure spacegrid at several unit counts, each its own row, interleaved like every target:
   * `setUnits` (the deploy manager's `PUT /admin/units`, waiting until they are ready) runs
   * before each of spacegrid's runs. Unset: spacegrid as it runs.
   */
  spacegridUnits?: { counts: number[]; setUnits(count: number): Promise<void> };
  /** Default 3. */
  rounds?: number;
  /** Per target and round. Default 10 s. */
  roundDurationMs?: number;
  /** Closed model: users, each with one hold request in flight. Default 64. */
  connections?: number;
  /**
   * An unmeasured run per target before the rounds (JIT, pools, caches). Default 60 s: the
   * members' JIT compilers take about a minute of load to settle (measured: 386 → 1,400 holds/s). 0 skips it.
   */
  warmupMs?: number;
  /**
   * How many flash sales the warm-up runs at once, each on its own event, sharing `connections`.
   * Each round's fresh section lands on whichever unit and Hazelcast member own its key; a warm-up
   * on one section warms only its owners, and a round that lands elsewhere paid for their JIT
   * (measured: a member compiling ~800 methods, 4.6 s of CPU, inside a 10 s round). With 16, that
   * one of 2 units (or members) owns none of them has a chance of 1 in 32,768. Default 16.
   */
  warmupSections?: number;
  /** Seats of each round's GA section: large enough never to sell out. Default 10,000,000. */
  capacity?: number;
  /** Where `<ISO time>-bench.md/.json` go. Default `reports`. */
  reportsDir?: string;
  /**
   * Before each run, wait (up to this long) until the machine is quiet, so what one target left
   * running (a write-behind draining, a checkpoint) is not charged to the next. Default 30 s; 0 skips.
   */
  quietWaitMs?: number;
  /** Progress and the final table. */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

const CEILING = 'ceiling (no-op)';
const REDIS_LUA = 'Redis + Lua';

interface BenchTarget {
  name: string;
  url: string;
  /** Runs before each measurement of this target (e.g. setting spacegrid's unit count). */
  prepare?: () => Promise<void>;
  processes?: ProcessLister | undefined;
}
const GRID_CEILING = 'ceiling via messaging grid';

export interface BenchRound {
  round: number;
  target: string;
  holdsPerSec: number;
  /** Holds granted (201). */
  holds: number;
  completed: number;
  errors: number;
  p50: number;
  p99: number;
  p999: number;
  /** CPU per watched process during the run (when the target's processes are known). */
  cpu?: ProcessCpu[];
}

export interface BenchReport {
  startedAt: string;
  scenario: 'flash-sale';
  settings: {
    rounds: number;
    roundDurationMs: number;
    connections: number;
    warmupMs: number;
    warmupSections: number;
    quietWaitMs: number;
    capacity: number;
  };
  rounds: BenchRound[];
  summary: BenchSummaryRow[];
  ratios: BenchRatios;
  /** CPU milliseconds per hold, per process, for each target whose processes were watched. */
  cpu: CpuSummary[];
  markdown: string;
  files: { markdown: string; json: string };
}

/**
 * The same flash-sale holds (closed model, fixed connections, no purchases) against each target,
 * interleaved: each round visits every target, in a rotated order, so drift on the machine hits
 * all of them alike. Prints and writes a table of holds/s and latency with the ratios.
 */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => undefined);
  const settings = {
    rounds: options.rounds ?? 3,
    roundDurationMs: options.roundDurationMs ?? 10_000,
    connections: options.connections ?? 64,
    warmupMs: options.warmupMs ?? 60_000,
    warmupSections: Math.max(1, options.warmupSections ?? 16),
    quietWaitMs: options.quietWaitMs ?? 30_000,
    capacity: options.capacity ?? 10_000_000,
  };
  const scaled = options.spacegridUnits;
  const watched = options.processes ?? {};
  const spacegridTargets = (url: string): BenchTarget[] =>
    scaled && scaled.counts.length > 0
      ? scaled.counts.map((count) => ({
          name: `spacegrid, ${count} unit${count === 1 ? '' : 's'}`,
          url,
          prepare: () => scaled.setUnits(count),
          processes: watched.spacegrid,
        }))
      : [{ name: 'spacegrid', url, processes: watched.spacegrid }];
  const { redisLua, gridCeiling } = options.targets;
  const targets: BenchTarget[] = [
    ...(options.targets.spacegrid ? spacegridTargets(options.targets.spacegrid) : []),
    { name: 'baseline', url: options.targets.baseline, processes: watched.baseline },
    ...(redisLua ? [{ name: REDIS_LUA, url: redisLua, processes: watched.redisLua }] : []),
    { name: CEILING, url: options.targets.ceiling, processes: watched.ceiling },
    ...(gridCeiling ? [{ name: GRID_CEILING, url: gridCeiling, processes: watched.gridCeiling }] : []),
  ];
  const ticksPerSecond = Object.keys(watched).length > 0 ? await clockTicksPerSecond() : 100;
  const startedAt = new Date().toISOString();
  const quiet = async (before: string): Promise<void> => {
    if (settings.quietWaitMs <= 0) return;
    const wait = await waitForQuietMachine({ maxWaitMs: settings.quietWaitMs, signal: options.signal });
    if (wait.measured && (!wait.quiet || wait.waitedMs > 1_000)) {
      log(
        `  ${wait.quiet ? 'waited' : 'gave up waiting'} ${(wait.waitedMs / 1000).toFixed(1)} s for a quiet machine ` +
          `before ${before} (last sample ${Math.round(wait.busy * 100)} % busy)`,
      );
    }
  };
  const holds = (target: BenchTarget, durationMs: number, connections = settings.connections) =>
    runLoad({
      scenario: 'flash-sale',
      target: target.url,
      model: { type: 'closed', connections },
      durationMs,
      verify: false,
      scenarioOptions: { capacity: settings.capacity, purchaseRatio: 0 },
      signal: options.signal,
    });
  const warmUp = async (target: BenchTarget) => {
    await target.prepare?.();
    await quiet(`the warm-up of ${target.name}`);
    const sections = settings.warmupSections;
    const each = Math.max(1, Math.round(settings.connections / sections));
    await Promise.all(Array.from({ length: sections }, () => holds(target, settings.warmupMs, each)));
  };
  /** A round's run, with the CPU of the target's processes read just before and just after it. */
  const measured = async (target: BenchTarget, round: number) => {
    await target.prepare?.();
    await quiet(`round ${round} of ${target.name}`);
    const before = target.processes ? await readCpu(await target.processes()) : undefined;
    const report = await holds(target, settings.roundDurationMs);
    if (!before || !target.processes) return { report, cpu: undefined };
    const after = await readCpu(await target.processes());
    return { report, cpu: cpuBetween(before, after, ticksPerSecond) };
  };

  if (settings.warmupMs > 0) {
    for (const target of targets) {
      log(
        `warm-up: ${target.name} (${target.url}) ${settings.warmupMs / 1000} s, ` +
          `${settings.warmupSections} section${settings.warmupSections === 1 ? '' : 's'} at once`,
      );
      await warmUp(target);
    }
  }
  const rounds: BenchRound[] = [];
  const histograms = new Map<string, Histogram[]>(targets.map((t) => [t.name, []]));
  for (let round = 1; round <= settings.rounds; round += 1) {
    const shift = (round - 1) % targets.length;
    for (const target of [...targets.slice(shift), ...targets.slice(0, shift)]) {
      if (options.signal?.aborted) break;
      const { report, cpu } = await measured(target, round);
      const hold = report.byKind.hold;
      if (hold) histograms.get(target.name)!.push(decodeHistogram(hold.histogram));
      const result: BenchRound = {
        round,
        target: target.name,
        holdsPerSec: Math.round(((hold?.ok ?? 0) * 1000) / report.elapsedMs),
        holds: hold?.ok ?? 0,
        completed: report.totals.completed,
        errors: report.totals.errors,
        p50: report.latency.p50,
        p99: report.latency.p99,
        p999: report.latency.p999,
        ...(cpu ? { cpu } : {}),
      };
      rounds.push(result);
      const cpuPerHold = cpu
        ? summarizeCpu(target.name, [{ holds: result.holds, cpu }]).totalMsPerHold
        : undefined;
      log(
        `round ${round}/${settings.rounds} ${target.name.padEnd(16)} ${String(result.holdsPerSec).padStart(7)} holds/s` +
          `  p50 ${result.p50} ms  p99 ${result.p99} ms  errors ${result.errors}` +
          (cpuPerHold === undefined ? '' : `  CPU ${cpuPerHold.toFixed(3)} ms/hold`),
      );
    }
  }

  const summary: BenchSummaryRow[] = targets.map((target) => {
    const mine = rounds.filter((r) => r.target === target.name);
    const latency = summarizeLatency(mergeHistograms(histograms.get(target.name)!));
    return {
      target: target.name,
      url: target.url,
      holdsPerSec: mine.length ? mine.reduce((sum, r) => sum + r.holdsPerSec, 0) / mine.length : 0,
      holdsPerSecByRound: mine.map((r) => r.holdsPerSec),
      p50: latency.p50,
      p99: latency.p99,
      p999: latency.p999,
      errors: mine.reduce((sum, r) => sum + r.errors, 0),
    };
  });
  const rate = (name: string): number | undefined => summary.find((r) => r.target === name)?.holdsPerSec;
  const divide = (a: number | undefined, b: number | undefined): number | null =>
    a === undefined || b === undefined || b === 0 ? null : Math.round((a / b) * 100) / 100;
  // With several unit counts, the first one stands for spacegrid in the ratios.
  const spacegridRows = targets.filter((t) => t.name.startsWith('spacegrid'));
  const first = spacegridRows[0]?.name ?? 'spacegrid';
  const ratios: BenchRatios = {
    spacegridOverBaseline: divide(rate(first), rate('baseline')),
    ...(redisLua ? { spacegridOverRedisLua: divide(rate(first), rate(REDIS_LUA)) } : {}),
    ceilingOverSpacegrid: divide(rate(CEILING), rate(first)),
    gridCeilingOverBaseline: divide(rate(GRID_CEILING), rate('baseline')),
    ...(spacegridRows.length > 1
      ? { lastOverFirstUnits: divide(rate(spacegridRows.at(-1)!.name), rate(first)) }
      : {}),
  };
  const cpu: CpuSummary[] = targets
    .filter((target) => target.processes)
    .map((target) =>
      summarizeCpu(
        target.name,
        rounds.filter((r) => r.target === target.name && r.cpu).map((r) => ({ holds: r.holds, cpu: r.cpu! })),
      ),
    );
  const table = renderBenchMarkdown(
    'spacegrid benchmark: flash-sale holds',
    `${startedAt}: ${settings.rounds} round(s) × ${settings.roundDurationMs / 1000} s per target, interleaved; ` +
      `closed model, ${settings.connections} connections, one GA section of ${settings.capacity} seats, ` +
      `1..4 seats per hold, no purchases.`,
    summary,
    ratios,
  );
  const markdown = cpu.length > 0 ? `${table}\n${renderCpuMarkdown(cpu)}` : table;
  log(`\n${markdown}`);

  const reportsDir = options.reportsDir ?? 'reports';
  await mkdir(reportsDir, { recursive: true });
  const base = join(reportsDir, `${fileStamp(startedAt)}-bench`);
  const files = { markdown: `${base}.md`, json: `${base}.json` };
  const report: BenchReport = {
    startedAt,
    scenario: 'flash-sale',
    settings,
    rounds,
    summary,
    ratios,
    cpu,
    markdown,
    files,
  };
  await writeFile(files.markdown, markdown);
  await writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
