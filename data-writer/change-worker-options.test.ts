import { Queue, Worker, type WorkerOptions } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRedis } from '../common/redis.js';
import { waitFor } from '../test/support/system.js';
import { TEST_REDIS_URL } from '../test/support/test-env.js';
import { changeWorkerOptions } from './change-worker-options.js';

/** Short locks, so a dead worker's job is seen stalled within a second. */
const FAST = { lockDuration: 400, stalledInterval: 200 } satisfies Partial<WorkerOptions>;

/**
 * A job whose worker dies twice while holding it (two stalls): with BullMQ's default it is failed
 * for good; with the writer's options it goes back to the queue and is written. Against real Redis.
 */
async function afterTwoStalls(options: WorkerOptions): Promise<string> {
  const name = `stall-${randomBytes(4).toString('hex')}`;
  const queue = new Queue(name, { connection: createRedis(TEST_REDIS_URL) });
  const workers: Worker[] = [];
  try {
    await queue.add('change', { n: 1 }, { jobId: 'the-job', attempts: 1_000_000 });
    for (let death = 0; death < 2; death += 1) {
      let taken = false;
      const dying = new Worker(
        name,
        async () => {
          taken = true;
          await new Promise(() => undefined); // never finishes: its worker dies holding it
        },
        { ...options, ...FAST, connection: createRedis(TEST_REDIS_URL) },
      );
      workers.push(dying);
      await waitFor(() => taken, 10_000, 'a worker to take the job');
      await dying.close(true); // forced: no more lock renewals, as when the process is killed
    }
    // A healthy worker: its stalled-job check finds the job's second stall, then the job's fate shows.
    const healthy = new Worker(name, async () => 'written', {
      ...options,
      ...FAST,
      connection: createRedis(TEST_REDIS_URL),
    });
    workers.push(healthy);
    let state = '';
    await waitFor(
      async () => {
        state = await queue.getJobState('the-job');
        return state === 'completed' || state === 'failed';
      },
      10_000,
      'the job to complete or fail',
    );
    return state;
  } finally {
    await Promise.all(workers.map((w) => w.close(true)));
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

describe('the change queue worker options', () => {
  it('BullMQ by default fails a job for good after its worker died twice (the fault)', async () => {
    expect(await afterTwoStalls({ connection: createRedis(TEST_REDIS_URL) })).toBe('failed');
  });

  it("the writer's options put it back on the queue, and it is written", async () => {
    expect(await afterTwoStalls(changeWorkerOptions(createRedis(TEST_REDIS_URL), 1))).toBe('completed');
  });
});
