import { Queue, Worker } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { openGridLink, type GridLink } from '../common/grid-client.js';
import { openGridMaps, type GridMaps } from '../common/grid-maps.js';
import { silentLogger } from '../common/logger.js';
import { gridNames } from '../common/map-names.js';
import { appendOutbox } from '../common/outbox.js';
import { createRedis } from '../common/redis.js';
import type { SectionAggregate, SectionSnapshot } from '../common/ticketing-model.js';
import { uniqueName, waitFor } from '../test/support/system.js';
import { TEST_REDIS_URL } from '../test/support/test-env.js';
import { OutboxPump } from './outbox-pump.js';

/** A section as a unit commits it: the fields the pump reads, an empty inventory otherwise. */
function emptySection(): SectionAggregate {
  return { nextDeadline: null, outboxSince: null, version: 0, outbox: [] } as unknown as SectionAggregate;
}

describe('the outbox pump, on the real grid and Redis', () => {
  const closing: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
  });

  async function pumpWith(
    lingerMs: number,
    confirmIntervalMs = 600_000,
  ): Promise<{ maps: GridMaps; queue: Queue; pump: OutboxPump }> {
    const names = gridNames(uniqueName('pump'));
    const link: GridLink = await openGridLink({
      members: inject('hzMembers'),
      clusterName: inject('hzClusterName'),
      instanceName: 'outbox-pump-test',
      log: silentLogger,
    });
    closing.push(() => link.close());
    const maps = await openGridMaps(link.client, names);
    closing.push(() => maps.sections.map.destroy());
    const queue = new Queue(names.changeQueue, {
      connection: createRedis(TEST_REDIS_URL, { offline: 'fail' }),
    });
    closing.push(
      () => queue.close(),
      () => queue.obliterate({ force: true }).catch(() => undefined),
    );
    // No sweep during the test (and no confirmation unless asked): only the listener's path.
    const pump = new OutboxPump(maps, queue, {
      log: silentLogger,
      lingerMs,
      confirmIntervalMs,
      sweepIntervalMs: 600_000,
    });
    await pump.start();
    closing.push(() => pump.close(1_000));
    return { maps, queue, pump };
  }

  /** Five commits of one section, 20 ms apart, each a new version with its outbox entry. */
  async function commitFive(maps: GridMaps, key: string): Promise<void> {
    const section = emptySection();
    for (let version = 1; version <= 5; version += 1) {
      section.version = version;
      appendOutbox<SectionSnapshot, SectionAggregate>(section, {
        version,
        at: Date.now(),
        snapshot: { version } as SectionSnapshot,
        events: [],
      });
      await maps.sections.set(key, section);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('carries every commit that arrives within its linger in one pass: one read, one send', async () => {
    const { maps, queue, pump } = await pumpWith(1_500);
    await commitFive(maps, 'linger.floor');
    await waitFor(async () => pump.stats.jobsPumped === 5, 10_000, 'the five changes to be pumped');
    expect(pump.stats.passes).toBe(1);
    const ids = (await queue.getJobs(['waiting'])).map((job) => job.id).sort();
    expect(ids).toEqual([1, 2, 3, 4, 5].map((v) => `section.linger.floor.v${v}`));
  });

  it('without a linger, sends each commit as it comes (one pass per commit)', async () => {
    const { maps, pump } = await pumpWith(0);
    await commitFive(maps, 'eager.floor');
    await waitFor(async () => pump.stats.jobsPumped === 5, 10_000, 'the five changes to be pumped');
    expect(pump.stats.passes).toBeGreaterThan(1);
  });

  it('removes the jobs it confirmed from Redis: a written change does not stay there', async () => {
    const { maps, queue } = await pumpWith(0, 50);
    // A worker that completes every job stands in for the writer (what matters is the queue).
    const worker = new Worker(queue.name, async () => undefined, { connection: createRedis(TEST_REDIS_URL) });
    closing.push(() => worker.close());
    await commitFive(maps, 'confirmed.floor');
    await waitFor(
      async () => (await maps.pumpMarks.get('section/confirmed.floor')) === 5,
      10_000,
      'the pump to confirm all five changes (its mark at 5)',
    );
    // Before, each completed job stayed ~10 minutes with its whole change (~5-7 KB under load).
    await waitFor(
      async () => (await queue.getCompletedCount()) === 0,
      5_000,
      'the completed set to be empty',
    );
    const left = await Promise.all([1, 2, 3, 4, 5].map((v) => queue.getJob(`section.confirmed.floor.v${v}`)));
    expect(left.filter(Boolean)).toEqual([]);
  });
});
