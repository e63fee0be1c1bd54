import { describe, expect, it } from 'vitest';
import { judgeFlat, leastSquaresSlope, type FlatRule } from './flatness.js';

const RULE: FlatRule = { fromShare: 0.5, relative: 0.1, absolute: 32 };
/** A reading every 5 s over a 300 s run. */
const series = (value: (atSec: number) => number) =>
  Array.from({ length: 60 }, (_, i) => ({ atSec: (i + 1) * 5, value: value((i + 1) * 5) }));

describe('leastSquaresSlope', () => {
  it('is the slope of a line, whatever its offset', () => {
    expect(leastSquaresSlope([0, 10, 20].map((t) => ({ atSec: t, value: 7 + 2 * t })))).toBeCloseTo(2, 10);
  });

  it('is 0 for a single reading or readings at one time', () => {
    expect(leastSquaresSlope([{ atSec: 1, value: 5 }])).toBe(0);
    expect(
      leastSquaresSlope([
        { atSec: 1, value: 5 },
        { atSec: 1, value: 9 },
      ]),
    ).toBe(0);
  });
});

describe('judgeFlat', () => {
  it('calls a constant series flat', () => {
    const flat = judgeFlat(
      series(() => 200),
      300,
      RULE,
    );
    expect(flat).toMatchObject({ flat: true, mean: 200, readings: 31 });
    expect(flat.growth).toBeCloseTo(0, 10);
  });

  it('calls a leak of 1 MiB every 5 s not flat: +30 MiB over the second half is more than 10 % of ~275 MiB', () => {
    const flat = judgeFlat(
      series((t) => 100 + 0.2 * t * 5),
      300,
      RULE,
    );
    // Second half: 150..300 s, slope 1 per second → +150 over the span; mean ≈ 325, allowed ≈ 32.5.
    expect(flat.flat).toBe(false);
    expect(flat.slopePerMinute).toBeCloseTo(60, 6);
    expect(flat.growth).toBeCloseTo(150, 6);
  });

  it('ignores the first half, where caches and queues fill', () => {
    const fillsThenHolds = judgeFlat(
      series((t) => Math.min(t, 120) * 2),
      300,
      RULE,
    );
    expect(fillsThenHolds.flat).toBe(true);
  });

  it('tolerates a sawtooth that does not rise (collections, bursts of a queue)', () => {
    const sawtooth = judgeFlat(
      series((t) => 200 + ((t / 5) % 6) * 10),
      300,
      RULE,
    );
    expect(sawtooth.flat).toBe(true);
  });

  it('uses the absolute floor near zero, so a queue wobbling between 0 and 40 is flat', () => {
    const queue = judgeFlat(
      series((t) => (t > 250 ? 40 : 0)),
      300,
      { ...RULE, absolute: 100 },
    );
    expect(queue.allowed).toBe(100);
    expect(queue.flat).toBe(true);
  });

  it('calls a falling series flat: only growth is a leak', () => {
    expect(
      judgeFlat(
        series((t) => 1000 - t),
        300,
        RULE,
      ).flat,
    ).toBe(true);
  });

  it('has no verdict with fewer than three readings in the counted part', () => {
    const few = judgeFlat(
      [
        { atSec: 10, value: 1 },
        { atSec: 20, value: 2 },
      ],
      20,
      RULE,
    );
    expect(few.flat).toBeNull();
    expect(few.readings).toBe(2);
  });
});
