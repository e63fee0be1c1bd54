import type { JobsOptions } from 'bullmq';

/**
 * How change jobs are kept on the queue. The pump deletes a completed job as soon as its key's
 * mark covers it (nothing will send or look for it again); the few it cannot delete then (completed
 * above an earlier version still open, or while the grid was away) are kept for a while so a
 * re-pumped batch (same job id) is recognised and not written twice; the version guard in the
 * writer makes a late duplicate harmless anyway.
 */
export const CHANGE_JOB_OPTIONS: JobsOptions = {
  attempts: 1_000_000,
  backoff: { type: 'capped-exponential', delay: 200 },
  removeOnComplete: { age: 600, count: 100_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Backoff of a failed write (Postgres down): 200 ms doubling up to 10 s, for as long as it takes. */
export function cappedExponentialBackoff(attemptsMade: number): number {
  return Math.min(200 * 2 ** Math.min(attemptsMade, 16), 10_000);
}

/** `addBulk` slows down past about 1,000 jobs (ARCHITECTURE.md): we send at most this many per call. */
export const MAX_JOBS_PER_ADD = 500;
