import { setTimeout as sleep } from 'node:timers/promises';
import type { IssueRequest } from './run-open-loop.js';

export interface ClosedLoopRun {
  /** Virtual users, each with one request outstanding at a time. */
  connections: number;
  durationMs: number;
  /** Users start one after another, spread evenly over the ramp. */
  rampMs: number;
  now: () => number;
  issue: IssueRequest;
  signal?: AbortSignal | undefined;
}

/**
 * Drives the closed model: `connections` loops, each sending its next request as soon as the
 * previous one is answered. Latency is measured from the actual send; by its nature this model
 * slows down with the server (the open model is the one that shows queueing).
 */
export async function runClosedLoop(run: ClosedLoopRun): Promise<void> {
  const { connections, durationMs, rampMs, now, issue, signal } = run;
  const end = now() + durationMs;
  const user = async (index: number): Promise<void> => {
    const delay = (rampMs * index) / connections;
    if (delay > 0) await sleep(delay);
    while (now() < end && !signal?.aborted) await issue(now());
  };
  await Promise.all(Array.from({ length: connections }, (_, index) => user(index)));
}
