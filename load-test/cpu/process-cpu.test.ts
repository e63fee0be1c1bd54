import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuBetween, readCpu, type CpuReading } from './cpu-sampler.js';
import { renderCpuMarkdown, summarizeCpu } from './cpu-table.js';
import { clockTicksPerSecond, listProcesses, parseProcessStat, readCommandLine } from './proc-stat.js';
import { classifyCommandLine, descendantsOf, rowsFromAdminStatus } from './watched-processes.js';

/** A /proc/<pid>/stat line with the given name, ppid, utime, stime and starttime (52 fields). */
function statLine(
  pid: number,
  comm: string,
  ppid: number,
  utime: number,
  stime: number,
  start: number,
): string {
  const fields = Array.from({ length: 50 }, () => '0');
  fields[0] = 'S';
  fields[1] = String(ppid);
  fields[11] = String(utime);
  fields[12] = String(stime);
  fields[13] = '7'; // cutime: children's time, never counted
  fields[19] = String(start);
  return `${pid} (${comm}) ${fields.join(' ')}\n`;
}

const reading = (rows: Record<string, Record<string, number>>, notInTotal: string[] = []): CpuReading => ({
  rows: Object.entries(rows).map(([name, ticks]) => ({
    name,
    notInTotal: notInTotal.includes(name),
    ticks: new Map(Object.entries(ticks)),
  })),
});

describe('parseProcessStat', () => {
  it('reads pid, name, ppid, utime, stime and starttime', () => {
    expect(parseProcessStat(statLine(4242, 'postgres', 1, 1500, 250, 987654))).toEqual({
      pid: 4242,
      comm: 'postgres',
      ppid: 1,
      utime: 1500,
      stime: 250,
      starttime: 987654,
    });
  });

  it('counts fields from the last parenthesis: a name may hold spaces and parentheses', () => {
    const stat = parseProcessStat(statLine(7, 'a) (b c) 9', 3, 11, 12, 13));
    expect(stat).toMatchObject({ pid: 7, comm: 'a) (b c) 9', ppid: 3, utime: 11, stime: 12, starttime: 13 });
  });

  it('refuses what is not a stat line', () => {
    expect(() => parseProcessStat('hello')).toThrow(/not a \/proc\/<pid>\/stat line/);
    expect(() => parseProcessStat('12 (x) S 1 2')).toThrow(/field 14 is not a number/);
  });
});

describe('cpuBetween', () => {
  it('charges each row the ticks its processes used between the readings, in ms', () => {
    const before = reading({
      unit: { '10@1': 1000 },
      postgres: { '20@1': 300, '21@5': 50 },
      harness: { '30@1': 9 },
    });
    const after = reading(
      {
        unit: { '10@1': 1250 },
        // 21 ended; 22 started in the window and counts whole; 20 used 40 ticks.
        postgres: { '20@1': 340, '22@900': 15 },
        harness: { '30@1': 109 },
      },
      ['harness'],
    );
    expect(cpuBetween(before, after, 100)).toEqual([
      { name: 'unit', pids: [10], cpuMs: 2500, exited: 0 },
      { name: 'postgres', pids: [20, 22], cpuMs: 550, exited: 1 },
      { name: 'harness', pids: [30], cpuMs: 1000, exited: 0, notInTotal: true },
    ]);
  });

  it('does not mistake a reused pid for the same process', () => {
    const before = reading({ worker: { '10@100': 5000 } });
    const after = reading({ worker: { '10@7000': 20 } });
    expect(cpuBetween(before, after, 100)).toEqual([{ name: 'worker', pids: [10], cpuMs: 200, exited: 1 }]);
  });
});

describe('summarizeCpu', () => {
  const runs = [
    {
      holds: 1000,
      cpu: [
        { name: 'member', pids: [1], cpuMs: 300, exited: 0 },
        { name: 'unit', pids: [2], cpuMs: 200, exited: 0 },
        { name: 'harness', pids: [9], cpuMs: 400, exited: 0, notInTotal: true },
      ],
    },
    {
      holds: 3000,
      cpu: [
        { name: 'member', pids: [1], cpuMs: 900, exited: 0 },
        { name: 'unit', pids: [2, 3], cpuMs: 600, exited: 1 },
        { name: 'harness', pids: [9], cpuMs: 800, exited: 0, notInTotal: true },
      ],
    },
  ];

  it('adds the rounds up before dividing by the holds, and keeps the harness out of the total', () => {
    const summary = summarizeCpu('spacegrid', runs);
    expect(summary.holds).toBe(4000);
    expect(summary.rows).toEqual([
      { name: 'member', pids: [1], cpuMs: 1200, msPerHold: 0.3, share: 0.6, exited: 0 },
      { name: 'unit', pids: [2, 3], cpuMs: 800, msPerHold: 0.2, share: 0.4, exited: 1 },
      { name: 'harness', pids: [9], cpuMs: 1200, msPerHold: 0.3, share: 0, exited: 0, notInTotal: true },
    ]);
    expect(summary.totalMsPerHold).toBeCloseTo(0.5, 10);
    expect(summary.harnessMsPerHold).toBeCloseTo(0.3, 10);
  });

  it('reports 0 per hold, not infinity, when nothing was granted', () => {
    const summary = summarizeCpu('broken', [{ holds: 0, cpu: runs[0]!.cpu }]);
    expect(summary.totalMsPerHold).toBe(0);
    expect(summary.rows.every((r) => r.msPerHold === 0)).toBe(true);
  });

  it('renders a line per target and a table per target', () => {
    const markdown = renderCpuMarkdown([summarizeCpu('spacegrid', runs)]);
    expect(markdown).toContain('| spacegrid | 4,000 | 0.500 | 0.300 |');
    expect(markdown).toContain('| member | 1 | 1.20 | 0.300 | 60 % |');
    expect(markdown).toContain('| unit (1 ended during a run) | 2, 3 | 0.80 | 0.200 | 40 % |');
    expect(markdown).toContain('| harness | 9 | 1.20 | 0.300 | not in total |');
    expect(markdown).toContain('| **total (all but the harness)** | | 2.00 | **0.500** | 100 % |');
  });
});

describe("naming spacegrid's processes", () => {
  it("takes each member, unit and part from the deploy manager's status", () => {
    const rows = rowsFromAdminStatus({
      members: [
        { address: '127.0.0.1:5701', pid: 101 },
        { address: '127.0.0.1:5702', pid: null },
      ],
      units: [{ id: 'unit-1', pid: 201 }],
      processes: [
        { name: 'grid', kind: 'messaging-grid', pid: 301 },
        { name: 'data-pump', kind: 'data-pump', pid: 302 },
      ],
    });
    expect(rows).toEqual([
      { name: 'Hazelcast member 127.0.0.1:5701', pids: [101] },
      { name: 'processing unit 1', pids: [201] },
      { name: 'messaging grid', pids: [301] },
      { name: 'data pump', pids: [302] },
    ]);
  });

  it('recognises the parts by command line', () => {
    expect(classifyCommandLine('/usr/bin/node /work/main/dist/processing-unit/main.js')).toBe(
      'processing unit',
    );
    expect(classifyCommandLine('node /x/dist/data-writer/main.js')).toBe('data writer');
    expect(classifyCommandLine('node /x/dist/deploy-manager/main.js')).toBe('deploy manager');
    expect(classifyCommandLine('java -Xmx512m -cp /x/.cache/hazelcast/hazelcast-5.6.0.jar com.x.Main')).toBe(
      'Hazelcast member',
    );
    expect(classifyCommandLine('node /x/dist/load-test/cli.js')).toBeUndefined();
  });

  it('finds the processes below a root, at any depth', () => {
    const p = (pid: number, ppid: number) => ({ pid, ppid, comm: 'x', utime: 0, stime: 0, starttime: 0 });
    const tree = [p(1, 0), p(10, 1), p(11, 10), p(12, 11), p(20, 1), p(30, 99)];
    expect(descendantsOf(10, tree).map((x) => x.pid)).toEqual([11, 12]);
    expect(
      descendantsOf(1, tree)
        .map((x) => x.pid)
        .sort(),
    ).toEqual([10, 11, 12, 20]);
  });
});

describe('reading a real process', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
  });

  it("agrees with the process's own account of the CPU it burnt, and sees it end", async () => {
    // Burns CPU on request until process.cpuUsage() says it used 300 ms more, then prints how much.
    const script = `
      const rl = require('node:readline').createInterface({ input: process.stdin });
      console.log('ready');
      rl.on('line', () => {
        const start = process.cpuUsage();
        let used = 0;
        while (used < 300_000) { const u = process.cpuUsage(start); used = u.user + u.system; }
        console.log(String(used / 1000));
      });`;
    child = spawn(process.execPath, ['-e', script, 'cpu-sampler-fixture'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    expect((await lines.next()).value).toBe('ready');
    const pid = child.pid!;

    const listed = await listProcesses();
    expect(descendantsOf(process.pid, listed).map((p) => p.pid)).toContain(pid);
    expect(await readCommandLine(pid)).toContain('cpu-sampler-fixture');

    const ticks = await clockTicksPerSecond();
    const watched = [{ name: 'fixture', pids: [pid] }];
    const before = await readCpu(watched);
    child.stdin!.write('go\n');
    const reportedMs = Number((await lines.next()).value);
    const after = await readCpu(watched);
    const [row] = cpuBetween(before, after, ticks);
    expect(reportedMs).toBeGreaterThanOrEqual(300);
    // /proc counts in clock ticks (10 ms at 100 Hz), and also the few ms around the loop.
    expect(row!.cpuMs).toBeGreaterThanOrEqual(reportedMs - 2 * (1000 / ticks));
    expect(row!.cpuMs).toBeLessThanOrEqual(reportedMs + 100);
    expect(row!.exited).toBe(0);

    child.kill('SIGKILL');
    await once(child, 'exit');
    const gone = cpuBetween(after, await readCpu(watched), ticks);
    expect(gone).toEqual([{ name: 'fixture', pids: [], cpuMs: 0, exited: 1 }]);
  });
});
