import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/**
 * `spacegrid_event_loop_utilization_ratio`: the share of the last second this process's event loop was
 * busy (0..1), sampled on a timer so that any number of scrapers read the same figure. The deploy
 * manager's autoscaler scales units on it.
 */
export function registerEventLoopUtilization(registry: Registry, sampleMs = 1_000): { stop(): void } {
  let previous: EventLoopUtilization = performance.eventLoopUtilization();
  let last = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    last = performance.eventLoopUtilization(now, previous).utilization;
    previous = now;
  }, sampleMs);
  timer.unref();
  new Gauge({
    name: 'spacegrid_event_loop_utilization_ratio',
    help: 'Share of the last second the event loop was busy (0..1)',
    registers: [registry],
    collect() {
      this.set(last);
    },
  });
  return { stop: () => clearInterval(timer) };
}
