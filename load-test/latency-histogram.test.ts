import { describe, expect, it } from 'vitest';
import {
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  mergeHistograms,
  recordLatencyMs,
  summarizeLatency,
} from './latency-histogram.js';

describe('latency histograms', () => {
  it('extracts percentiles in milliseconds (3 significant digits)', () => {
    const histogram = createLatencyHistogram();
    for (let ms = 1; ms <= 1000; ms += 1) recordLatencyMs(histogram, ms);
    const summary = summarizeLatency(histogram);
    expect(summary.count).toBe(1000);
    expect(summary.p50).toBeCloseTo(500, -0.5);
    expect(summary.p90).toBeCloseTo(900, -0.5);
    expect(summary.p99).toBeCloseTo(990, -0.5);
    expect(summary.p999).toBeCloseTo(999, -0.5);
    expect(summary.max).toBeCloseTo(1000, -0.5);
    expect(summary.mean).toBeCloseTo(500.5, -0.5);
  });

  it('keeps sub-millisecond resolution', () => {
    const histogram = createLatencyHistogram();
    recordLatencyMs(histogram, 0.25);
    expect(summarizeLatency(histogram).p50).toBeCloseTo(0.25, 3);
  });

  it('clamps values outside its range instead of throwing', () => {
    const histogram = createLatencyHistogram();
    recordLatencyMs(histogram, 0);
    recordLatencyMs(histogram, 10 * 60_000);
    expect(histogram.totalCount).toBe(2);
  });

  it('merging equals recording everything into one', () => {
    const a = createLatencyHistogram();
    const b = createLatencyHistogram();
    const all = createLatencyHistogram();
    for (let i = 0; i < 5000; i += 1) {
      const ms = (i % 97) + (i % 3 === 0 ? 200 : 1);
      recordLatencyMs(i % 2 ? a : b, ms);
      recordLatencyMs(all, ms);
    }
    const merged = mergeHistograms([a, b]);
    expect(summarizeLatency(merged)).toEqual(summarizeLatency(all));
    expect(a.totalCount + b.totalCount).toBe(5000);
  });

  it('round-trips through the compressed text form', () => {
    const histogram = createLatencyHistogram();
    for (let i = 1; i <= 300; i += 1) recordLatencyMs(histogram, i / 10);
    expect(summarizeLatency(decodeHistogram(encodeHistogram(histogram)))).toEqual(
      summarizeLatency(histogram),
    );
  });

  it('summarizes an empty histogram as zeros', () => {
    expect(summarizeLatency(createLatencyHistogram())).toEqual({
      count: 0,
      p50: 0,
      p90: 0,
      p99: 0,
      p999: 0,
      max: 0,
      mean: 0,
    });
  });
});
