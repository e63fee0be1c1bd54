import type { WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { cappedExponentialBackoff } from '../common/change-queue.js';

/**
 * How a data writer consumes the change queue. A failed write is retried with a capped backoff for
 * as long as it takes; and a job whose worker died holding it (it "stalled") goes back to the queue
 * however often that happens: BullMQ's default fails a job for good on its second stall, and a
 * failed job would never be written (its pump sees it exists and does not send it again).
 */
export function changeWorkerOptions(connection: Redis, concurrency: number): WorkerOptions {
  return {
    connection,
    concurrency,
    maxStalledCount: Number.MAX_SAFE_INTEGER,
    settings: { backoffStrategy: (attemptsMade: number) => cappedExponentialBackoff(attemptsMade) },
  };
}
