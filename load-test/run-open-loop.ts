import { setTimeout as sleep } from 'node:timers/promises';
import type { OpenLoopPacer } from './open-loop-pacer.js';

/** Sends one request meant to go out at `intendedAt` (a `now()` reading); never rejects. */
export type IssueRequest = (intendedAt: number) => Promise<void>;

export interface OpenLoopRun {
  pacer: OpenLoopPacer;
  /** Milliseconds, monotonic (performance.now). */
  now: () => number;
  issue: IssueRequest;
  /** How long to wait, after the last request is due, for the ones still in flight. */
  drainTimeoutMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * Drives the open model: a timer wakes up when the next request is due (at most every
 * millisecond under load) and releases everything due by then. Requests are not awaited before
 * the next ones go out: the arrival rate does not depend on the server's answers.
 */
export async function runOpenLoop(run: OpenLoopRun): Promise<void> {
  const { pacer, now, issue, signal } = run;
  const start = now();
  let drained: (() => void) | undefined;
  const fire = (intendedOffsetMs: number): void => {
    void issue(start + intendedOffsetMs).finally(() => {
      pacer.complete();
      if (pacer.inFlight === 0) drained?.();
    });
  };
  while (!pacer.exhausted && !signal?.aborted) {
    pacer.release(now() - start, fire);
    const wait = pacer.msUntilNext(now() - start);
    // setTimeout never waits less than ~1 ms: requests due within that batch go out together,
    // each still measured from its own intended time.
    await sleep(Math.min(Math.max(wait, 1), 250));
  }
  if (pacer.inFlight === 0) return;
  const allDone = new Promise<void>((resolve) => (drained = resolve));
  await Promise.race([allDone, sleep(run.drainTimeoutMs, undefined, { ref: false })]);
}
