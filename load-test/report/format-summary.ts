import type { LatencySummary } from '../latency-histogram.js';
import type { LoadReport } from '../load-report.js';
import type { StreamDeliveryReport } from '../streams/watcher-fleet.js';

const cell = (value: string | number, width: number): string => String(value).padStart(width);

const latencyRow = (kind: string, l: LatencySummary): string =>
  [
    kind.padEnd(14),
    cell(l.count, 9),
    ...[l.p50, l.p90, l.p99, l.p999, l.max].map((v) => cell(v.toFixed(2), 9)),
  ].join(' ');

/** One line on the live-stream watchers: `delivery` in the latency table is commit (placedAt) → watcher. */
export function formatStreams(s: StreamDeliveryReport): string {
  return (
    `watchers ${s.opened}/${s.watchers} open  delivered ${s.delivered}/${s.expected} messages ` +
    `(${s.expectedPerWatcher} each)  gaps ${s.gaps}  duplicates ${s.duplicates}  resyncs ${s.resyncs}  ` +
    `cut off ${s.dropped}  failed to open ${s.failedToOpen}  (opened in ${s.openMs} ms, settled in ${s.settleMs} ms)`
  );
}

/** The plain-text summary printed at the end of a run. */
export function formatSummary(report: LoadReport): string {
  const { totals } = report;
  const lines = [
    `${report.scenario} against ${report.target}: ${report.elapsedMs / 1000} s, ` +
      (report.model.type === 'open'
        ? `open model at ${report.model.rate} req/s`
        : `closed model, ${report.model.connections} connections`),
    `completed ${totals.completed}  ok ${totals.ok}  rejected ${totals.rejected}  errors ${totals.errors}` +
      `  (overflow ${totals.overflow}, error rate ${(totals.errorRate * 100).toFixed(3)} %)`,
    `rate ${totals.rate} req/s (after ramp ${totals.steadyRate} req/s)   harness event loop ` +
      `${Math.round(report.harness.eventLoopUtilization * 100)} % busy`,
    '',
    [
      'kind'.padEnd(14),
      cell('count', 9),
      ...['p50', 'p90', 'p99', 'p99.9', 'max'].map((h) => cell(h, 9)),
    ].join(' ') + '   (ms)',
    latencyRow('all', report.latency),
    ...Object.entries(report.byKind).map(([kind, m]) => latencyRow(kind, m.latency)),
    ...(report.streams ? [latencyRow('delivery', report.streams.latency)] : []),
    '',
    `status codes: ${
      Object.entries(report.statusCodes)
        .map(([s, n]) => `${s}: ${n}`)
        .join(', ') || 'none'
    }`,
  ];
  if (report.streams) lines.push(formatStreams(report.streams));
  for (const [label, counts] of [
    ['rejected (expected)', report.rejectionsByCode],
    ['errors', report.errorsByCategory],
    ['error answers', report.errorsByCode],
  ] as const) {
    const entries = Object.entries(counts);
    if (entries.length) lines.push(`${label}: ${entries.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  }
  if (report.invariants) {
    lines.push('', 'invariants:');
    for (const result of report.invariants) {
      lines.push(`  ${result.status.padEnd(4)}  ${result.name}: ${result.detail}`);
      for (const failure of result.failures) lines.push(`          - ${failure}`);
    }
  }
  if (report.thresholds.length) {
    lines.push('', 'thresholds:');
    for (const t of report.thresholds) {
      lines.push(
        `  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${Math.round(t.actual * 1000) / 1000} (limit ${t.limit})`,
      );
    }
  }
  lines.push('', report.passed ? 'PASSED' : 'FAILED');
  return lines.join('\n');
}
