import type { ProcessCpu } from './cpu-sampler.js';

export interface CpuRow {
  name: string;
  pids: number[];
  cpuMs: number;
  /** cpuMs ÷ the holds granted in the same runs. */
  msPerHold: number;
  /** Of the total (0..1); 0 for rows not in the total. */
  share: number;
  exited: number;
  notInTotal?: boolean;
}

/** One target's CPU over all its measured runs. */
export interface CpuSummary {
  target: string;
  /** Holds granted (201) in the measured runs. */
  holds: number;
  rows: CpuRow[];
  /** Every row but the ones not in the total (the harness), per hold. */
  totalMsPerHold: number;
  /** The rows not in the total, per hold; null if there are none. */
  harnessMsPerHold: number | null;
}

/** Adds up a target's runs (CPU, then holds) and divides: CPU milliseconds per granted hold. */
export function summarizeCpu(
  target: string,
  runs: ReadonlyArray<{ holds: number; cpu: ProcessCpu[] }>,
): CpuSummary {
  const merged = new Map<string, { pids: Set<number>; cpuMs: number; exited: number; notInTotal: boolean }>();
  let holds = 0;
  for (const run of runs) {
    holds += run.holds;
    for (const row of run.cpu) {
      const into = merged.get(row.name) ?? { pids: new Set(), cpuMs: 0, exited: 0, notInTotal: false };
      for (const pid of row.pids) into.pids.add(pid);
      into.cpuMs += row.cpuMs;
      into.exited += row.exited;
      into.notInTotal ||= row.notInTotal === true;
      merged.set(row.name, into);
    }
  }
  const perHold = (ms: number): number => (holds > 0 ? ms / holds : 0);
  let total = 0;
  let harness = 0;
  for (const row of merged.values()) {
    if (row.notInTotal) harness += row.cpuMs;
    else total += row.cpuMs;
  }
  const rows: CpuRow[] = [...merged].map(([name, row]) => ({
    name,
    pids: [...row.pids],
    cpuMs: row.cpuMs,
    msPerHold: perHold(row.cpuMs),
    share: row.notInTotal || total === 0 ? 0 : row.cpuMs / total,
    exited: row.exited,
    ...(row.notInTotal ? { notInTotal: true } : {}),
  }));
  const hasHarness = rows.some((r) => r.notInTotal);
  return {
    target,
    holds,
    rows,
    totalMsPerHold: perHold(total),
    harnessMsPerHold: hasHarness ? perHold(harness) : null,
  };
}

const ms = (value: number): string => value.toFixed(3);
const thousands = (value: number): string => Math.round(value).toLocaleString('en-US');

/** The CPU section of the benchmark's report: one line per target, then each target's processes. */
export function renderCpuMarkdown(summaries: readonly CpuSummary[]): string {
  if (summaries.length === 0) return '';
  const lines = [
    '## CPU per hold',
    '',
    'utime + stime from `/proc/<pid>/stat`, read just before and just after each measured run (each ' +
      "run's set-up included, warm-ups not), summed over the rounds and divided by the holds granted in " +
      'them. Every process on the machine named `postgres` counts, other users of Postgres included.',
    '',
    '| target | holds | CPU ms per hold (all but the harness) | harness ms per hold |',
    '| --- | ---: | ---: | ---: |',
    ...summaries.map(
      (s) =>
        `| ${s.target} | ${thousands(s.holds)} | ${ms(s.totalMsPerHold)} | ` +
        `${s.harnessMsPerHold === null ? 'n/a' : ms(s.harnessMsPerHold)} |`,
    ),
  ];
  for (const s of summaries) {
    lines.push(
      '',
      `### ${s.target}`,
      '',
      '| process | pids | CPU s | CPU ms per hold | share |',
      '| --- | --- | ---: | ---: | ---: |',
    );
    for (const row of s.rows) {
      const pids = row.pids.length > 4 ? `${row.pids.length} processes` : row.pids.join(', ') || '–';
      const exited = row.exited > 0 ? ` (${row.exited} ended during a run)` : '';
      lines.push(
        `| ${row.name}${exited} | ${pids} | ${(row.cpuMs / 1000).toFixed(2)} | ${ms(row.msPerHold)} | ` +
          `${row.notInTotal ? 'not in total' : `${(row.share * 100).toFixed(0)} %`} |`,
      );
    }
    const totalS = s.rows.reduce((sum, r) => sum + (r.notInTotal ? 0 : r.cpuMs), 0) / 1000;
    lines.push(
      `| **total (all but the harness)** | | ${totalS.toFixed(2)} | **${ms(s.totalMsPerHold)}** | 100 % |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
