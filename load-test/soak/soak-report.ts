import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileStamp } from '../report/write-report-files.js';
import type { SoakReport } from './run-soak.js';
import type { SoakSample } from './soak-sampler.js';
import { SOAK_RULES, type SoakPoint } from './soak-verdict.js';
import type { LagWindow } from './write-behind-metrics.js';

const whole = (value: number): string => Math.round(value).toLocaleString('en-US');
const orDash = (value: number | null | undefined, digits = 0): string =>
  value === null || value === undefined ? '–' : value.toFixed(digits);
const lagText = (lag: LagWindow | null): string =>
  !lag || lag.p99Sec === null ? '–' : `${lag.p99Sec.toFixed(3)}`;
const withinText = (lag: LagWindow | null): string =>
  !lag || lag.withinTarget === null ? '–' : `${(lag.withinTarget * 100).toFixed(1)} %`;

/**
 * The line printed after every sample while the run goes: seconds since the sampler started (the
 * load starts about a second later, after its set-up), the harness's window, the write-behind
 * and each member's heap after GC.
 */
export function formatSoakProgress(sample: SoakSample, startedAt: number, durationMs: number): string {
  const seconds = sample.intervalMs / 1000;
  const rate = (count: number) => (seconds > 0 ? Math.round(count / seconds) : 0);
  const heaps = sample.members.map((m) => orDash(m.heap?.afterGcMb)).join(', ') || '–';
  return [
    `${String(Math.round((sample.at - startedAt) / 1000)).padStart(4)}/${Math.round(durationMs / 1000)} s`,
    `holds/s ${String(rate(sample.client.holdsGranted)).padStart(5)}`,
    `req/s ${String(rate(sample.client.requests)).padStart(5)}`,
    `p99 ${sample.client.p99Ms.toFixed(1).padStart(7)} ms`,
    `errors ${sample.client.errors}`,
    `lag p99 ${lagText(sample.lag)} s (${withinText(sample.lag)} ≤ ${SOAK_RULES.lagTargetSec} s of ${sample.lag?.writes ?? '–'} writes)`,
    `queue ${orDash(sample.queueDepth)} (dirty keys ${orDash(sample.dirtyKeys)})`,
    `Redis MiB ${orDash(sample.redisMb)}`,
    `heap after GC MiB ${heaps}`,
  ].join('  ');
}

/** The time series as a markdown table: one row per sample, a heap column per member. */
function seriesTable(points: readonly SoakPoint[]): string[] {
  const members = [...new Set(points.flatMap((p) => Object.keys(p.heaps)))];
  return [
    `| t s | phase | holds/s | req/s | p99 ms | errors | lag p99 s | writes ≤ ${SOAK_RULES.lagTargetSec} s | writes | queue | dirty keys | Redis MiB | ` +
      members.map((m) => `${m} after GC / used MiB`).join(' | ') +
      ' |',
    `| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${members.map(() => ' ---: |').join('')}`,
    ...points.map(
      (p) =>
        `| ${p.atSec.toFixed(0)} | ${p.phase} | ${whole(p.holdsPerSec)} | ${whole(p.requestsPerSec)} | ${p.p99Ms.toFixed(1)} | ` +
        `${p.errors} | ${lagText(p.lag)} | ${withinText(p.lag)} | ${p.lag?.writes ?? '–'} | ${orDash(p.queueDepth)} | ` +
        `${orDash(p.dirtyKeys)} | ${orDash(p.redisMb)} | ` +
        members
          .map((m) => {
            const heap = p.heaps[m];
            return heap ? `${heap.afterGcMb.toFixed(0)} / ${heap.usedMb.toFixed(0)}` : '–';
          })
          .join(' | ') +
        ' |',
    ),
  ];
}

/** The sustained run's report: verdict per target, the run's figures, the invariants, the time series. */
export function renderSoakMarkdown(report: SoakReport): string {
  const { settings, run, maximum, judgement } = report;
  const offered = maximum
    ? `${whole(report.offeredRate)} req/s = ${settings.fraction * 100} % of the measured maximum ` +
      `(${whole(maximum.requestsPerSec)} req/s, ${whole(maximum.holdsPerSec)} holds/s, closed model, ` +
      `${settings.connections} connections, ${settings.measureMs / 1000} s, p99 ${maximum.p99Ms} ms)`
    : `${whole(report.offeredRate)} req/s (given with --rate; no maximum measured)`;
  return [
    `# spacegrid sustained run: ${report.passed ? 'PASS' : 'FAIL'}`,
    '',
    `${report.startedAt}, ${report.target}: flash-sale, open model, ${settings.durationMs / 1000} s ` +
      `(ramp ${settings.rampMs / 1000} s) after a ${settings.warmupMs / 1000} s warm-up; one GA section of ` +
      `${whole(settings.capacity)} seats, 1..4 seats per hold, ${settings.purchaseRatio * 100} % of granted holds purchased; ` +
      `closed holds kept in the grid ${settings.closedHoldRetentionSec === null ? 'as the running spacegrid is set (CLOSED_HOLD_RETENTION_SECONDS)' : `${settings.closedHoldRetentionSec} s`}; ` +
      `a sample every ${settings.sampleIntervalMs / 1000} s.`,
    '',
    `Offered: ${offered}.`,
    '',
    '## Verdict',
    '',
    '| target | result | measured | rule |',
    '| --- | --- | --- | --- |',
    ...judgement.verdicts.map(
      (v) => `| ${v.target} | ${v.pass ? 'PASS' : 'FAIL'} | ${v.measured} | ${v.rule} |`,
    ),
    '',
    '"Flat" is judged on the load\'s samples from the middle of the run on (the first half fills the ' +
      'queues, caches and the closed holds the grid keeps for their retention), by the least-squares ' +
      "trend: what it adds over that span must stay within the tolerance. A member's heap is judged on " +
      'its live set, from a full collection forced at the middle and at the end of the load (one pause ' +
      'each, visible in those windows): G1 keeps dead objects in the old generation until a concurrent ' +
      'cycle, which a 1 GiB member may not start within the run. The sampled series is `S0U + S1U + OU` ' +
      'of `jstat -gc` (survivors + old: what the last collection kept; eden is left out, it is only how ' +
      'far the next young collection is). The lag over the whole run is the sum of the ' +
      "writer's histogram deltas of every window, from the sampler's start (just before the load) to the " +
      'end of the checks (so the drain counts).',
    '',
    '## The run',
    '',
    '| figure | value |',
    '| --- | ---: |',
    `| requests completed | ${whole(run.completed)} |`,
    `| holds granted | ${whole(run.holdsGranted)} (${whole(run.holdsPerSec)} /s) |`,
    `| completed req/s after the ramp (offered ${whole(report.offeredRate)}) | ${whole(run.servedRate)} |`,
    `| latency p50 / p99 / p99.9 ms (from the intended send time) | ${run.p50Ms} / ${run.p99Ms} / ${run.p999Ms} |`,
    `| errors (overflow included) / overflow | ${run.errors} / ${run.overflow} |`,
    `| write-behind lag p99, whole run | ${lagText(judgement.lag.overall)} s (${withinText(judgement.lag.overall)} of ${whole(judgement.lag.overall.writes)} writes ≤ ${SOAK_RULES.lagTargetSec} s) |`,
    `| write-behind lag p99, worst window | ${judgement.lag.worst ? `${lagText(judgement.lag.worst.window)} s at ${judgement.lag.worst.atSec.toFixed(0)} s` : '–'} |`,
    `| Redis used memory: mean of the second half / trend | ${judgement.redis.mean.toFixed(1)} MiB / ${judgement.redis.slopePerMinute.toFixed(1)} MiB/min |`,
    `| change queue depth: mean / max (load) | ${judgement.queue.mean.toFixed(1)} / ${orDash(Math.max(0, ...report.points.filter((p) => p.phase === 'load').map((p) => p.queueDepth ?? 0)))} |`,
    ...judgement.heaps.map(
      (h) =>
        `| ${h.member}: heap after GC, mean of the second half / trend | ${h.flatness.mean.toFixed(1)} MiB / ${h.flatness.slopePerMinute.toFixed(1)} MiB/min |`,
    ),
    '',
    ...(report.liveHeapProbes.length === 0
      ? ['No live heap probe ran (--no-gc-probe, or the load ended early).']
      : report.liveHeapProbes.map(
          (probe) =>
            `Live heap probe at ${probe.atSec.toFixed(0)} s (jcmd GC.run, then jstat): ` +
            probe.members
              .map((m) =>
                m.live
                  ? `${m.name} ${m.live.liveMb.toFixed(1)} MiB (full GC pause ${m.live.pauseMs.toFixed(0)} ms)`
                  : `${m.name} unread`,
              )
              .join('; ') +
            '.',
        )),
    '',
    '## Invariants',
    '',
    ...(report.invariants === null
      ? ['not checked']
      : [
          '| check | status | detail |',
          '| --- | --- | --- |',
          ...report.invariants.map((i) => `| ${i.name} | ${i.status} | ${i.detail} |`),
        ]),
    '',
    `## Time series (every ${settings.sampleIntervalMs / 1000} s; t from the start of the load)`,
    '',
    ...seriesTable(report.points),
    '',
  ].join('\n');
}

/** Writes `<ISO time>-soak.md` and `.json` into `dir`. */
export async function writeSoakReport(
  report: SoakReport,
  markdown: string,
  dir: string,
): Promise<{ markdown: string; json: string }> {
  await mkdir(dir, { recursive: true });
  const base = join(dir, `${fileStamp(report.startedAt)}-soak`);
  const files = { markdown: `${base}.md`, json: `${base}.json` };
  await writeFile(files.markdown, markdown);
  await writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
  return files;
}
