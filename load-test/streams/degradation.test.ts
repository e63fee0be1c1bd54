import { describe, expect, it } from 'vitest';
import { degradationReasons, lastGoodWatchers, type RampStep } from './degradation.js';

const step = (watchers: number, change: Partial<RampStep> = {}): RampStep => ({
  watchers,
  bidRate: 45,
  acceptedRate: 40,
  bidP99Ms: 20,
  bidErrors: 0,
  deliveryP50Ms: 5,
  deliveryP99Ms: 40,
  delivered: watchers * 400,
  expected: watchers * 400,
  watcherFailures: 0,
  ...change,
});

describe('degradationReasons', () => {
  const baseline = step(0);
  it('a step within every bound is not degraded', () => {
    expect(degradationReasons(step(1000), baseline)).toEqual([]);
  });

  it('names each bound a step breaks', () => {
    expect(degradationReasons(step(1000, { deliveryP99Ms: 1500 }), baseline)).toEqual([
      'delivery p99 1500 ms > 1000 ms',
    ]);
    expect(degradationReasons(step(1000, { bidP99Ms: 1200 }), baseline)).toEqual([
      'bid p99 1200 ms > 1000 ms',
    ]);
    expect(degradationReasons(step(1000, { bidRate: 30 }), baseline)).toEqual([
      'bid rate 30/s is 33 % below 45/s with no watcher',
    ]);
    expect(degradationReasons(step(1000, { bidRate: 37 }), baseline)).toEqual([]);
  });

  it('anything lost or failed degrades, whatever the latency', () => {
    expect(degradationReasons(step(10, { bidErrors: 2 }), baseline)).toEqual(['2 bid(s) failed']);
    expect(degradationReasons(step(10, { delivered: 3990 }), baseline)).toEqual([
      '10 message(s) not delivered',
    ]);
    expect(degradationReasons(step(10, { watcherFailures: 1 }), baseline)).toHaveLength(1);
  });

  it('the last good count is the one before the first degraded step', () => {
    const judged = [250, 500, 1000, 2000].map((w) => ({
      ...step(w),
      degraded: w >= 1000 ? ['x'] : [],
    }));
    expect(lastGoodWatchers(judged)).toBe(500);
    expect(lastGoodWatchers(judged.slice(2))).toBeUndefined();
    expect(lastGoodWatchers(judged.slice(0, 2))).toBe(500);
  });
});
