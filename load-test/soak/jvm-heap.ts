import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

/** One reading of a JVM's heap, in MiB, from `jstat -gc <pid>`. */
export interface JvmHeap {
  /** Survivors + eden + old: everything in use now (eden rises and falls with every young collection). */
  usedMb: number;
  /**
   * Survivors + old: what the collections kept. Eden is empty right after a young collection and
   * only survivors and old change at one, so this is the heap just after the last collection (plus
   * dead old objects a mixed or full collection has not yet reclaimed). It is the series a leak
   * raises; `usedMb` is mostly how full eden happens to be.
   */
  afterGcMb: number;
  /** Old generation used. */
  oldMb: number;
  /** Heap committed (survivor, eden and old capacities). */
  committedMb: number;
  /** Young and full collections so far. */
  youngGcs: number;
  fullGcs: number;
  /** Seconds spent in full collections so far. */
  fullGcSec: number;
}

const KIB_PER_MIB = 1024;

/**
 * Parses `jstat -gc <pid>` (a header line, then one line of numbers; sizes in KiB). Columns are
 * found by name, so the parser does not depend on the JDK's column order or the collector.
 */
export function parseJstatGc(output: string): JvmHeap {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length < 2) throw new Error(`jstat -gc printed no reading: ${output.slice(0, 200)}`);
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/).map(Number);
  const column = (name: string): number => {
    const index = names.indexOf(name);
    const value = index < 0 ? undefined : values[index];
    if (value === undefined || !Number.isFinite(value))
      throw new Error(`jstat -gc has no numeric ${name} column: ${lines[0]}`);
    return value;
  };
  const mb = (kib: number): number => kib / KIB_PER_MIB;
  const survivors = column('S0U') + column('S1U');
  return {
    usedMb: mb(survivors + column('EU') + column('OU')),
    afterGcMb: mb(survivors + column('OU')),
    oldMb: mb(column('OU')),
    committedMb: mb(column('S0C') + column('S1C') + column('EC') + column('OC')),
    youngGcs: column('YGC'),
    fullGcs: column('FGC'),
    fullGcSec: column('FGCT'),
  };
}

/**
 * Follows one JVM's heap with a single long-lived `jstat -gc <pid> <interval>` (the JDK's tool: it
 * reads the JVM's shared performance counters, so it neither pauses nor signals the JVM, unlike
 * `jcmd GC.heap_info`). One jstat for the whole run, not one per sample: jstat is itself a JVM,
 * and starting one per member every few seconds would cost the two shared cores more than the
 * figure is worth. `latest()` is undefined until the first line, and once jstat has ended (the
 * member is gone, or jstat is missing or cannot attach).
 */
export class JstatWatch {
  private readonly child: ChildProcess;
  private header: string | undefined;
  private reading: JvmHeap | undefined;
  private buffered = '';
  private ended = false;

  constructor(
    readonly pid: number,
    intervalMs: number,
  ) {
    this.child = spawn('jstat', ['-gc', String(pid), `${Math.max(1, Math.round(intervalMs))}ms`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    this.child.on('error', () => (this.ended = true));
    this.child.once('exit', () => (this.ended = true));
    this.child.stdout!.on('data', (chunk: Buffer) => this.take(chunk.toString()));
  }

  latest(): JvmHeap | undefined {
    return this.ended ? undefined : this.reading;
  }

  get alive(): boolean {
    return !this.ended;
  }

  close(): void {
    if (!this.ended) this.child.kill();
  }

  private take(text: string): void {
    const lines = (this.buffered + text).split('\n');
    this.buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      if (this.header === undefined || /[A-Za-z]/.test(line)) this.header = line;
      else {
        try {
          this.reading = parseJstatGc(`${this.header}\n${line}`);
        } catch {
          // A line jstat printed for a person (the JVM went away): keep the last reading.
        }
      }
    }
  }
}

/** A member's heap right after a full collection: its live set. */
export interface LiveHeap {
  liveMb: number;
  /** The full collection's pause (`FGCT` before and after). */
  pauseMs: number;
}

/**
 * Forces a full collection (`jcmd <pid> GC.run`) and reads the heap right after it: the live set,
 * the only figure a growing-but-collectable old generation cannot fake. G1 leaves dead objects in
 * the old generation until a concurrent cycle, which a 1 GiB member may not start in five minutes,
 * so the sampled "after GC" series can climb without any leak. The price is one pause per member
 * per probe; it shows in that window's latency. Undefined when jcmd or jstat fails.
 */
export async function probeLiveHeap(pid: number): Promise<LiveHeap | undefined> {
  const run = promisify(execFile);
  const heap = async () =>
    parseJstatGc((await run('jstat', ['-gc', String(pid)], { timeout: 10_000 })).stdout);
  try {
    const before = await heap();
    await run('jcmd', [String(pid), 'GC.run'], { timeout: 60_000 });
    const after = await heap();
    // Survivors + old, not eden: a full collection empties eden, and what the load allocates there
    // in the second jstat takes to start is not live (it would add megabytes a second).
    return { liveMb: after.afterGcMb, pauseMs: (after.fullGcSec - before.fullGcSec) * 1000 };
  } catch {
    return undefined;
  }
}
