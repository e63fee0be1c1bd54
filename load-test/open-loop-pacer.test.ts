import { describe, expect, it } from 'vitest';
import { arrivalSchedule } from './arrival-schedule.js';
import { OpenLoopPacer } from './open-loop-pacer.js';

const pacer = (maxInFlight = 1_000_000, rate = 1000, durationMs = 1000, rampMs = 0) =>
  new OpenLoopPacer({ schedule: arrivalSchedule(rate, rampMs), durationMs, maxInFlight });

const releaseAt = (p: OpenLoopPacer, now: number): number[] => {
  const fired: number[] = [];
  p.release(now, (intended) => fired.push(intended));
  return fired;
};

describe('OpenLoopPacer', () => {
  it('releases every request due by now, each with its intended offset', () => {
    const p = pacer();
    expect(releaseAt(p, 0)).toEqual([0]);
    expect(releaseAt(p, 3.5)).toEqual([1, 2, 3]);
    expect(releaseAt(p, 3.9)).toEqual([]);
    expect(p.msUntilNext(3.9)).toBeCloseTo(0.1, 9);
    expect(p.sent).toBe(4);
  });

  it('a late tick sends the overdue requests with their intended times (coordinated omission)', () => {
    const p = pacer();
    releaseAt(p, 0);
    // The harness (or the machine) stalled for 50 ms: the requests due meanwhile go out now,
    // but keep their intended times, so the 50 ms stall counts in their latency.
    const fired = releaseAt(p, 50);
    expect(fired).toHaveLength(50);
    expect(fired[0]).toBe(1);
    expect(fired[49]).toBe(50);
    const latencies = fired.map((intended) => 52 - intended); // each answered at t = 52 ms
    expect(Math.max(...latencies)).toBe(51);
    expect(Math.min(...latencies)).toBe(2);
  });

  it('counts requests due beyond the in-flight limit as overflow, and never sends them', () => {
    const p = pacer(10);
    expect(releaseAt(p, 14)).toHaveLength(10);
    expect(p.inFlight).toBe(10);
    expect(p.overflow).toBe(5);
    p.complete();
    p.complete();
    expect(releaseAt(p, 16)).toEqual([15, 16]);
    expect(p.overflow).toBe(5);
    expect(p.sent + p.overflow).toBe(17);
  });

  it('is exhausted once the duration is reached', () => {
    const p = pacer(1_000_000, 100, 100);
    expect(releaseAt(p, 1_000)).toHaveLength(10);
    expect(p.exhausted).toBe(true);
  });

  it('follows the ramp', () => {
    const p = pacer(1_000_000, 1000, 3000, 2000);
    expect(releaseAt(p, 1000)).toHaveLength(251);
    expect(releaseAt(p, 2000)).toHaveLength(750);
    expect(releaseAt(p, 2999)).toHaveLength(999);
  });
});
