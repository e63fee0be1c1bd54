import { describe, expect, it } from 'vitest';
import { busyShare, parseProcStat, waitForQuietMachine, type CpuTimes } from './machine-idle.js';

const STAT = `cpu  4705 356 584 3699176 23 0 5 7 0 0
cpu0 1393 280 283 1849594 12 0 3 4 0 0
intr 114930548 113199788 3 0 5 263 0 0 0
`;

describe('machine idleness', () => {
  it('reads the aggregate cpu line, idle and iowait counting as idle', () => {
    expect(parseProcStat(STAT)).toEqual({
      busy: 4705 + 356 + 584 + 5 + 7,
      total: 4705 + 356 + 584 + 3699176 + 23 + 5 + 7,
    });
    expect(() => parseProcStat('intr 1 2 3\n')).toThrow(/no aggregate cpu line/);
  });

  it('computes the busy share between two readings', () => {
    expect(busyShare({ busy: 100, total: 1000 }, { busy: 150, total: 1200 })).toBeCloseTo(0.25);
    expect(busyShare({ busy: 100, total: 1000 }, { busy: 100, total: 1000 })).toBe(0);
  });

  it('waits while the machine is busy and returns once a sample is quiet', async () => {
    // Busy shares of successive samples: 90 %, 60 %, then 5 %.
    const readings: CpuTimes[] = [
      { busy: 0, total: 0 },
      { busy: 90, total: 100 },
      { busy: 150, total: 200 },
      { busy: 155, total: 300 },
    ];
    let i = 0;
    const result = await waitForQuietMachine({ sampleMs: 1, read: async () => readings[i++]! });
    expect(result).toMatchObject({ measured: true, quiet: true });
    expect(result.busy).toBeCloseTo(0.05);
    expect(i).toBe(4);
  });

  it('gives up after maxWaitMs on a machine that stays busy, and says so', async () => {
    let busy = 0;
    const result = await waitForQuietMachine({
      sampleMs: 1,
      maxWaitMs: 20,
      read: async () => ({ busy: (busy += 90), total: busy * (100 / 90) }),
    });
    expect(result).toMatchObject({ measured: true, quiet: false });
    expect(result.busy).toBeCloseTo(0.9);
  });

  it('does not wait where the counters cannot be read', async () => {
    const result = await waitForQuietMachine({
      read: async () => {
        throw new Error('ENOENT');
      },
    });
    expect(result).toEqual({ measured: false, quiet: false, waitedMs: 0, busy: 0 });
  });
});
