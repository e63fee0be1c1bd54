import type { Queue } from 'bullmq';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PumpStats } from './outbox-pump.js';

/** How long a scrape waits for the queue's counts before it leaves them out. */
const QUEUE_COUNT_TIMEOUT_MS = 2_000;

/**
 * What an operator watches on the data pump: jobs sent, keys still to send, the commit-to-queue
 * lag, whether Redis answers, and the change queue itself (jobs by state, read from Redis at each
 * scrape: the pump owns the queue, so exactly one process exports it).
 */
export function createPumpMetrics(
  registry: Registry,
  sources: { stats(): PumpStats | undefined; queue(): Queue | undefined },
): void {
  /** A counter that follows a running total in the pump's stats. */
  const total = (name: string, help: string, read: (s: PumpStats) => number) => {
    let soFar = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const stats = sources.stats();
        const now = stats === undefined ? soFar : read(stats);
        if (now <= soFar) return;
        this.inc(now - soFar);
        soFar = now;
      },
    });
  };
  total('spacegrid_pump_jobs_total', 'Change jobs sent to the change queue', (s) => s.jobsPumped);
  total(
    'spacegrid_pump_passes_total',
    'Passes that read dirty aggregates from the grid (jobs / passes: the commits a pass gathers)',
    (s) => s.passes,
  );
  const stat = (name: string, help: string, read: (s: PumpStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const stats = sources.stats();
        if (stats) this.set(read(stats));
      },
    });
  stat(
    'spacegrid_pump_dirty_keys',
    'Aggregates with changes not yet on the change queue',
    (s) => s.dirtyKeys,
  );
  stat('spacegrid_pump_redis_up', '1 when the change queue (Redis) is reachable', (s) => (s.redisUp ? 1 : 0));
  stat(
    'spacegrid_pump_lag_seconds',
    'Commit-to-queue delay of the oldest change of the last pass',
    (s) => s.lastLagMs / 1000,
  );
  new Gauge({
    name: 'spacegrid_queue_jobs',
    help: 'Jobs in the change queue by state (waiting, active, delayed, prioritized, paused, failed, completed, waiting-children); absent while Redis does not answer',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      // While the pump knows Redis is down, a scrape does not wait for the timeout to learn it.
      const queue = sources.stats()?.redisUp === false ? undefined : sources.queue();
      let timer: NodeJS.Timeout | undefined;
      const counts = queue
        ? await Promise.race([
            queue.getJobCounts().catch(() => undefined),
            new Promise<undefined>(
              (resolve) => (timer = setTimeout(() => resolve(undefined), QUEUE_COUNT_TIMEOUT_MS)),
            ),
          ])
        : undefined;
      clearTimeout(timer);
      this.reset();
      if (!queue) return;
      for (const [state, count] of Object.entries(counts ?? {}))
        this.set({ queue: queue.name, state }, count);
    },
  });
}
