/** A reading of a figure (queue depth, a member's heap) at `atSec` seconds into the run. */
export interface TimedValue {
  atSec: number;
  value: number;
}

/**
 * When a series counts as flat. A steady system still wobbles (a queue that drains in bursts, a
 * heap between collections), so "flat" is not "slope 0": it is "the trend, over the steady part
 * of the run, adds less than a tolerance". The tolerance is the larger of a share of the series'
 * mean and an absolute floor, so a series near zero (an empty queue) is not judged on noise.
 */
export interface FlatRule {
  /** Only readings at or after this share of the run count (0.5: the second half; the start fills caches and queues). */
  fromShare: number;
  /** Allowed growth, as a share of the mean of the counted readings. */
  relative: number;
  /** Allowed growth, in the series' unit, whatever the mean. */
  absolute: number;
}

export interface Flatness {
  /** Least-squares slope over the counted readings, per minute. */
  slopePerMinute: number;
  /** What that slope adds over the counted span (slope × span): the trend's growth. */
  growth: number;
  mean: number;
  /** max(relative × mean, absolute). */
  allowed: number;
  /** Readings counted (at least 3 are needed for a verdict). */
  readings: number;
  /** growth ≤ allowed; null when too few readings to say. */
  flat: boolean | null;
}

/** Least-squares slope of `value` over `atSec` (per second); 0 for fewer than 2 distinct times. */
export function leastSquaresSlope(points: readonly TimedValue[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanT = points.reduce((sum, p) => sum + p.atSec, 0) / n;
  const meanV = points.reduce((sum, p) => sum + p.value, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const p of points) {
    covariance += (p.atSec - meanT) * (p.value - meanV);
    variance += (p.atSec - meanT) ** 2;
  }
  return variance === 0 ? 0 : covariance / variance;
}

/**
 * Judges a series of a run lasting `runSec`: the least-squares trend over its readings from
 * `rule.fromShare × runSec` on must grow by no more than `max(rule.relative × mean, rule.absolute)`
 * over that span. A falling series is flat (a leak only grows).
 */
export function judgeFlat(points: readonly TimedValue[], runSec: number, rule: FlatRule): Flatness {
  const counted = points.filter((p) => p.atSec >= rule.fromShare * runSec);
  const mean = counted.length === 0 ? 0 : counted.reduce((sum, p) => sum + p.value, 0) / counted.length;
  const slope = leastSquaresSlope(counted);
  const span = counted.length < 2 ? 0 : counted.at(-1)!.atSec - counted[0]!.atSec;
  const growth = slope * span;
  const allowed = Math.max(rule.relative * mean, rule.absolute);
  return {
    slopePerMinute: slope * 60,
    growth,
    mean,
    allowed,
    readings: counted.length,
    flat: counted.length < 3 ? null : growth <= allowed,
  };
}
