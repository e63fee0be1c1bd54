import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, decideScale, type AutoscaleInput } from './autoscale-policy.js';

const policy = {
  ...DEFAULT_POLICY,
  targetUtilization: 0.5,
  targetInFlightPerUnit: 100,
  scaleDownWindowMs: 60_000,
};
const NOW = 1_000_000;

function input(
  overrides: Partial<AutoscaleInput> & { utilization?: number | null; inFlight?: number | null },
): AutoscaleInput {
  const { utilization = 0.5, inFlight = 0, ...rest } = overrides;
  return {
    current: 2,
    min: 1,
    max: 8,
    signals: { reporting: rest.current ?? 2, utilization, inFlight },
    recommendations: [],
    now: NOW,
    policy,
    ...rest,
  };
}

describe('the autoscale policy', () => {
  it('keeps the count inside the tolerance band', () => {
    for (const utilization of [0.45, 0.5, 0.55]) {
      const outcome = decideScale(input({ utilization }));
      expect(outcome.to, String(utilization)).toBe(2);
      expect(outcome.reason).toMatch(/within tolerance, no change$/);
    }
  });

  it('scales up at once, proportionally to the signal, naming the signal that drove it', () => {
    const outcome = decideScale(input({ utilization: 0.9 }));
    expect(outcome.to).toBe(4); // ceil(2 × 0.9 / 0.5)
    expect(outcome.reason).toMatch(
      /^event-loop utilization 0\.90 \(target 0\.50, 180 % of it\).*utilization above target.*scaling up$/,
    );
    const byInFlight = decideScale(input({ utilization: 0.5, inFlight: 500 }));
    expect(byInFlight.to).toBe(5); // ceil(2 × 500 / (100 × 2))
    expect(byInFlight.reason).toMatch(/requests in flight above target/);
  });

  it('adds at most maxStepUp units a decision, and never more than max', () => {
    const huge = decideScale(input({ utilization: 1, inFlight: 100_000 }));
    expect(huge.to).toBe(2 + policy.maxStepUp);
    expect(huge.reason).toMatch(/by at most 4 at once \(8 wanted\)/);
    expect(decideScale(input({ inFlight: 100_000, max: 3 })).to).toBe(3);
  });

  it('scales down only to the highest recommendation of the window (no flapping)', () => {
    const recent = [{ at: NOW - 30_000, desired: 4 }];
    const held = decideScale(input({ current: 4, utilization: 0.1, recommendations: recent }));
    expect(held.to).toBe(4);
    expect(held.reason).toMatch(/1 would do, but the last 60 s wanted up to 4, no change$/);
    expect(held.recommendations).toEqual([...recent, { at: NOW, desired: 1 }]);

    // Once the high recommendation is older than the window, the count goes down.
    const later = decideScale(
      input({ current: 4, utilization: 0.1, recommendations: held.recommendations, now: NOW + 31_000 }),
    );
    expect(later.to).toBe(1);
    expect(later.reason).toMatch(/below target for the whole 60 s window, scaling down$/);
    expect(later.recommendations.every((r) => NOW + 31_000 - r.at < policy.scaleDownWindowMs)).toBe(true);
  });

  it('goes down part of the way when the window held a middle value', () => {
    const recommendations = [
      { at: NOW - 10_000, desired: 3 },
      { at: NOW - 5_000, desired: 2 },
    ];
    expect(decideScale(input({ current: 5, utilization: 0.1, recommendations })).to).toBe(3);
  });

  it('never goes below min, and moves into the range when min or max changed', () => {
    expect(decideScale(input({ current: 2, utilization: 0, min: 2 })).to).toBe(2);
    const below = decideScale(input({ current: 1, min: 3 }));
    expect(below.to).toBe(3);
    expect(below.reason).toBe("1 units is outside the autoscaler's range 3..8");
    expect(decideScale(input({ current: 6, max: 4 })).to).toBe(4);
  });

  it('changes nothing without a signal', () => {
    for (const signals of [
      { reporting: 0, utilization: null, inFlight: null },
      { reporting: 2, utilization: null, inFlight: 5 },
    ]) {
      const outcome = decideScale({ ...input({}), signals });
      expect(outcome.to).toBe(2);
      expect(outcome.reason).toBe('no unit reported its load: no change');
    }
  });
});
