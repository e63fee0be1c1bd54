import { describe, expect, it } from 'vitest';
import { evaluateThresholds } from './thresholds.js';

const measured = { p99Ms: 12.5, rate: 1500, errorRate: 0.002 };

describe('evaluateThresholds', () => {
  it('checks only the thresholds that were set', () => {
    expect(evaluateThresholds(measured, {})).toEqual([]);
    expect(evaluateThresholds(measured, { minRate: 1000 })).toEqual([
      { name: 'min-rate', limit: 1000, actual: 1500, pass: true },
    ]);
  });

  it('passes at the limit and fails beyond it', () => {
    const results = evaluateThresholds(measured, { maxP99Ms: 12.5, minRate: 1500, maxErrorRate: 0.002 });
    expect(results.map((r) => r.pass)).toEqual([true, true, true]);
    const broken = evaluateThresholds(measured, { maxP99Ms: 10, minRate: 2000, maxErrorRate: 0.001 });
    expect(broken.map((r) => [r.name, r.pass])).toEqual([
      ['max-p99', false],
      ['min-rate', false],
      ['max-error-rate', false],
    ]);
  });
});
