import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

/** The fields of `/proc/<pid>/stat` the CPU table needs; times in clock ticks (`CLK_TCK`). */
export interface ProcessStat {
  pid: number;
  /** The executable's name, at most 15 characters (`postgres`, `java`, `node`). */
  comm: string;
  ppid: number;
  /** User and system CPU time of the process itself (not of its children). */
  utime: number;
  stime: number;
  /** When it started, in ticks since boot: with the pid, names one process even if the pid is reused. */
  starttime: number;
}

/**
 * Parses one `/proc/<pid>/stat` line (proc(5)). The name sits in parentheses and may itself hold
 * spaces and parentheses, so the fields are counted from the last `)`.
 */
export function parseProcessStat(line: string): ProcessStat {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 1 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${line.slice(0, 80)}`);
  // After ") ": field 3 (state) is index 0, so field n is index n - 3.
  const rest = line
    .slice(close + 2)
    .trim()
    .split(' ');
  const field = (n: number): number => {
    const value = Number(rest[n - 3]);
    if (!Number.isFinite(value))
      throw new Error(`/proc/<pid>/stat field ${n} is not a number: ${line.slice(0, 80)}`);
    return value;
  };
  return {
    pid: Number(line.slice(0, open).trim()),
    comm: line.slice(open + 1, close),
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    starttime: field(22),
  };
}

/** The process's stat, or undefined if it is gone (or not readable). */
export async function readProcessStat(pid: number): Promise<ProcessStat | undefined> {
  try {
    return parseProcessStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Its command line, arguments joined by spaces ('' if gone or a kernel thread). */
export async function readCommandLine(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Every process visible in /proc now. */
export async function listProcesses(): Promise<ProcessStat[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = await Promise.all(pids.map(readProcessStat));
  return stats.filter((s): s is ProcessStat => s !== undefined);
}

/** `CLK_TCK`, the unit of the times in /proc (100 on nearly every Linux); 100 if getconf is missing. */
export async function clockTicksPerSecond(): Promise<number> {
  try {
    const { stdout } = await promisify(execFile)('getconf', ['CLK_TCK']);
    const ticks = Number(stdout.trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}
