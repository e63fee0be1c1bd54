import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What an operator watches on a unit: requests, batch sizes (group commit at work), CAS retries. */
export function createUnitMetrics(registry: Registry, pending: () => number, liveUnits: () => number) {
  return {
    requests: new Counter({
      name: 'spacegrid_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'spacegrid_http_request_duration_seconds',
      help: 'Time from a request arriving to its answer, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'spacegrid_batch_commands',
      help: 'Commands applied per compare-and-set (group commit)',
      labelNames: ['map'] as const,
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'spacegrid_batch_duration_seconds',
      help: 'Time from reading an aggregate to its committed write, retries included',
      labelNames: ['map'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    casConflicts: new Counter({
      name: 'spacegrid_cas_conflicts_total',
      help: 'Batches re-read and re-applied because another unit wrote first',
      labelNames: ['map'] as const,
      registers: [registry],
    }),
    swept: new Counter({
      name: 'spacegrid_swept_keys_total',
      help: 'Keys with due time-driven work (hold expiry, settlement, auction close) this unit touched',
      labelNames: ['work'] as const,
      registers: [registry],
    }),
    watchers: new Gauge({
      name: 'spacegrid_stream_watchers',
      help: 'Live stream (Server-Sent Events) clients connected to this unit, by stream kind',
      labelNames: ['stream'] as const,
      registers: [registry],
    }),
    watchersDropped: new Counter({
      name: 'spacegrid_stream_watchers_dropped_total',
      help: 'Live stream clients cut off because they read too slowly, by stream kind',
      labelNames: ['stream'] as const,
      registers: [registry],
    }),
    baskets: new Counter({
      name: 'spacegrid_baskets_total',
      help: 'Baskets this unit brought to an outcome: held, unavailable, purchased, released, expired',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    pending: new Gauge({
      name: 'spacegrid_commands_pending',
      help: 'Commands waiting for or inside a batch',
      registers: [registry],
      collect() {
        this.set(pending());
      },
    }),
    liveUnits: new Gauge({
      name: 'spacegrid_live_units',
      help: 'Live processing units as this unit sees them, itself included (re-read every heartbeat); units that disagree share time-driven work and route calls to each other differently until they agree',
      registers: [registry],
      collect() {
        this.set(liveUnits());
      },
    }),
  };
}
export type UnitMetrics = ReturnType<typeof createUnitMetrics>;
