import { describe, expect, it } from 'vitest';
import { addBuckets, bucketsBetween, histogramQuantile, readHistogram } from './histograms.js';

const buckets = (entries: Array<[number, number]>) => new Map(entries);

describe('histogram quantiles', () => {
  it('interpolates inside the bucket a quantile falls in', () => {
    // 100 observations: 50 at or below 10 ms, 90 at or below 50 ms, all at or below 100 ms.
    const h = buckets([
      [0.01, 50],
      [0.05, 90],
      [0.1, 100],
      [Infinity, 100],
    ]);
    expect(histogramQuantile(h, 0.5)).toBeCloseTo(0.01);
    expect(histogramQuantile(h, 0.25)).toBeCloseTo(0.005);
    expect(histogramQuantile(h, 0.7)).toBeCloseTo(0.03);
    expect(histogramQuantile(h, 0.99)).toBeCloseTo(0.095);
  });

  it('answers null for an empty histogram and the highest finite bound for the +Inf bucket', () => {
    expect(histogramQuantile(buckets([]), 0.5)).toBeNull();
    expect(
      histogramQuantile(
        buckets([
          [0.1, 0],
          [Infinity, 0],
        ]),
        0.5,
      ),
    ).toBeNull();
    expect(
      histogramQuantile(
        buckets([
          [0.1, 1],
          [Infinity, 10],
        ]),
        0.99,
      ),
    ).toBe(0.1);
  });

  it('takes differences between scrapes, and refuses a reset', () => {
    const before = buckets([
      [0.1, 5],
      [Infinity, 7],
    ]);
    const after = buckets([
      [0.1, 8],
      [Infinity, 12],
    ]);
    expect(bucketsBetween(before, after)).toEqual(
      buckets([
        [0.1, 3],
        [Infinity, 5],
      ]),
    );
    expect(bucketsBetween(undefined, after)).toEqual(after);
    expect(bucketsBetween(after, before)).toBeNull();
    expect(
      addBuckets(
        buckets([[0.1, 1]]),
        buckets([
          [0.1, 2],
          [Infinity, 4],
        ]),
      ),
    ).toEqual(
      buckets([
        [0.1, 3],
        [Infinity, 4],
      ]),
    );
  });

  it('reads a histogram from a scrape, summed over its label sets', () => {
    const text =
      'lag_bucket{le="0.1",x="a"} 2\nlag_bucket{le="0.1",x="b"} 3\nlag_bucket{le="+Inf",x="a"} 4\nlag_count 4\n';
    expect(readHistogram(text, 'lag')).toEqual(
      new Map([
        [0.1, 5],
        [Infinity, 4],
      ]),
    );
  });
});
