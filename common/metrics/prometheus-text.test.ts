import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from './prometheus-text.js';

describe('Prometheus text', () => {
  it('reads samples with and without labels, skipping comments', () => {
    const text = [
      '# HELP spacegrid_grid_requests_in_flight Requests being proxied right now',
      '# TYPE spacegrid_grid_requests_in_flight gauge',
      'spacegrid_grid_requests_in_flight{part="messaging-grid"} 3',
      'process_cpu_seconds_total 1.5e2',
      'spacegrid_grid_request_duration_seconds_bucket{le="+Inf",unit="http://127.0.0.1:8100",part="messaging-grid"} 42',
      'weird{a="x\\"y,z",b="\\\\"} 1 1700000000000',
      '',
    ].join('\n');
    expect(parsePrometheusText(text)).toEqual([
      { name: 'spacegrid_grid_requests_in_flight', labels: { part: 'messaging-grid' }, value: 3 },
      { name: 'process_cpu_seconds_total', labels: {}, value: 150 },
      {
        name: 'spacegrid_grid_request_duration_seconds_bucket',
        labels: { le: '+Inf', unit: 'http://127.0.0.1:8100', part: 'messaging-grid' },
        value: 42,
      },
      { name: 'weird', labels: { a: 'x"y,z', b: '\\' }, value: 1 },
    ]);
  });

  it('keeps only the wanted names and skips malformed lines', () => {
    const text = 'a 1\nb{x="1"} 2\nc{x=1} 3\nd notanumber\ne{x="1" 4\n';
    expect(parsePrometheusText(text, (name) => name !== 'a')).toEqual([
      { name: 'b', labels: { x: '1' }, value: 2 },
    ]);
    expect(parsePrometheusText('f +Inf\ng NaN\n').map((s) => s.value)).toEqual([Infinity, NaN]);
  });
});
