import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Label of requests the grid answered itself (no unit ready, overloaded, refused body). */
export const NO_UNIT = 'none';

export interface UnitMetrics {
  /** Counts one answer and its latency in seconds. */
  observe(status: number, seconds: number): void;
}

export interface GridMetrics {
  /** The metrics of one target unit; cached, so the hot path does no label bookkeeping. */
  forUnit(unit: string): UnitMetrics;
  /** A retry on another unit, by why the first one failed. */
  failover(reason: FailoverReason): void;
}

/** Why a try failed over: nothing sent, connection reset before an answer, answer cut short, unit not ready. */
export type FailoverReason = 'connect' | 'reset' | 'partial' | 'not-ready';

/** What an operator watches on the grid: answers by status and unit, latency, load, live units. */
export function createGridMetrics(
  registry: Registry,
  gauges: {
    inFlight: () => number;
    connections: () => number;
    refusedConnections: () => number;
    readyUnits: () => number;
    units: () => number;
  },
): GridMetrics {
  const requests = new Counter({
    name: 'spacegrid_grid_requests_total',
    help: 'Requests answered by the messaging grid, by status code and the unit that answered (none: the grid itself)',
    labelNames: ['status_code', 'unit'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'spacegrid_grid_request_duration_seconds',
    help: 'Time from the request reaching the proxy to the answer, retries included',
    labelNames: ['unit'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const failovers = new Counter({
    name: 'spacegrid_grid_failovers_total',
    help: 'Requests retried on the next unit, by why the previous unit failed',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'spacegrid_grid_requests_in_flight',
    help: 'Requests in the grid right now, from their headers to their answer (bodies still arriving included)',
    registers: [registry],
    collect() {
      this.set(gauges.inFlight());
    },
  });
  new Gauge({
    name: 'spacegrid_grid_client_connections',
    help: 'Client connections open on the public port',
    registers: [registry],
    collect() {
      this.set(gauges.connections());
    },
  });
  let refusedSoFar = 0;
  new Counter({
    name: 'spacegrid_grid_refused_connections_total',
    help: 'Client connections answered 429 OVERLOADED and closed because MAX_CONNECTIONS were open',
    registers: [registry],
    collect() {
      const refused = gauges.refusedConnections();
      this.inc(refused - refusedSoFar);
      refusedSoFar = refused;
    },
  });
  new Gauge({
    name: 'spacegrid_grid_ready_units',
    help: 'Units whose /readyz answered 200 at the last check',
    registers: [registry],
    collect() {
      this.set(gauges.readyUnits());
    },
  });
  new Gauge({
    name: 'spacegrid_grid_units',
    help: 'Units the grid knows, ready or not',
    registers: [registry],
    collect() {
      this.set(gauges.units());
    },
  });

  const byUnit = new Map<string, UnitMetrics>();
  return {
    forUnit(unit) {
      let metrics = byUnit.get(unit);
      if (!metrics) {
        const timer = latency.labels(unit);
        const statuses = new Map<number, Counter.Internal>();
        metrics = {
          observe(status, seconds) {
            let counter = statuses.get(status);
            if (!counter) {
              counter = requests.labels(String(status), unit);
              statuses.set(status, counter);
            }
            counter.inc();
            timer.observe(seconds);
          },
        };
        byUnit.set(unit, metrics);
      }
      return metrics;
    },
    failover(reason) {
      failovers.inc({ reason });
    },
  };
}
