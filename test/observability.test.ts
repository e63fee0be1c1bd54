import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { registerEventLoopUtilization } from '../common/event-loop-utilization.js';
import { createRegistry } from '../common/ops-routes.js';
import { createPumpMetrics } from '../data-pump/pump-metrics.js';
import { createWriterMetrics } from '../data-writer/writer-metrics.js';
import { readHistogram } from '../common/metrics/histograms.js';
import { SCRAPED_METRICS } from '../common/metrics/scraped-metrics.js';
import { readGridScrape, readUnitScrape } from '../deploy-manager/live/scrapes.js';
import { createGridMetrics } from '../messaging-grid/grid-metrics.js';
import { createUnitMetrics } from '../processing-unit/unit-metrics.js';

/** Labels Prometheus adds to every series: from the scrape and from the deploy manager's discovery. */
const TARGET_LABELS = ['job', 'instance', 'instance_name'];
/** The label every process puts on all its samples (`createRegistry`). */
const DEFAULT_LABELS = ['part'];

const stops: Array<{ stop(): void }> = [];
afterAll(() => stops.forEach((s) => s.stop()));

/** Every process's registry, as each part builds it (metrics only: nothing connects anywhere). */
function registries(): Record<string, Registry> {
  const unit = createRegistry('processing-unit');
  createUnitMetrics(
    unit,
    () => 0,
    () => 0,
  );
  stops.push(registerEventLoopUtilization(unit));
  const grid = createRegistry('messaging-grid');
  const zero = () => 0;
  createGridMetrics(grid, {
    inFlight: zero,
    connections: zero,
    refusedConnections: zero,
    readyUnits: zero,
    units: zero,
  });
  const pump = createRegistry('data-pump');
  createPumpMetrics(pump, { stats: () => undefined, queue: () => undefined });
  const writer = createRegistry('data-writer');
  createWriterMetrics(writer, () => ({ repairs: 0, heldBack: 0 }));
  return {
    'processing-unit': unit,
    'messaging-grid': grid,
    'data-pump': pump,
    'data-writer': writer,
    'data-reader': createRegistry('data-reader'),
    'deploy-manager': createRegistry('deploy-manager'),
  };
}

/** A metric's type as prom-client sets it at run time (its typings say a numeric enum). */
const typeOf = (metric: { type: unknown }) => String(metric.type);

/** The series names the processes export (a histogram's `_bucket`, `_sum`, `_count`), with their labels. */
function exportedSeries(): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  const add = (name: string, labels: readonly string[]) => {
    const known = series.get(name) ?? new Set<string>();
    for (const label of [...labels, ...DEFAULT_LABELS]) known.add(label);
    series.set(name, known);
  };
  for (const registry of Object.values(registries())) {
    for (const metric of registry.getMetricsAsArray()) {
      // prom-client keeps a metric's configured label names on the metric itself.
      const labels = (metric as unknown as { labelNames: readonly string[] }).labelNames;
      if (typeOf(metric) === 'histogram') {
        add(`${metric.name}_bucket`, [...labels, 'le']);
        add(`${metric.name}_sum`, labels);
        add(`${metric.name}_count`, labels);
      } else if (typeOf(metric) === 'summary') {
        add(metric.name, [...labels, 'quantile']);
        add(`${metric.name}_sum`, labels);
        add(`${metric.name}_count`, labels);
      } else add(metric.name, labels);
    }
  }
  return series;
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
]);

/** The metric names and label names a PromQL expression reads (a small parser, enough for dashboards). */
function promqlNames(expr: string): { metrics: string[]; labels: string[] } {
  const metrics: string[] = [];
  const labels: string[] = [];
  const STRING = String.raw`"(?:[^"\\]|\\.)*"`;
  const rest = expr
    // Selectors: a metric name (optional) and label matchers, whose values may hold any character.
    .replace(
      new RegExp(String.raw`([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{((?:[^}"]|${STRING})*)\}`, 'g'),
      (_, name: string | undefined, matchers: string) => {
        if (name) metrics.push(name);
        const matcher = new RegExp(String.raw`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*${STRING}`, 'g');
        for (const [, label] of matchers.matchAll(matcher)) labels.push(label!);
        return ' ';
      },
    )
    // Range selectors, Grafana's `$__rate_interval` included.
    .replace(/\[[^\]]*\]/g, ' ')
    // Grouping clauses: label names only.
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_, names: string) => {
      labels.push(...names.split(',').flatMap((n) => (n.trim() === '' ? [] : [n.trim()])));
      return ' ';
    });
  // What is left: function calls, keywords, numbers, operators and bare metric names.
  for (const [, name] of rest.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g))
    if (!KEYWORDS.has(name!) && !/^(?:inf|nan)$/i.test(name!)) metrics.push(name!);
  return { metrics, labels };
}

interface Panel {
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync('deploy/grafana/spacegrid-dashboard.json', 'utf8')) as {
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: string }> };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.targets);

describe('the Grafana dashboard', () => {
  it('reads PromQL names the way Prometheus does', () => {
    const { metrics, labels } = promqlNames(
      'histogram_quantile(0.99, sum by (le, route) (rate(a_bucket{part="x", route=~"/a/{id}"}[$__rate_interval]))) / ignoring(x) b + max(c) > 1e3',
    );
    expect(metrics.sort()).toEqual(['a_bucket', 'b', 'c']);
    expect([...new Set(labels)].sort()).toEqual(['le', 'part', 'route', 'x']);
  });

  it('takes its data source from the DS_PROMETHEUS variable, in every panel and query', () => {
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', query: 'prometheus' }),
    );
    expect(panels.length).toBeGreaterThanOrEqual(8);
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
      for (const target of panel.targets!)
        expect(target.datasource?.uid, panel.title).toBe('${DS_PROMETHEUS}');
    }
  });

  it('queries only metrics the processes export, with labels those metrics have', () => {
    const exported = exportedSeries();
    const used = new Set<string>();
    for (const panel of panels) {
      for (const { expr } of panel.targets!) {
        const { metrics, labels } = promqlNames(expr);
        expect(metrics.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        const known = new Set(TARGET_LABELS);
        for (const metric of metrics) {
          expect(exported.has(metric), `${panel.title}: ${metric} is not exported`).toBe(true);
          for (const label of exported.get(metric) ?? []) known.add(label);
          used.add(metric);
        }
        for (const label of labels)
          expect(known.has(label), `${panel.title}: no metric of ${expr} has the label ${label}`).toBe(true);
      }
    }
    // What the dashboard is for: orders, latency, shedding, write-behind, queue, units.
    for (const metric of [
      'spacegrid_http_requests_total',
      'spacegrid_http_request_duration_seconds_bucket',
      'spacegrid_grid_requests_total',
      'spacegrid_writer_lag_seconds_bucket',
      'spacegrid_queue_jobs',
      'spacegrid_event_loop_utilization_ratio',
      'spacegrid_grid_ready_units',
    ])
      expect(used, metric).toContain(metric);
  });
});

describe('the metric names', () => {
  it('follow the Prometheus conventions: counters end in _total, durations in _seconds', async () => {
    for (const [part, registry] of Object.entries(registries())) {
      for (const metric of registry.getMetricsAsArray()) {
        const where = `${part}: ${metric.name}`;
        if (!metric.name.startsWith('spacegrid_')) continue;
        expect(typeOf(metric) === 'counter', where).toBe(metric.name.endsWith('_total'));
        expect(metric.name, where).not.toMatch(/_(ms|milliseconds|kb|mb)(_|$)/);
        if (/(lag|duration|latency|time)/.test(metric.name))
          expect(metric.name, where).toMatch(/_seconds(_|$)/);
      }
    }
  });

  it('are those the deploy manager reads for its dashboard and autoscaler', async () => {
    const all = registries();
    const grid = createRegistry('messaging-grid');
    const zero = () => 0;
    const metrics = createGridMetrics(grid, {
      inFlight: () => 7,
      connections: zero,
      refusedConnections: zero,
      readyUnits: zero,
      units: zero,
    });
    metrics.forUnit('http://127.0.0.1:8100').observe(201, 0.004);
    metrics.forUnit('http://127.0.0.1:8100').observe(503, 0.2);
    metrics.forUnit('none').observe(429, 0.0001);
    const scrape = readGridScrape(await grid.metrics(), 0);
    expect(scrape.inFlight).toBe(7);
    expect(scrape.byUnit.get('http://127.0.0.1:8100')).toMatchObject({ requests: 2, errors: 1 });
    expect(scrape.byUnit.get('http://127.0.0.1:8100')!.latency.get(Infinity)).toBe(2);
    expect(scrape.byUnit.get('none')).toMatchObject({ requests: 1, errors: 1 });

    const unit = readUnitScrape(await all['processing-unit']!.metrics());
    expect(unit.utilization).not.toBeNull();
    expect(unit.pending).toBe(0);

    const unitRegistry = createRegistry('processing-unit');
    const unitMetrics = createUnitMetrics(
      unitRegistry,
      () => 0,
      () => 0,
    );
    unitMetrics.watchers.inc({ stream: 'auction' }, 3);
    unitMetrics.watchers.inc({ stream: 'event' }, 2);
    unitMetrics.watchersDropped.inc({ stream: 'auction' });
    unitMetrics.baskets.inc({ outcome: 'held' }, 4);
    unitMetrics.baskets.inc({ outcome: 'purchased' });
    const streams = readUnitScrape(await unitRegistry.metrics());
    expect(streams.watchers).toBe(5);
    expect(streams.watchersDropped).toBe(1);
    expect(Object.fromEntries(streams.baskets)).toEqual({ held: 4, purchased: 1 });

    const writer = createRegistry('data-writer');
    createWriterMetrics(writer, () => ({ repairs: 0, heldBack: 0 })).lag.observe(0.3);
    expect(readHistogram(await writer.metrics(), SCRAPED_METRICS.writerLag).get(Infinity)).toBe(1);
  });
});
