import { readProcessStat } from './proc-stat.js';

/** A row of the CPU table: one process, or several counted together (every Postgres process). */
export interface WatchedProcess {
  name: string;
  pids: number[];
  /** Shown, but not added to the total (the harness: it is the load, not the system under test). */
  notInTotal?: boolean;
}

/** Lists what to watch; asked again at each reading, so processes that come and go are seen. */
export type ProcessLister = () => Promise<WatchedProcess[]>;

/** One reading: per row, clock ticks (utime + stime) per process, keyed `<pid>@<starttime>`. */
export interface CpuReading {
  rows: Array<{ name: string; notInTotal: boolean; ticks: Map<string, number> }>;
}

/** What a row used between two readings. */
export interface ProcessCpu {
  name: string;
  /** The pids seen at the second reading. */
  pids: number[];
  cpuMs: number;
  /** Processes of the row that ended between the readings: their CPU in the window is lost. */
  exited: number;
  notInTotal?: boolean;
}

/** Reads `/proc/<pid>/stat` of every watched process (gone ones are left out). */
export async function readCpu(watched: readonly WatchedProcess[]): Promise<CpuReading> {
  const rows = await Promise.all(
    watched.map(async (row) => {
      const ticks = new Map<string, number>();
      for (const stat of await Promise.all(row.pids.map(readProcessStat))) {
        if (stat) ticks.set(`${stat.pid}@${stat.starttime}`, stat.utime + stat.stime);
      }
      return { name: row.name, notInTotal: row.notInTotal === true, ticks };
    }),
  );
  return { rows };
}

/**
 * CPU per row between two readings. A process first seen at the second reading started in the
 * window and counts whole; one seen only at the first has ended, and counts as `exited`.
 * Rows are matched by name, in the order of the second reading.
 */
export function cpuBetween(before: CpuReading, after: CpuReading, ticksPerSecond: number): ProcessCpu[] {
  const earlier = new Map(before.rows.map((row) => [row.name, row.ticks]));
  return after.rows.map((row) => {
    const was = earlier.get(row.name) ?? new Map<string, number>();
    let ticks = 0;
    for (const [key, now] of row.ticks) ticks += Math.max(0, now - (was.get(key) ?? 0));
    const exited = [...was.keys()].filter((key) => !row.ticks.has(key)).length;
    return {
      name: row.name,
      pids: [...row.ticks.keys()].map((key) => Number(key.split('@')[0])),
      cpuMs: (ticks * 1000) / ticksPerSecond,
      exited,
      ...(row.notInTotal ? { notInTotal: true } : {}),
    };
  });
}
