import { Queue, Worker } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedis } from '../common/redis.js';
import { waitFor } from '../test/support/system.js';
import { TEST_REDIS_URL } from '../test/support/test-env.js';
import { initialPumpStats, type PumpStats } from './outbox-pump.js';
import { createPumpMetrics } from './pump-metrics.js';

/** `name{labels} value` lines of a scrape, as a map from `name{labels}` to the value. */
async function scrape(registry: Registry): Promise<Map<string, number>> {
  const samples = new Map<string, number>();
  for (const line of (await registry.metrics()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

const stats = (over: Partial<PumpStats> = {}): PumpStats => ({ ...initialPumpStats(), ...over });

describe('the data pump metrics', () => {
  const closing: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
  });

  it('exports the change queue jobs by state, read from the real Redis at each scrape', async () => {
    const name = `pump-metrics-${randomBytes(4).toString('hex')}`;
    const queue = new Queue(name, { connection: createRedis(TEST_REDIS_URL, { offline: 'fail' }) });
    closing.push(
      () => queue.close(),
      () => queue.obliterate({ force: true }).catch(() => undefined),
    );
    const registry = new Registry();
    createPumpMetrics(registry, { stats: () => undefined, queue: () => queue });
    const jobs = (state: string) => `spacegrid_queue_jobs{queue="${name}",state="${state}"}`;

    const empty = await scrape(registry);
    for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed'])
      expect(empty.get(jobs(state)), state).toBe(0);
    expect(await registry.metrics()).toContain('# TYPE spacegrid_queue_jobs gauge');

    await queue.addBulk([
      { name: 'change', data: { ok: true } },
      { name: 'change', data: { ok: true } },
      { name: 'change', data: { ok: false } },
    ]);
    await queue.add('change', { ok: true }, { delay: 3_600_000 });
    const queued = await scrape(registry);
    expect(queued.get(jobs('waiting'))).toBe(3);
    expect(queued.get(jobs('delayed'))).toBe(1);

    const worker = new Worker(
      name,
      async (job) => {
        if (!(job.data as { ok: boolean }).ok) throw new Error('refused');
      },
      { connection: createRedis(TEST_REDIS_URL) },
    );
    closing.push(() => worker.close());
    let after = new Map<string, number>();
    await waitFor(
      async () => {
        after = await scrape(registry);
        return after.get(jobs('completed')) === 2 && after.get(jobs('failed')) === 1;
      },
      10_000,
      'the worker to complete two jobs and fail one',
    );
    expect(after.get(jobs('waiting'))).toBe(0);
    expect(after.get(jobs('active'))).toBe(0);
    expect(after.get(jobs('delayed'))).toBe(1);
  });

  it('leaves the queue out while Redis does not answer, rather than repeating old counts', async () => {
    const queue = new Queue(`pump-metrics-${randomBytes(4).toString('hex')}`, {
      connection: createRedis('redis://127.0.0.1:1', { offline: 'fail' }),
    });
    queue.on('error', () => undefined);
    closing.push(() => queue.close().catch(() => undefined));
    const registry = new Registry();
    createPumpMetrics(registry, { stats: () => undefined, queue: () => queue });
    const names = [...(await scrape(registry)).keys()];
    expect(names.filter((n) => n.startsWith('spacegrid_queue_jobs'))).toEqual([]);
  });

  it('counts jobs pumped and passes as counters, and gives the lag in seconds', async () => {
    const registry = new Registry();
    let current = stats({ jobsPumped: 5, passes: 2, lastLagMs: 250, dirtyKeys: 3 });
    createPumpMetrics(registry, { stats: () => current, queue: () => undefined });
    const text = await registry.metrics();
    expect(text).toContain('# TYPE spacegrid_pump_jobs_total counter');
    expect(text).toContain('# TYPE spacegrid_pump_lag_seconds gauge');
    let samples = await scrape(registry);
    expect(samples.get('spacegrid_pump_jobs_total')).toBe(5);
    expect(samples.get('spacegrid_pump_passes_total')).toBe(2);
    expect(text).toContain('# TYPE spacegrid_pump_passes_total counter');
    expect(samples.get('spacegrid_pump_lag_seconds')).toBe(0.25);
    expect(samples.get('spacegrid_pump_dirty_keys')).toBe(3);
    expect(samples.get('spacegrid_pump_redis_up')).toBe(1);
    current = stats({ jobsPumped: 12, passes: 3, redisUp: false });
    samples = await scrape(registry);
    expect(samples.get('spacegrid_pump_jobs_total')).toBe(12);
    expect(samples.get('spacegrid_pump_passes_total')).toBe(3);
    expect(samples.get('spacegrid_pump_redis_up')).toBe(0);
    expect(samples.get('spacegrid_pump_lag_seconds')).toBe(0);
  });
});
