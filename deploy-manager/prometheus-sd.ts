import type { ChildState } from './child-supervisor.js';

/** One target group of Prometheus's HTTP service discovery (`http_sd_config`). */
export interface TargetGroup {
  /** `host:port` of each process whose `/metrics` Prometheus should scrape. */
  targets: string[];
  labels: Record<string, string>;
}

/** A child process; each serves `/metrics` at the root of its base URL. */
export type ScrapeTarget = Pick<ChildState, 'name' | 'kind' | 'url' | 'status'>;

/**
 * What `GET /admin/prometheus/targets` answers: one group per process the deploy manager runs
 * (the manager itself, then its children: reader, writer, pump, every processing unit, the
 * messaging grid), labelled `job` (the kind of process, as the metrics' own `part` label) and
 * `instance_name` (`unit-3`, `data-pump`). It is read from the supervisor at every call, so a unit
 * appears as soon as it is started and is gone once it has been scaled down and stopped. A child
 * that crashed stays listed while it is restarted: its `up` series shows the gap. Hazelcast
 * members are not listed: the members this manager starts serve no Prometheus endpoint.
 */
export function prometheusTargets(
  manager: { host: string; port: number },
  children: readonly ScrapeTarget[],
): TargetGroup[] {
  const host = manager.host.includes(':') ? `[${manager.host}]` : manager.host;
  const self: TargetGroup = {
    targets: [`${host}:${manager.port}`],
    labels: { job: 'deploy-manager', instance_name: 'deploy-manager' },
  };
  return [
    self,
    ...children
      .filter((child) => child.status !== 'stopped')
      .map((child) => ({
        targets: [new URL(child.url).host],
        labels: { job: child.kind, instance_name: child.name },
      })),
  ];
}
