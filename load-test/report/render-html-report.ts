import type { LoadReport } from '../load-report.js';
import { HTML_REPORT_SCRIPT } from './html-report-script.js';

const escapeHtml = (value: unknown): string =>
  String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON that can sit inside a <script> element without closing it. */
const embedJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

const table = (headers: string[], rows: unknown[][]): string =>
  `<table><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;

const badge = (status: string): string =>
  `<span class="badge ${status === 'PASS' ? 'pass' : status === 'FAIL' ? 'fail' : 'skip'}">${status}</span>`;

function describeModel(report: LoadReport): string {
  const { model } = report;
  return model.type === 'open'
    ? `open, ${model.rate} req/s (max in flight ${model.maxInFlight ?? 10_000})`
    : `closed, ${model.connections} connections`;
}

/** One self-contained HTML page: tables, and charts drawn by inline script from the embedded JSON. */
export function renderHtmlReport(report: LoadReport): string {
  const { totals } = report;
  const summary = table(
    ['', ''],
    [
      ['target', report.target],
      ['model', describeModel(report)],
      [
        'duration / ramp',
        `${report.durationMs / 1000} s / ${report.rampMs / 1000} s (ran ${report.elapsedMs / 1000} s)`,
      ],
      ['pool', `${report.pool.connections} connections, pipelining ${report.pool.pipelining}`],
      [
        'completed',
        `${totals.completed} (ok ${totals.ok}, rejected ${totals.rejected}, errors ${totals.errors})`,
      ],
      ['rate', `${totals.rate} req/s overall, ${totals.steadyRate} req/s after the ramp`],
      ['error rate', `${(totals.errorRate * 100).toFixed(3)} % (overflow ${totals.overflow})`],
      [
        'harness',
        `event loop ${Math.round(report.harness.eventLoopUtilization * 100)} % busy, max delay ${report.harness.maxEventLoopDelayMs} ms`,
      ],
      ['run id / seed', `${report.runId} / ${report.seed}`],
    ],
  );
  const latencyRows = [
    ['all', report.latency] as const,
    ...Object.entries(report.byKind).map(([kind, metrics]) => [kind, metrics.latency] as const),
  ].map(([kind, l]) => [kind, l.count, l.p50, l.p90, l.p99, l.p999, l.max, l.mean]);
  const invariants =
    report.invariants === null
      ? '<p>Not verified (<code>--no-verify</code>).</p>'
      : `<table><thead><tr><th>check</th><th>result</th><th>detail</th></tr></thead><tbody>${report.invariants
          .map(
            (i) =>
              `<tr><td>${escapeHtml(i.name)}</td><td>${badge(i.status)}</td><td>${escapeHtml(i.detail)}${
                i.failures.length
                  ? `<ul>${i.failures.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`
                  : ''
              }</td></tr>`,
          )
          .join('')}</tbody></table>`;
  const thresholds = report.thresholds.length
    ? table(
        ['threshold', 'limit', 'actual', 'result'],
        report.thresholds.map((t) => [
          t.name,
          t.limit,
          Math.round(t.actual * 1000) / 1000,
          t.pass ? 'PASS' : 'FAIL',
        ]),
      )
    : '<p>No thresholds set.</p>';
  const outcomes = table(
    ['outcome', 'count'],
    [
      ...Object.entries(report.rejectionsByCode).map(([code, n]) => [`rejected: ${code}`, n]),
      ...Object.entries(report.errorsByCategory).map(([category, n]) => [`error: ${category}`, n]),
      ...Object.entries(report.errorsByCode).map(([code, n]) => [`error answer: ${code}`, n]),
    ],
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>${escapeHtml(report.scenario)} load test, ${escapeHtml(report.startedAt)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:920px;color:#111827;padding:0 12px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;width:100%;margin:8px 0}td,th{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f9fafb}.badge{padding:1px 8px;border-radius:9px;font-weight:600;font-size:12px}
.pass{background:#dcfce7;color:#166534}.fail{background:#fee2e2;color:#991b1b}.skip{background:#f3f4f6;color:#4b5563}
.verdict{font-size:16px;font-weight:600}ul{margin:4px 0 0 16px;padding:0}code{background:#f3f4f6;padding:0 3px}
</style></head><body>
<h1>${escapeHtml(report.scenario)}: ${escapeHtml(report.startedAt)}</h1>
<p class="verdict">${badge(report.passed ? 'PASS' : 'FAIL')} ${report.passed ? 'thresholds met, no invariant failed' : 'a threshold or an invariant failed'}</p>
${summary}
<h2>Throughput</h2><div id="throughput"></div>
<h2>Latency over time</h2><div id="latency"></div>
<h2>Latency by request kind (ms, from the intended send time)</h2>
${table(['kind', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean'], latencyRows)}
<h2>Status codes</h2><div id="status-codes"></div>
${outcomes}
<h2>Invariants</h2>${invariants}
<h2>Thresholds</h2>${thresholds}
<script type="application/json" id="report-data">${embedJson({ ...report, byKind: stripHistograms(report) })}</script>
<script>${HTML_REPORT_SCRIPT}</script>
</body></html>
`;
}

function stripHistograms(report: LoadReport): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(report.byKind).map(([kind, { histogram: _histogram, ...rest }]) => [kind, rest]),
  );
}
