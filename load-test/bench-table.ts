/** One target's figures over all rounds of a benchmark. */
export interface BenchSummaryRow {
  target: string;
  url: string;
  /** Mean over the rounds. */
  holdsPerSec: number;
  holdsPerSecByRound: number[];
  /** Milliseconds, from the merged histograms of every round. */
  p50: number;
  p99: number;
  p999: number;
  errors: number;
}

export interface BenchRatios {
  /** spacegrid holds/s ÷ baseline holds/s. */
  spacegridOverBaseline: number | null;
  /** spacegrid holds/s ÷ the Redis + Lua reference's holds/s (when it was measured). */
  spacegridOverRedisLua?: number | null;
  /** ceiling holds/s ÷ spacegrid holds/s. */
  ceilingOverSpacegrid: number | null;
  /** no-op behind the messaging grid ÷ baseline: the most spacegrid's request path allows here. */
  gridCeilingOverBaseline: number | null;
  /** With several unit counts: the last count's holds/s ÷ the first's. */
  lastOverFirstUnits?: number | null;
}

const fixed = (value: number, digits = 1): string => value.toFixed(digits);
const ratio = (value: number | null): string => (value === null ? 'n/a' : `${fixed(value, 2)}×`);

/** The benchmark's result as a markdown document: one table and the two ratios. */
export function renderBenchMarkdown(
  title: string,
  subtitle: string,
  rows: BenchSummaryRow[],
  ratios: BenchRatios,
): string {
  const lines = [
    `# ${title}`,
    '',
    subtitle,
    '',
    '| target | URL | holds/s (mean) | holds/s per round | p50 ms | p99 ms | p99.9 ms | errors |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.target} | ${r.url} | ${fixed(r.holdsPerSec, 0)} | ${r.holdsPerSecByRound.map((v) => fixed(v, 0)).join(', ')} | ` +
        `${fixed(r.p50, 2)} | ${fixed(r.p99, 2)} | ${fixed(r.p999, 2)} | ${r.errors} |`,
    ),
    '',
    `- spacegrid / baseline (holds/s): ${ratio(ratios.spacegridOverBaseline)}`,
    ...(ratios.spacegridOverRedisLua === undefined
      ? []
      : [`- spacegrid / Redis + Lua (holds/s): ${ratio(ratios.spacegridOverRedisLua)}`]),
    `- ceiling / spacegrid (holds/s): ${ratio(ratios.ceilingOverSpacegrid)}`,
    `- ceiling via messaging grid / baseline (the most two HTTP hops allow here): ${ratio(ratios.gridCeilingOverBaseline)}`,
    ...(ratios.lastOverFirstUnits === undefined
      ? []
      : [`- spacegrid, most units / fewest units (holds/s): ${ratio(ratios.lastOverFirstUnits)}`]),
    '',
  ];
  return lines.join('\n');
}
