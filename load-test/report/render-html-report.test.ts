import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { LoadReport } from '../load-report.js';
import { MetricsRecorder } from '../metrics-recorder.js';
import { formatSummary } from './format-summary.js';
import { renderHtmlReport } from './render-html-report.js';

function sampleReport(): LoadReport {
  const recorder = new MetricsRecorder();
  for (let second = 1; second <= 3; second += 1) {
    for (let i = 0; i < 50; i += 1) {
      recorder.record(
        'hold',
        { status: i % 10 ? 201 : 409, body: undefined, errorCode: 'NOT_ENOUGH_SEATS', failure: undefined },
        i / 10,
      );
      recorder.record(
        'get-section',
        { status: i % 25 ? 200 : 500, body: undefined, errorCode: undefined, failure: undefined },
        1,
      );
    }
    recorder.roll(second * 1000);
  }
  const metrics = recorder.snapshot();
  return {
    scenario: 'flash-sale',
    target: 'http://127.0.0.1:8080',
    runId: 'lt-test',
    seed: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:03.000Z',
    model: { type: 'open', rate: 100 },
    pool: { connections: 64, pipelining: 1 },
    durationMs: 3000,
    rampMs: 0,
    elapsedMs: 3000,
    totals: {
      completed: 300,
      ok: 255,
      rejected: 15,
      errors: 6,
      overflow: 0,
      errorRate: 0.02,
      rate: 100,
      steadyRate: 100,
    },
    latency: metrics.latency,
    byKind: metrics.byKind,
    statusCodes: metrics.statusCodes,
    errorsByCategory: metrics.errorsByCategory,
    errorsByCode: metrics.errorsByCode,
    rejectionsByCode: metrics.rejectionsByCode,
    series: metrics.series,
    harness: { eventLoopUtilization: 0.2, maxEventLoopDelayMs: 3 },
    invariants: [
      {
        name: 'no oversell (API)',
        status: 'FAIL',
        detail: '1 violation(s)',
        failures: ['</script><b>boom</b>'],
      },
    ],
    thresholds: [{ name: 'max-p99', limit: 20, actual: 4.2, pass: true }],
    passed: false,
  };
}

interface FakeNode {
  name: string;
  attributes: Record<string, unknown>;
  children: FakeNode[];
  textContent: string;
  setAttribute(key: string, value: unknown): void;
  appendChild(child: FakeNode): FakeNode;
}

const fakeNode = (name: string, textContent = ''): FakeNode => ({
  name,
  attributes: {},
  children: [],
  textContent,
  setAttribute(key, value) {
    this.attributes[key] = value;
  },
  appendChild(child) {
    this.children.push(child);
    return child;
  },
});

const count = (node: FakeNode, name: string): number =>
  (node.name === name ? 1 : 0) + node.children.reduce((sum, child) => sum + count(child, name), 0);

describe('renderHtmlReport', () => {
  it('is self-contained: no external script, style or image', () => {
    const html = renderHtmlReport(sampleReport());
    expect(html).not.toMatch(/<script[^>]+src=|<link|<img|@import|url\(/i);
    expect(html).toContain('<h2>Invariants</h2>');
  });

  it('escapes what the report carries, even inside the embedded JSON', () => {
    const html = renderHtmlReport(sampleReport());
    expect(html).not.toContain('<b>boom</b>');
    expect(html.match(/<\/script>/g)).toHaveLength(2);
  });

  it('draws its charts with the inline script', () => {
    const html = renderHtmlReport(sampleReport());
    const data = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const containers: Record<string, FakeNode> = {
      'report-data': fakeNode('script', data),
      throughput: fakeNode('div'),
      latency: fakeNode('div'),
      'status-codes': fakeNode('div'),
    };
    const document = {
      getElementById: (id: string) => containers[id],
      createElementNS: (_ns: string, name: string) => fakeNode(name),
    };
    runInNewContext(script, { document });
    expect(count(containers.throughput!, 'polyline')).toBe(5);
    expect(count(containers.latency!, 'polyline')).toBe(4);
    // get-section 200 and 500, hold 201 and 409.
    expect(count(containers['status-codes']!, 'rect')).toBe(4);
    expect(count(containers.throughput!, 'circle')).toBe(15);
  });
});

describe('the text summary of the same report', () => {
  it('lists the business rejections, the errors by category and the error answers by code', () => {
    const lines = formatSummary(sampleReport()).split('\n');
    expect(lines).toContain('rejected (expected): NOT_ENOUGH_SEATS 15');
    expect(lines).toContain('errors: server 6');
    expect(lines).toContain('error answers: HTTP 500 6');
  });
});
