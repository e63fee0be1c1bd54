import { parsePrometheusText } from './prometheus-text.js';

/** Cumulative histogram buckets: upper bound (`le`) to the count of observations at or below it. */
export type Buckets = Map<number, number>;

/**
 * The q-quantile (0..1) of a cumulative histogram, interpolated linearly inside the bucket it
 * falls in, as Prometheus's `histogram_quantile` does. Null when the histogram is empty. A
 * quantile in the `+Inf` bucket answers the highest finite bound.
 */
export function histogramQuantile(buckets: Buckets, q: number): number | null {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = bounds.length === 0 ? 0 : buckets.get(bounds.at(-1)!)!;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bound of bounds) {
    const count = buckets.get(bound)!;
    if (count >= rank) {
      if (bound === Infinity) return lowerBound;
      const inBucket = count - lowerCount;
      return inBucket <= 0 ? bound : lowerBound + (bound - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

/** `later - earlier`, bucket by bucket: the observations made between two scrapes. Null after a counter reset. */
export function bucketsBetween(earlier: Buckets | undefined, later: Buckets): Buckets | null {
  const delta: Buckets = new Map();
  for (const [bound, count] of later) {
    const change = count - (earlier?.get(bound) ?? 0);
    if (change < 0) return null;
    delta.set(bound, change);
  }
  return delta;
}

/** Adds `from` into `into`, bucket by bucket. */
export function addBuckets(into: Buckets, from: Buckets): Buckets {
  for (const [bound, count] of from) into.set(bound, (into.get(bound) ?? 0) + count);
  return into;
}

/** A bucket's upper bound from its `le` label (`+Inf` included). */
export const bucketBound = (le: string | undefined): number => (le === '+Inf' ? Infinity : Number(le));

/** Cumulative buckets of one histogram in a scrape (summed over its label sets). */
export function readHistogram(text: string, name: string): Buckets {
  const buckets: Buckets = new Map();
  const bucketName = `${name}_bucket`;
  for (const sample of parsePrometheusText(text, (n) => n === bucketName)) {
    const bound = bucketBound(sample.labels.le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + sample.value);
  }
  return buckets;
}
