import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { arrivalSchedule } from './arrival-schedule.js';
import type { HttpClient } from './http-client.js';
import type { RecordListener, WorkloadModel } from './load-options.js';
import { MetricsRecorder } from './metrics-recorder.js';
import { OpenLoopPacer } from './open-loop-pacer.js';
import { formatProgress } from './progress-line.js';
import { runClosedLoop } from './run-closed-loop.js';
import { runOpenLoop } from './run-open-loop.js';
import type { Scenario } from './scenarios/scenario.js';

export interface WorkloadRun {
  http: HttpClient;
  scenario: Scenario;
  model: WorkloadModel;
  durationMs: number;
  rampMs: number;
  /** Open model: how long to wait for stragglers once the last request is due. */
  drainTimeoutMs: number;
  progress?: ((line: string) => void) | undefined;
  /** Sees every recorded answer. */
  onRecord?: RecordListener | undefined;
  signal?: AbortSignal | undefined;
}

export interface WorkloadResult {
  recorder: MetricsRecorder;
  elapsedMs: number;
  /** Completed after the ramp, and for how long. */
  steady: { completed: number; ms: number };
  harness: { eventLoopUtilization: number; maxEventLoopDelayMs: number };
}

/**
 * The measured phase: drives the scenario with the open or closed model, records every answer
 * (latency from the intended send time), and rolls a progress point every second.
 */
export async function runWorkload(run: WorkloadRun): Promise<WorkloadResult> {
  const { http, scenario, model, durationMs, rampMs } = run;
  const recorder = new MetricsRecorder();
  const stop = new AbortController();
  const signal = run.signal ? AbortSignal.any([run.signal, stop.signal]) : stop.signal;
  const now = (): number => performance.now();
  let inFlight = 0;
  let failure: unknown;

  const issue = async (intendedAt: number): Promise<void> => {
    inFlight += 1;
    try {
      const request = scenario.next();
      const sentAt = now();
      const result = await http.send(request.method, request.path, request.body);
      const receivedAt = now();
      request.onResult?.(result, sentAt, receivedAt);
      const outcome = recorder.record(request.kind, result, receivedAt - intendedAt);
      run.onRecord?.(request.kind, outcome, receivedAt - intendedAt);
    } catch (err) {
      failure ??= err;
      stop.abort();
    } finally {
      inFlight -= 1;
    }
  };

  const pacer =
    model.type === 'open'
      ? new OpenLoopPacer({
          schedule: arrivalSchedule(model.rate, rampMs),
          durationMs,
          maxInFlight: model.maxInFlight ?? 10_000,
        })
      : undefined;
  let overflowSeen = 0;
  const syncOverflow = (): void => {
    if (!pacer) return;
    recorder.recordOverflow(pacer.overflow - overflowSeen);
    overflowSeen = pacer.overflow;
  };

  const elu = performance.eventLoopUtilization();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const start = now();
  let totalErrors = 0;
  const ticker = setInterval(() => {
    syncOverflow();
    const point = recorder.roll(now() - start);
    totalErrors += point.errors + point.overflow;
    run.progress?.(formatProgress({ point, durationMs, inFlight, totalErrors }));
  }, 1000);
  let completedAtRampEnd = 0;
  const rampTimer =
    rampMs > 0 ? setTimeout(() => (completedAtRampEnd = recorder.completed), rampMs) : undefined;

  try {
    if (pacer) {
      await runOpenLoop({ pacer, now, issue, drainTimeoutMs: run.drainTimeoutMs, signal });
    } else if (model.type === 'closed') {
      await runClosedLoop({ connections: model.connections, durationMs, rampMs, now, issue, signal });
    }
  } finally {
    clearInterval(ticker);
    clearTimeout(rampTimer);
    delay.disable();
  }
  if (failure !== undefined) throw failure;
  const elapsedMs = now() - start;
  syncOverflow();
  recorder.roll(elapsedMs);
  const steadyMs = Math.max(0, elapsedMs - rampMs);
  return {
    recorder,
    elapsedMs,
    steady: { completed: recorder.completed - completedAtRampEnd, ms: steadyMs },
    harness: {
      eventLoopUtilization: Math.round(performance.eventLoopUtilization(elu).utilization * 1000) / 1000,
      maxEventLoopDelayMs: Math.round(delay.max / 1e4) / 100,
    },
  };
}
