import { describe, expect, it } from 'vitest';
import { prometheusTargets, type ScrapeTarget } from './prometheus-sd.js';

const child = (name: string, kind: string, port: number, status: ScrapeTarget['status']): ScrapeTarget => ({
  name,
  kind,
  url: `http://127.0.0.1:${port}`,
  status,
});
const manager = { host: '127.0.0.1', port: 8081 };

describe('Prometheus HTTP service discovery', () => {
  it('answers one target group per process, the manager first, labelled with its kind and name', () => {
    expect(
      prometheusTargets(manager, [
        child('data-writer', 'data-writer', 8091, 'running'),
        child('unit-1', 'processing-unit', 8100, 'running'),
        child('unit-2', 'processing-unit', 8101, 'starting'),
        child('grid', 'messaging-grid', 8080, 'crashed'),
      ]),
    ).toEqual([
      { targets: ['127.0.0.1:8081'], labels: { job: 'deploy-manager', instance_name: 'deploy-manager' } },
      { targets: ['127.0.0.1:8091'], labels: { job: 'data-writer', instance_name: 'data-writer' } },
      { targets: ['127.0.0.1:8100'], labels: { job: 'processing-unit', instance_name: 'unit-1' } },
      { targets: ['127.0.0.1:8101'], labels: { job: 'processing-unit', instance_name: 'unit-2' } },
      { targets: ['127.0.0.1:8080'], labels: { job: 'messaging-grid', instance_name: 'grid' } },
    ]);
  });

  it('leaves out stopped processes, and keeps draining ones (they still answer /metrics)', () => {
    const groups = prometheusTargets(manager, [
      child('unit-1', 'processing-unit', 8100, 'running'),
      child('unit-2', 'processing-unit', 8101, 'stopping'),
      child('unit-3', 'processing-unit', 8102, 'stopped'),
    ]);
    expect(groups.map((g) => g.labels.instance_name)).toEqual(['deploy-manager', 'unit-1', 'unit-2']);
  });

  it('gives IPv6 hosts in brackets, as Prometheus wants them', () => {
    const groups = prometheusTargets({ host: '::1', port: 8081 }, [
      { name: 'data-pump', kind: 'data-pump', url: 'http://[::1]:8092', status: 'running' },
    ]);
    expect(groups.map((g) => g.targets)).toEqual([['[::1]:8081'], ['[::1]:8092']]);
  });
});
