import { randomBytes } from 'node:crypto';
import { createHttpClient } from './http-client.js';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_TARGET,
  type LoadOptions,
  type WorkloadModel,
} from './load-options.js';
import type { LoadReport } from './load-report.js';
import { createRandom } from '../common/random.js';
import { runWorkload } from './run-workload.js';
import { createScenario } from './scenarios/create-scenario.js';
import { DEFAULT_SCENARIO_OPTIONS, type Scenario, type ScenarioFinish } from './scenarios/scenario.js';
import { createSetupApi, waitUntilReady } from './scenarios/setup-api.js';
import { evaluateThresholds } from './thresholds.js';
import { Observations } from './verify/observations.js';
import { verifyRun } from './verify/verify-run.js';

const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** A run id that is a valid API id prefix and unique enough across runs. */
const newRunId = (): string => `lt${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/**
 * Runs one scenario against a server speaking API.md: waits for /readyz, sets up the
 * scenario's data, drives the load, then (unless `verify: false`) checks the invariants
 * against the API and Postgres, and evaluates the thresholds. Never touches `process`.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const target = options.target ?? DEFAULT_TARGET;
  const model: WorkloadModel = options.model ?? { type: 'closed', connections: 64 };
  const durationMs = options.durationMs ?? 10_000;
  const rampMs = Math.min(options.rampMs ?? 0, durationMs);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const pool = {
    connections: options.poolConnections ?? (model.type === 'closed' ? model.connections : 64),
    pipelining: options.pipelining ?? 1,
  };
  const http = createHttpClient({ target, ...pool, timeoutMs });
  let scenario: Scenario | undefined;
  try {
    await waitUntilReady(http, target, options.readyTimeoutMs ?? 30_000);
    const runId = newRunId();
    const observations = new Observations();
    scenario = createScenario(
      options.scenario,
      { runId, random: createRandom(seed), observations, durationMs, target },
      { ...DEFAULT_SCENARIO_OPTIONS, ...options.scenarioOptions },
    );
    await scenario.setup(createSetupApi(http, target));
    // Open every connection before the clock starts, so no measured request pays for a TCP connect.
    await Promise.all(
      Array.from({ length: pool.connections * pool.pipelining }, () => http.send('GET', '/healthz')),
    );

    const startedAt = new Date();
    observations.loadStartedAt = startedAt.getTime();
    const workload = await runWorkload({
      http,
      scenario,
      model,
      durationMs,
      rampMs,
      drainTimeoutMs: timeoutMs,
      progress: options.progress,
      onRecord: options.onRecord,
      signal: options.signal,
    });
    const finishedAt = new Date();
    const metrics = workload.recorder.snapshot();
    // What the scenario ran beside the requests (live streams) settles before anything is judged.
    const finished: ScenarioFinish = (await scenario.finish?.()) ?? { invariants: [] };

    const invariants =
      options.verify === false
        ? null
        : [
            ...(await verifyRun({
              http,
              observations,
              databaseUrl: options.databaseUrl ?? DEFAULT_DATABASE_URL,
              postgres: options.verifyPostgres !== false,
              timeoutMs: options.verifyTimeoutMs ?? 30_000,
            })),
            ...finished.invariants,
          ];

    const attempts = metrics.completed + metrics.overflow;
    const errorRate = attempts === 0 ? 0 : metrics.errors / attempts;
    const rate = workload.elapsedMs > 0 ? (metrics.completed * 1000) / workload.elapsedMs : 0;
    const steadyRate =
      workload.steady.ms > 0 ? (workload.steady.completed * 1000) / workload.steady.ms : rate;
    const thresholds = evaluateThresholds(
      { p99Ms: metrics.latency.p99, rate: steadyRate, errorRate },
      options.thresholds ?? {},
    );
    const passed = thresholds.every((t) => t.pass) && !(invariants ?? []).some((i) => i.status === 'FAIL');
    return {
      scenario: options.scenario,
      target,
      runId,
      seed,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      model,
      pool,
      durationMs,
      rampMs,
      elapsedMs: Math.round(workload.elapsedMs),
      totals: {
        completed: metrics.completed,
        ok: metrics.ok,
        rejected: metrics.rejected,
        errors: metrics.errors,
        overflow: metrics.overflow,
        errorRate: round(errorRate, 6),
        rate: round(rate),
        steadyRate: round(steadyRate),
      },
      latency: metrics.latency,
      byKind: metrics.byKind,
      statusCodes: metrics.statusCodes,
      errorsByCategory: metrics.errorsByCategory,
      errorsByCode: metrics.errorsByCode,
      rejectionsByCode: metrics.rejectionsByCode,
      series: metrics.series,
      harness: workload.harness,
      ...(finished.streams ? { streams: finished.streams } : {}),
      invariants,
      thresholds,
      passed,
    };
  } finally {
    await scenario?.close?.();
    await http.close();
  }
}
