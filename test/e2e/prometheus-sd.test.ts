import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startManager, type ManagerUnderTest } from '../support/deploy-manager.js';
import { http } from '../support/http.js';
import { waitFor } from '../support/system.js';

interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** A sample line of the Prometheus text format: `name{labels} value`. */
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? \S+$/;

/** A metric each kind of process exports, beside Node's default ones. */
const OWN_METRIC: Record<string, RegExp> = {
  'deploy-manager': /^# TYPE process_cpu_seconds_total counter$/m,
  'data-reader': /^# TYPE nodejs_eventloop_lag_seconds gauge$/m,
  'data-writer': /^# TYPE spacegrid_writer_lag_seconds histogram$/m,
  'data-pump': /^spacegrid_queue_jobs\{[^}]*state="waiting"[^}]*\} \d+$/m,
  'processing-unit': /^spacegrid_event_loop_utilization_ratio\{[^}]*\} [\d.e-]+$/m,
  'messaging-grid': /^# TYPE spacegrid_grid_requests_total counter$/m,
};

/**
 * Prometheus's HTTP service discovery on `npm start`'s deploy manager, for real: every process it
 * runs is a target whose `/metrics` answers Prometheus text, and the units follow the scaling.
 */
describe('Prometheus service discovery', () => {
  let manager: ManagerUnderTest;
  beforeAll(async () => {
    manager = await startManager();
  });
  afterAll(() => manager?.kill());

  const targets = async (): Promise<TargetGroup[]> => {
    const answer = await manager.adminCall<TargetGroup[]>('GET', '/admin/prometheus/targets');
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const units = (groups: TargetGroup[]) =>
    groups.filter((g) => g.labels.job === 'processing-unit').map((g) => g.labels.instance_name);

  it('lists every process the manager runs, behind the token, each serving Prometheus text', async () => {
    const refused = await http('GET', `${manager.admin}/admin/prometheus/targets`);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('UNAUTHORIZED');

    const answer = await manager.adminCall<TargetGroup[]>('GET', '/admin/prometheus/targets');
    expect(answer.headers['content-type']).toMatch(/^application\/json(; ?charset=utf-8)?$/);
    const port = (offset: number) => `127.0.0.1:${manager.base + offset}`;
    expect(answer.body).toEqual([
      { targets: [port(3)], labels: { job: 'deploy-manager', instance_name: 'deploy-manager' } },
      { targets: [port(6)], labels: { job: 'data-reader', instance_name: 'data-reader' } },
      { targets: [port(5)], labels: { job: 'data-writer', instance_name: 'data-writer' } },
      { targets: [port(4)], labels: { job: 'data-pump', instance_name: 'data-pump' } },
      { targets: [port(8)], labels: { job: 'processing-unit', instance_name: 'unit-1' } },
      { targets: [port(9)], labels: { job: 'processing-unit', instance_name: 'unit-2' } },
      { targets: [port(2)], labels: { job: 'messaging-grid', instance_name: 'grid' } },
    ]);

    for (const {
      targets: [target],
      labels,
    } of answer.body) {
      const scrape = await http('GET', `http://${target}/metrics`);
      const where = `${labels.instance_name} at ${target}`;
      expect(scrape.status, where).toBe(200);
      expect(scrape.headers['content-type'], where).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = scrape.body as string;
      expect(text, where).toMatch(OWN_METRIC[labels.job!]!);
      const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
      expect(samples.length, where).toBeGreaterThan(10);
      for (const line of samples) {
        expect(line, where).toMatch(SAMPLE);
        // The processes label their own samples with the kind the discovery gives as `job`.
        expect(line, where).toContain(`part="${labels.job}"`);
      }
    }
  });

  it('feeds the dashboard from the same metrics: /admin/live reads the grid and every unit', async () => {
    await waitFor(
      async () => {
        const live = (await manager.adminCall('GET', '/admin/live')).body;
        return (
          live.traffic.inFlight === 0 &&
          live.traffic.requestsPerSecond !== null &&
          live.units.length === 2 &&
          live.units.every((u: { utilization: number | null; inFlight: number | null }) => {
            return u.utilization !== null && u.utilization >= 0 && u.utilization <= 1 && u.inFlight === 0;
          })
        );
      },
      30_000,
      'the live figures of the grid and both units',
      250,
    );
  });

  it('follows the units as they are scaled up and down', async () => {
    expect((await manager.adminCall('PUT', '/admin/units', { count: 3 })).status).toBe(202);
    await waitFor(
      async () => units(await targets()).includes('unit-3'),
      30_000,
      'unit-3 to be a target',
      200,
    );
    const third = (await targets()).find((g) => g.labels.instance_name === 'unit-3')!;
    expect(third.targets).toEqual([`127.0.0.1:${manager.base + 10}`]);
    await waitFor(
      async () =>
        (await http('GET', `http://${third.targets[0]}/metrics`).catch(() => undefined))?.status === 200,
      60_000,
      'unit-3 to serve /metrics',
      200,
    );

    expect((await manager.adminCall('PUT', '/admin/units', { count: 1 })).status).toBe(202);
    await waitFor(
      async () => units(await targets()).join() === 'unit-1',
      60_000,
      'unit-2 and unit-3 to leave the targets',
      200,
    );
    const status = await manager.status();
    expect(status.units.map((u: { id: string }) => u.id)).toEqual(['unit-1']);
    expect((await targets()).map((g) => g.labels.instance_name)).toEqual([
      'deploy-manager',
      'data-reader',
      'data-writer',
      'data-pump',
      'unit-1',
      'grid',
    ]);
  });
});
