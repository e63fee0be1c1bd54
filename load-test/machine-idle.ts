import { readFile } from 'node:fs/promises';

/** CPU time counters of the whole machine (the first line of `/proc/stat`), in clock ticks. */
export interface CpuTimes {
  busy: number;
  total: number;
}

/** Parses the aggregate `cpu` line of `/proc/stat`; idle and iowait count as idle. */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no aggregate cpu line in /proc/stat');
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total };
}

/** Share of the machine's CPU (0..1, all cores together) that was busy between two readings. */
export function busyShare(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  return total <= 0 ? 0 : (after.busy - before.busy) / total;
}

export interface IdleWaitOptions {
  /** Busy share (all cores) below which the machine counts as quiet. Default 0.2. */
  threshold?: number;
  /** Length of one sample. Default 500 ms. */
  sampleMs?: number;
  /** Give up and go on after this long. Default 30 s. */
  maxWaitMs?: number;
  signal?: AbortSignal | undefined;
  /** Where the counters come from (tests). Default `/proc/stat`. */
  read?: () => Promise<CpuTimes>;
}

export interface IdleWaitResult {
  /** False when the counters cannot be read (not Linux): nothing was waited for. */
  measured: boolean;
  quiet: boolean;
  waitedMs: number;
  /** Busy share of the last sample. */
  busy: number;
}

const readProcStat = async (): Promise<CpuTimes> => parseProcStat(await readFile('/proc/stat', 'utf8'));

/**
 * Waits until the machine is quiet: what one benchmark target left running (a write-behind
 * draining, a JIT compiling, a checkpoint) must not be charged to the next one.
 */
export async function waitForQuietMachine(options: IdleWaitOptions = {}): Promise<IdleWaitResult> {
  const read = options.read ?? readProcStat;
  const threshold = options.threshold ?? 0.2;
  const sampleMs = options.sampleMs ?? 500;
  const maxWaitMs = options.maxWaitMs ?? 30_000;
  const started = Date.now();
  let before: CpuTimes;
  try {
    before = await read();
  } catch {
    return { measured: false, quiet: false, waitedMs: 0, busy: 0 };
  }
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    const after = await read();
    const busy = busyShare(before, after);
    const waitedMs = Date.now() - started;
    if (busy < threshold) return { measured: true, quiet: true, waitedMs, busy };
    if (waitedMs >= maxWaitMs || options.signal?.aborted)
      return { measured: true, quiet: false, waitedMs, busy };
    before = after;
  }
}
