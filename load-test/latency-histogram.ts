import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';

export type { Histogram };

/** Latencies are recorded in microseconds, 1 µs to 2 minutes, 3 significant digits. */
const HIGHEST_US = 120_000_000;

export function createLatencyHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** Records a latency given in milliseconds (clamped to the histogram's range). */
export function recordLatencyMs(histogram: Histogram, latencyMs: number): void {
  const us = Math.round(latencyMs * 1000);
  histogram.recordValue(us < 1 ? 1 : us > HIGHEST_US ? HIGHEST_US : us);
}

/** Percentiles in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

const toMs = (us: number): number => Math.round(us) / 1000;

export function summarizeLatency(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    count: histogram.totalCount,
    p50: toMs(histogram.getValueAtPercentile(50)),
    p90: toMs(histogram.getValueAtPercentile(90)),
    p99: toMs(histogram.getValueAtPercentile(99)),
    p999: toMs(histogram.getValueAtPercentile(99.9)),
    // From the buckets (like the percentiles), so a decoded or merged histogram reports the same max.
    max: toMs(histogram.getValueAtPercentile(100)),
    mean: toMs(histogram.mean),
  };
}

/** A new histogram holding every value of `histograms` (the inputs are left untouched). */
export function mergeHistograms(histograms: readonly Histogram[]): Histogram {
  const merged = createLatencyHistogram();
  for (const histogram of histograms) merged.add(histogram);
  return merged;
}

/** Compact text form (compressed, base64) for reports; `decodeHistogram` reads it back. */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return decodeFromCompressedBase64(encoded, 32, false);
}
