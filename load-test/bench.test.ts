import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench, type BenchReport } from './bench.js';
import { knownProcesses } from './cpu/watched-processes.js';
import { buildNoopServer, type NoopServer } from './noop-server.js';

describe('runBench (against three no-op servers, seconds of load)', () => {
  const servers: NoopServer[] = [];
  const urls: string[] = [];
  let dir = '';
  let report: BenchReport;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-'));
    for (let i = 0; i < 3; i += 1) {
      const server = buildNoopServer();
      servers.push(server);
      urls.push(await server.start());
    }
    report = await runBench({
      targets: { baseline: urls[0]!, ceiling: urls[1]!, gridCeiling: urls[2]! },
      rounds: 2,
      roundDurationMs: 300,
      warmupMs: 100,
      quietWaitMs: 0,
      connections: 4,
      reportsDir: dir,
      log: (line) => lines.push(line),
    });
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('visits every target in every round, in a rotated order', () => {
    const targets = ['baseline', 'ceiling (no-op)', 'ceiling via messaging grid'];
    expect(report.rounds.map((r) => [r.round, r.target])).toEqual([
      [1, targets[0]],
      [1, targets[1]],
      [1, targets[2]],
      [2, targets[1]],
      [2, targets[2]],
      [2, targets[0]],
    ]);
    for (const round of report.rounds) {
      expect(round.holdsPerSec).toBeGreaterThan(0);
      expect(round.errors).toBe(0);
    }
  });

  it('summarises each target from its rounds and computes the ratios from the summary', () => {
    for (const row of report.summary) {
      const mine = report.rounds.filter((r) => r.target === row.target).map((r) => r.holdsPerSec);
      expect(row.holdsPerSecByRound).toEqual(mine);
      expect(row.holdsPerSec).toBeCloseTo((mine[0]! + mine[1]!) / 2);
      expect(row.p50).toBeLessThanOrEqual(row.p99);
      expect(row.p99).toBeLessThanOrEqual(row.p999);
    }
    const rate = (name: string) => report.summary.find((r) => r.target === name)!.holdsPerSec;
    expect(report.ratios.spacegridOverBaseline).toBeNull();
    expect(report.ratios.gridCeilingOverBaseline).toBe(
      Math.round((rate('ceiling via messaging grid') / rate('baseline')) * 100) / 100,
    );
  });

  it('writes the table as markdown and the whole report as JSON', async () => {
    const markdown = await readFile(report.files.markdown, 'utf8');
    expect(markdown).toContain('| ceiling via messaging grid |');
    expect(markdown).toMatch(/ceiling via messaging grid \/ baseline .*: \d+\.\d\d×/);
    const json = JSON.parse(await readFile(report.files.json, 'utf8')) as BenchReport;
    expect(json.rounds).toEqual(report.rounds);
    expect(json.settings).toMatchObject({ rounds: 2, warmupMs: 100, quietWaitMs: 0 });
    expect(lines.some((l) => l.startsWith('warm-up: baseline'))).toBe(true);
  });
});

describe('runBench with spacegrid at several unit counts', () => {
  it('sets the unit count before each run of that row, and compares the counts', async () => {
    const servers = [buildNoopServer(), buildNoopServer()];
    const [spacegrid, baseline] = await Promise.all(servers.map((s) => s.start()));
    const dir = await mkdtemp(join(tmpdir(), 'bench-units-'));
    const calls: string[] = [];
    try {
      const report = await runBench({
        targets: { spacegrid: spacegrid!, baseline: baseline!, ceiling: baseline! },
        spacegridUnits: {
          counts: [2, 4],
          setUnits: async (count) => {
            calls.push(`units ${count}`);
          },
        },
        rounds: 1,
        roundDurationMs: 200,
        warmupMs: 100,
        quietWaitMs: 0,
        connections: 2,
        reportsDir: dir,
        log: (line) => {
          // A round's line is written once its run is done.
          const match = /^round \d\/\d (spacegrid, \d units)/.exec(line);
          if (match) calls.push(match[1]!);
        },
      });
      // Each spacegrid run (warm-ups, then the round) is preceded by its own unit count.
      expect(calls).toEqual([
        'units 2',
        'units 4',
        'units 2',
        'spacegrid, 2 units',
        'units 4',
        'spacegrid, 4 units',
      ]);
      expect(report.summary.map((r) => r.target)).toEqual([
        'spacegrid, 2 units',
        'spacegrid, 4 units',
        'baseline',
        'ceiling (no-op)',
      ]);
      const rate = (name: string) => report.summary.find((r) => r.target === name)!.holdsPerSec;
      expect(report.ratios.lastOverFirstUnits).toBe(
        Math.round((rate('spacegrid, 4 units') / rate('spacegrid, 2 units')) * 100) / 100,
      );
      expect(report.ratios.spacegridOverBaseline).toBe(
        Math.round((rate('spacegrid, 2 units') / rate('baseline')) * 100) / 100,
      );
      expect(report.markdown).toMatch(/spacegrid, most units \/ fewest units \(holds\/s\): \d+\.\d\d×/);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('runBench with the Redis + Lua row and CPU per hold', () => {
  it('measures the reference like the others, and charges the watched processes per hold', async () => {
    const servers = [buildNoopServer(), buildNoopServer(), buildNoopServer()];
    const [spacegrid, baseline, redisLua] = await Promise.all(servers.map((s) => s.start()));
    const dir = await mkdtemp(join(tmpdir(), 'bench-cpu-'));
    try {
      const report = await runBench({
        targets: { spacegrid: spacegrid!, baseline: baseline!, redisLua: redisLua!, ceiling: baseline! },
        // The no-op servers run in this process: its CPU is what serves (and sends) the holds.
        processes: { redisLua: knownProcesses([{ name: 'this process', pids: [process.pid] }]) },
        rounds: 2,
        roundDurationMs: 300,
        warmupMs: 0,
        quietWaitMs: 0,
        connections: 2,
        reportsDir: dir,
      });
      expect(report.summary.map((r) => r.target)).toEqual([
        'spacegrid',
        'baseline',
        'Redis + Lua',
        'ceiling (no-op)',
      ]);
      const rate = (name: string) => report.summary.find((r) => r.target === name)!.holdsPerSec;
      expect(report.ratios.spacegridOverRedisLua).toBe(
        Math.round((rate('spacegrid') / rate('Redis + Lua')) * 100) / 100,
      );

      // Only the watched target has CPU figures, one reading per round.
      const mine = report.rounds.filter((r) => r.target === 'Redis + Lua');
      expect(report.rounds.filter((r) => r.cpu !== undefined)).toEqual(mine);
      expect(report.cpu).toHaveLength(1);
      const [cpu] = report.cpu;
      expect(cpu!.holds).toBe(mine[0]!.holds + mine[1]!.holds);
      const cpuMs = mine[0]!.cpu![0]!.cpuMs + mine[1]!.cpu![0]!.cpuMs;
      expect(cpuMs).toBeGreaterThan(0);
      expect(cpu!.totalMsPerHold).toBeCloseTo(cpuMs / cpu!.holds, 10);
      expect(report.markdown).toMatch(/spacegrid \/ Redis \+ Lua \(holds\/s\): \d+\.\d\d×/);
      expect(report.markdown).toContain('### Redis + Lua');
    } finally {
      await Promise.all(servers.map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the warm-up', () => {
  it('runs several flash sales at once, each on its own event, so every owner of a section warms up', async () => {
    // A target that answers like the no-op server and notes, per event, when its holds arrived.
    const holdsAt = new Map<string, number[]>();
    const created: string[] = [];
    const recorder = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const json = (status: number, value: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        const hold = /^\/events\/([^/]+)\/sections\/[^/]+\/holds$/.exec(req.url ?? '');
        if (req.method === 'POST' && req.url === '/events') {
          const { id } = JSON.parse(body) as { id: string };
          created.push(id);
          json(201, { id });
        } else if (req.method === 'POST' && hold) {
          const times = holdsAt.get(hold[1]!) ?? [];
          times.push(performance.now());
          holdsAt.set(hold[1]!, times);
          json(201, { holdId: `h${times.length}`, quantity: 1, status: 'HELD' });
        } else {
          json(200, { status: 'ok' });
        }
      });
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    const spacegrid = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
    const noop = buildNoopServer();
    const baseline = await noop.start();
    const dir = await mkdtemp(join(tmpdir(), 'bench-warmup-'));
    const lines: string[] = [];
    try {
      await runBench({
        targets: { spacegrid, baseline, ceiling: baseline },
        rounds: 1,
        roundDurationMs: 200,
        warmupMs: 400,
        warmupSections: 4,
        quietWaitMs: 0,
        connections: 8,
        reportsDir: dir,
        log: (line) => lines.push(line),
      });
      // Four warm-up events and the round's own, each with holds.
      expect(new Set(created).size).toBe(5);
      expect(created.every((id) => (holdsAt.get(id)?.length ?? 0) > 0)).toBe(true);
      // The warm-up's four ran at the same time: each one's holds began before any other's ended.
      const warmups = created.slice(0, 4).map((id) => holdsAt.get(id)!);
      const lastStart = Math.max(...warmups.map((times) => times[0]!));
      const firstEnd = Math.min(...warmups.map((times) => times.at(-1)!));
      expect(lastStart).toBeLessThan(firstEnd);
      expect(lines).toContain(`warm-up: spacegrid (${spacegrid}) 0.4 s, 4 sections at once`);
    } finally {
      await noop.close();
      await new Promise((resolve) => recorder.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
