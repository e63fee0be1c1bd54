import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads units, and bare numbers in the given unit', () => {
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('500us')).toBe(0.5);
    expect(parseDuration('3')).toBe(3000);
    expect(parseDuration('20', 'ms')).toBe(20);
  });

  it('refuses anything else', () => {
    expect(() => parseDuration('ten seconds')).toThrow(RangeError);
    expect(() => parseDuration('-1s')).toThrow(RangeError);
  });
});
