import { describe, expect, it } from 'vitest';
import { arrivalSchedule } from './arrival-schedule.js';

describe('arrivalSchedule', () => {
  it('spaces requests 1/rate apart without a ramp', () => {
    const schedule = arrivalSchedule(1000);
    expect([0, 1, 2, 500].map((i) => schedule.offsetMs(i))).toEqual([0, 1, 2, 500]);
    expect(schedule.countUntil(0)).toBe(1);
    expect(schedule.countUntil(9.5)).toBe(10);
    expect(schedule.countUntil(1000)).toBe(1001);
  });

  it('rises linearly during the ramp: half the steady count arrives by its end', () => {
    const schedule = arrivalSchedule(1000, 2000);
    // N(t) = r·t²/(2·ramp): 1000/s over a 2 s ramp → 1000 requests by t = 2 s, 250 by t = 1 s.
    expect(schedule.countUntil(1000)).toBe(251);
    expect(schedule.countUntil(2000)).toBe(1001);
    expect(schedule.offsetMs(1000)).toBeCloseTo(2000, 9);
    // After the ramp: the full rate.
    expect(schedule.offsetMs(2000) - schedule.offsetMs(1999)).toBeCloseTo(1, 9);
    expect(schedule.countUntil(3000)).toBe(2001);
  });

  it('gaps shrink during the ramp and are constant after it', () => {
    const schedule = arrivalSchedule(500, 1000);
    const gaps = Array.from({ length: 400 }, (_, i) => schedule.offsetMs(i + 1) - schedule.offsetMs(i));
    for (let i = 1; i < 250; i += 1) expect(gaps[i]!).toBeLessThanOrEqual(gaps[i - 1]! + 1e-9);
    for (let i = 260; i < 400; i += 1) expect(gaps[i]!).toBeCloseTo(2, 9);
  });

  it('countUntil and offsetMs are inverse', () => {
    const schedule = arrivalSchedule(3333, 1500);
    for (const index of [0, 1, 7, 100, 2499, 2500, 2501, 9000]) {
      expect(schedule.countUntil(schedule.offsetMs(index))).toBe(index + 1);
    }
  });

  it('refuses a rate that is not positive', () => {
    expect(() => arrivalSchedule(0)).toThrow(RangeError);
    expect(() => arrivalSchedule(10, -1)).toThrow(RangeError);
  });
});
