/** Pass/fail limits of a run (`--max-p99 20ms --min-rate 1000 --max-error-rate 0.01`). */
export interface Thresholds {
  /** Overall p99 latency must not exceed this many milliseconds. */
  maxP99Ms?: number | undefined;
  /** Completed requests per second (after the ramp) must reach this. */
  minRate?: number | undefined;
  /** errors / (completed + overflow) must not exceed this fraction. */
  maxErrorRate?: number | undefined;
}

export interface ThresholdResult {
  name: 'max-p99' | 'min-rate' | 'max-error-rate';
  limit: number;
  actual: number;
  pass: boolean;
}

export interface MeasuredFigures {
  p99Ms: number;
  rate: number;
  errorRate: number;
}

/** One result per threshold that was set, in a fixed order. */
export function evaluateThresholds(measured: MeasuredFigures, thresholds: Thresholds): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  if (thresholds.maxP99Ms !== undefined) {
    const limit = thresholds.maxP99Ms;
    results.push({ name: 'max-p99', limit, actual: measured.p99Ms, pass: measured.p99Ms <= limit });
  }
  if (thresholds.minRate !== undefined) {
    const limit = thresholds.minRate;
    results.push({ name: 'min-rate', limit, actual: measured.rate, pass: measured.rate >= limit });
  }
  if (thresholds.maxErrorRate !== undefined) {
    const limit = thresholds.maxErrorRate;
    results.push({
      name: 'max-error-rate',
      limit,
      actual: measured.errorRate,
      pass: measured.errorRate <= limit,
    });
  }
  return results;
}
