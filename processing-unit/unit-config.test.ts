import { describe, expect, it } from 'vitest';
import { BASKET_DEFAULTS, basketSettings } from './unit-config.js';

describe('basketSettings', () => {
  it('wants a purchase margin past the time recovery may take to start after a coordinator dies', () => {
    // The coordinator usually owns the basket's id, so recovery waits for the others to see it gone
    // (its registry entry's 5 s and a 1 s heartbeat), not only for its 3 s lease: 6 s + 1 s interval.
    const settings = { ...BASKET_DEFAULTS, leaseMs: 3_000, recoveryIntervalMs: 1_000 };
    expect(() => basketSettings({ ...settings, purchaseMarginMs: 5_000 })).toThrow(/must exceed .*: 7000/);
    expect(() => basketSettings({ ...settings, purchaseMarginMs: 7_000 })).toThrow(
      /BASKET_PURCHASE_MARGIN_MS/,
    );
    expect(basketSettings({ ...settings, purchaseMarginMs: 7_001 }).purchaseMarginMs).toBe(7_001);
    // A lease longer than the handover counts instead.
    expect(() => basketSettings({ ...settings, leaseMs: 9_000, purchaseMarginMs: 10_000 })).toThrow(
      /: 10000/,
    );
  });

  it('accepts its own defaults', () => {
    expect(basketSettings(BASKET_DEFAULTS)).toEqual(BASKET_DEFAULTS);
  });
});
