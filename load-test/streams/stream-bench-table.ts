import type { StreamBenchReport } from './stream-bench.js';

const ms = (value: number): string => value.toFixed(1);

/** The live-stream benchmark as markdown: one row per step, then the verdict. */
export function renderStreamBenchMarkdown(report: StreamBenchReport): string {
  const model =
    report.model.type === 'open'
      ? `open model, ${report.model.rate} requests/s`
      : `closed model, ${report.model.connections} bidders`;
  const { limits } = report;
  return [
    '# Live streams: delivery to watchers of one auction during a bidding war',
    '',
    `${report.startedAt}, ${report.target}: auction-war requests (90 % bids, 10 % reads), ${model}, ` +
      `${report.stepDurationMs / 1000} s per step, a fresh auction per step, every watcher on it ` +
      '(so on its one unit). Delivery latency: bid `placedAt` (applied, just before the commit) to ' +
      'the watcher reading it. Degraded: ' +
      `delivery or bid p99 over ${limits.maxDeliveryP99Ms} / ${limits.maxBidP99Ms} ms, bid rate more than ` +
      `${Math.round(limits.maxRateDrop * 100)} % below the no-watcher step, or anything failed or lost.`,
    '',
    '| watchers | bid req/s | accepted bids/s | bid p99 ms | delivery p50 ms | p99 ms | p99.9 ms | max ms | delivered / expected | gaps, dups, cut off, failed | harness busy | load avg | verdict |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...report.steps.map((s) => {
      const l = s.streams?.latency;
      const problems = s.streams
        ? `${s.streams.gaps}, ${s.streams.duplicates}, ${s.streams.dropped}, ${s.streams.failedToOpen}`
        : '–';
      return (
        `| ${s.watchers} | ${s.bidRate} | ${s.acceptedRate} | ${ms(s.bidP99Ms)} | ` +
        `${l ? ms(l.p50) : '–'} | ${l ? ms(l.p99) : '–'} | ${l ? ms(l.p999) : '–'} | ${l ? ms(l.max) : '–'} | ` +
        `${s.delivered} / ${s.expected} | ${problems} | ${Math.round(s.harnessEventLoopUtilization * 100)} % | ` +
        `${s.loadAverage[0].toFixed(2)} → ${s.loadAverage[1].toFixed(2)} | ` +
        `${s.degraded.length ? `degraded: ${s.degraded.join('; ')}` : 'ok'} |`
      );
    }),
    '',
    report.lastGoodWatchers === undefined
      ? '- No watcher count held up.'
      : `- Last watcher count (per unit, one hot auction) before the grid degraded: **${report.lastGoodWatchers}**` +
        (report.steps.every((s) => s.degraded.length === 0) ? ' (nothing degraded up to the last step)' : ''),
    '',
  ].join('\n');
}
