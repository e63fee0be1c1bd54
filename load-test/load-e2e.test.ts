import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBaselineServer, type BaselineServer } from './baseline/build-baseline-server.js';
import type { LoadReport } from './load-report.js';
import { buildNoopServer, type NoopServer } from './noop-server.js';
import { writeReportFiles } from './report/write-report-files.js';
import { runLoad } from './run-load.js';

/** Its own database, so a benchmark running meanwhile is not disturbed. */
const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/spacegrid_baseline_test';

const figures = (label: string, report: LoadReport): void => {
  const { totals, latency } = report;
  console.log(
    `${label}: ${totals.completed} requests in ${report.elapsedMs} ms = ${totals.rate} req/s; ` +
      `ok ${totals.ok}, rejected ${totals.rejected}, errors ${totals.errors}; ` +
      `p50 ${latency.p50} ms, p99 ${latency.p99} ms, p99.9 ${latency.p999} ms; harness event loop ` +
      `${Math.round(report.harness.eventLoopUtilization * 100)} % busy`,
  );
};

const failed = (report: LoadReport) => (report.invariants ?? []).filter((result) => result.status === 'FAIL');

describe('the harness end to end (same process as the servers: figures are reported, not asserted)', () => {
  let baseline: BaselineServer | undefined;
  let noop: NoopServer | undefined;
  let baselineUrl = '';
  let noopUrl = '';

  beforeAll(async () => {
    baseline = buildBaselineServer({ databaseUrl: DATABASE_URL, port: 0, poolSize: 8 });
    baselineUrl = await baseline.start();
    noop = buildNoopServer();
    noopUrl = await noop.start();
  });

  afterAll(async () => {
    await baseline?.close();
    await noop?.close();
  });

  it('flash-sale against the baseline on Postgres: sells out, and every invariant holds', async () => {
    const report = await runLoad({
      scenario: 'flash-sale',
      target: baselineUrl,
      model: { type: 'closed', connections: 16 },
      durationMs: 2000,
      databaseUrl: DATABASE_URL,
      verifyTimeoutMs: 10_000,
      scenarioOptions: { capacity: 300 },
    });
    figures('flash-sale → baseline', report);
    expect(failed(report)).toEqual([]);
    const byName = Object.fromEntries((report.invariants ?? []).map((r) => [r.name, r.status]));
    expect(byName).toMatchObject({
      'no oversell (API)': 'PASS',
      'no oversell (Postgres)': 'PASS',
      'API accounts for every granted hold': 'PASS',
      'every granted hold in Postgres': 'PASS',
      'grid equals Postgres': 'PASS',
    });
    expect(report.byKind.hold?.ok).toBeGreaterThan(0);
    expect(report.totals.errors).toBe(0);
    expect(report.passed).toBe(true);
  });

  it('seat-map against the baseline: conflicts are rejections, and no seat is held twice', async () => {
    const report = await runLoad({
      scenario: 'seat-map',
      target: baselineUrl,
      model: { type: 'open', rate: 200 },
      durationMs: 2000,
      databaseUrl: DATABASE_URL,
      verifyTimeoutMs: 10_000,
      scenarioOptions: { seats: 120 },
    });
    figures('seat-map → baseline', report);
    expect(failed(report)).toEqual([]);
    expect(report.invariants?.find((r) => r.name === 'each seat held at most once')?.status).toBe('PASS');
    expect(report.byKind['hold-seats']?.ok).toBeGreaterThan(0);
    expect(report.totals.errors).toBe(0);
  });

  it('a short run against the no-op server, reported as JSON and HTML', async () => {
    const report = await runLoad({
      scenario: 'mixed',
      target: noopUrl,
      model: { type: 'closed', connections: 32 },
      durationMs: 1000,
      verify: false,
      thresholds: { minRate: 1e9 },
    });
    figures('mixed → no-op (same process)', report);
    expect(report.invariants).toBeNull();
    expect(report.totals.errors).toBe(0);
    expect(Object.keys(report.byKind).sort()).toEqual(
      expect.arrayContaining(['bid', 'get-event', 'get-section', 'hold', 'hold-seats']),
    );
    expect(report.thresholds).toEqual([expect.objectContaining({ name: 'min-rate', pass: false })]);
    expect(report.passed).toBe(false);

    const dir = await mkdtemp(join(tmpdir(), 'load-report-'));
    try {
      const files = await writeReportFiles(report, dir);
      expect(files.json).toMatch(/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z-mixed\.json$/);
      expect(JSON.parse(await readFile(files.json, 'utf8'))).toMatchObject({ runId: report.runId });
      expect(await readFile(files.html, 'utf8')).toContain('id="throughput"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an unreachable target stops the run before any load, saying which', async () => {
    await expect(
      runLoad({
        scenario: 'browse',
        target: 'http://127.0.0.1:9',
        durationMs: 500,
        readyTimeoutMs: 300,
        verify: false,
      }),
    ).rejects.toThrow(/127\.0\.0\.1:9 is not ready/);
  });
});
