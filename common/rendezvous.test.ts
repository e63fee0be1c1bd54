import { describe, expect, it } from 'vitest';
import { hashString, pick, rank, Rendezvous } from './rendezvous.js';

const UNITS = ['http://127.0.0.1:8100', 'http://127.0.0.1:8101', 'http://127.0.0.1:8102'];
const keys = (n: number) => Array.from({ length: n }, (_, i) => `section:event-${i % 997}.s-${i}`);

function countBy(items: readonly string[], units: readonly string[]): Map<string, number> {
  const counts = new Map(units.map((u) => [u, 0]));
  for (const key of items) {
    const unit = pick(key, units)!;
    counts.set(unit, (counts.get(unit) ?? 0) + 1);
  }
  return counts;
}

describe('rendezvous hashing', () => {
  it('chooses the same unit for a key every time, whatever the order of the units', () => {
    const table = new Rendezvous(UNITS, (u) => u);
    const reversed = [...UNITS].reverse();
    for (const key of keys(200)) {
      const chosen = pick(key, UNITS);
      expect(pick(key, UNITS)).toBe(chosen);
      expect(pick(key, reversed)).toBe(chosen);
      expect(table.pick(key)).toBe(chosen);
    }
  });

  it('has no unit to pick from an empty set', () => {
    expect(pick('k', [])).toBeUndefined();
    expect(rank('k', [])).toEqual([]);
  });

  it('ranks every unit once, owner first', () => {
    for (const key of keys(100)) {
      const order = rank(key, UNITS);
      expect(order[0]).toBe(pick(key, UNITS));
      expect([...order].sort()).toEqual([...UNITS].sort());
    }
  });

  it('spreads keys evenly', () => {
    const all = keys(30_000);
    for (const [unit, count] of countBy(all, UNITS)) {
      expect(count / all.length, unit).toBeGreaterThan(0.2);
      expect(count / all.length, unit).toBeLessThan(0.47);
    }
    // Second choices are spread evenly too, so a failed unit's load does not land on one neighbour.
    const runnerUps = new Map<string, number>();
    for (const key of all) {
      const [owner, second] = rank(key, UNITS);
      if (owner === UNITS[0]) runnerUps.set(second!, (runnerUps.get(second!) ?? 0) + 1);
    }
    const [a = 0, b = 0] = [...runnerUps.values()];
    expect(Math.min(a, b) / Math.max(a, b)).toBeGreaterThan(0.8);
  });

  it('spreads keys evenly over many units', () => {
    const units = Array.from({ length: 10 }, (_, i) => `http://10.0.0.${i + 1}:8100`);
    const all = keys(50_000);
    for (const [unit, count] of countBy(all, units)) {
      expect(count / all.length, unit).toBeGreaterThan(0.07);
      expect(count / all.length, unit).toBeLessThan(0.13);
    }
  });

  it('moves only the keys of a unit that leaves, each to its runner-up', () => {
    const all = keys(30_000);
    const gone = UNITS[1]!;
    const remaining = UNITS.filter((u) => u !== gone);
    let moved = 0;
    const wrong: string[] = [];
    for (const key of all) {
      const before = rank(key, UNITS);
      const after = pick(key, remaining);
      if (before[0] === gone) moved++;
      if (after !== (before[0] === gone ? before[1] : before[0])) wrong.push(key);
    }
    expect(wrong).toEqual([]);
    expect(moved / all.length).toBeGreaterThan(0.2);
    expect(moved / all.length).toBeLessThan(0.47);
  });

  it('moves only about 1/n of the keys to a unit that joins, and none between the others', () => {
    const all = keys(30_000);
    const joined = 'http://127.0.0.1:8103';
    const grown = [...UNITS, joined];
    let moved = 0;
    const wrong: string[] = [];
    for (const key of all) {
      const before = pick(key, UNITS);
      const after = pick(key, grown);
      if (after !== before) moved++;
      if (after !== before && after !== joined) wrong.push(key);
    }
    expect(wrong).toEqual([]);
    expect(moved / all.length).toBeGreaterThan(0.2);
    expect(moved / all.length).toBeLessThan(0.3);
  });

  it('hashes strings to well spread 32-bit values', () => {
    const seen = new Set<number>();
    let outOfRange = 0;
    let highBit = 0;
    for (let i = 0; i < 10_000; i++) {
      const h = hashString(`k${i}`);
      if (!Number.isInteger(h) || h < 0 || h >= 2 ** 32) outOfRange++;
      if (h >= 2 ** 31) highBit++;
      seen.add(h);
    }
    expect(outOfRange).toBe(0);
    expect(seen.size).toBeGreaterThan(9_990);
    expect(highBit / 10_000).toBeGreaterThan(0.45);
    expect(highBit / 10_000).toBeLessThan(0.55);
  });
});
