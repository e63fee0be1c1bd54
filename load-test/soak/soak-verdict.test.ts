import { describe, expect, it } from 'vitest';
import type { InvariantResult } from '../verify/invariant-result.js';
import { judgeSoak, type SoakJudgeInput, type SoakPoint } from './soak-verdict.js';
import type { LagWindow } from './write-behind-metrics.js';

const lag = (withinTarget: number, p99Sec = 0.2, writes = 1000): LagWindow => ({
  writes,
  p99Sec,
  withinTarget,
});
const PASSING: InvariantResult[] = [{ name: 'no oversell (API)', status: 'PASS', detail: '', failures: [] }];

/** A 60 s run sampled every 5 s: a healthy point, with `change` applied. */
const points = (change: (point: SoakPoint) => Partial<SoakPoint> = () => ({})): SoakPoint[] =>
  Array.from({ length: 12 }, (_, i) => {
    const point: SoakPoint = {
      atSec: (i + 1) * 5,
      phase: 'load',
      holdsPerSec: 500,
      requestsPerSec: 1000,
      p99Ms: 40,
      errors: 0,
      lag: lag(1),
      queueDepth: 5,
      dirtyKeys: 1,
      redisMb: 40,
      heaps: { 'member A': { afterGcMb: 200, usedMb: 400 } },
    };
    return { ...point, ...change(point) };
  });

const input = (overrides: Partial<SoakJudgeInput> = {}): SoakJudgeInput => ({
  points: points(),
  overallLag: lag(1),
  runSec: 60,
  offeredRate: 1000,
  servedRate: 995,
  overflow: 0,
  invariants: PASSING,
  liveHeaps: [],
  ...overrides,
});

const verdict = (judgement: ReturnType<typeof judgeSoak>, prefix: string) =>
  judgement.verdicts.find((v) => v.target.startsWith(prefix))!;

describe('judgeSoak', () => {
  it('passes a steady run', () => {
    const judgement = judgeSoak(input());
    expect(judgement.verdicts.map((v) => [v.target, v.pass])).toEqual([
      ['write-behind lag p99 < 1 s, whole run', true],
      ['write-behind lag p99 < 1 s, worst window', true],
      ['change queue depth flat', true],
      ['Redis memory flat', true],
      ['heap flat: member A (sampled, no live probe)', true],
      ['every invariant PASS', true],
      ['offered load served', true],
    ]);
    expect(judgement.passed).toBe(true);
  });

  it('fails the worst window when one window had more than 1 % of its writes over 1 s', () => {
    const judgement = judgeSoak(
      input({ points: points((p) => (p.atSec === 35 ? { lag: lag(0.97, 1.4) } : {})) }),
    );
    expect(verdict(judgement, 'write-behind lag p99 < 1 s, worst').pass).toBe(false);
    expect(judgement.lag.worst?.atSec).toBe(35);
    expect(verdict(judgement, 'write-behind lag p99 < 1 s, whole').pass).toBe(true);
  });

  it('fails a queue that keeps growing and a heap that keeps growing', () => {
    const judgement = judgeSoak(
      input({
        points: points((p) => ({
          queueDepth: p.atSec * 20,
          heaps: { 'member A': { afterGcMb: 100 + p.atSec * 2, usedMb: 500 } },
        })),
      }),
    );
    expect(verdict(judgement, 'change queue').pass).toBe(false);
    expect(verdict(judgement, 'heap flat').pass).toBe(false);
    expect(judgement.passed).toBe(false);
  });

  it('fails Redis memory that keeps growing under a shallow queue, and Redis never read', () => {
    // What completed jobs kept with their changes did: ~1 MiB a second, the queue near empty.
    const growing = judgeSoak(input({ points: points((p) => ({ redisMb: 10 + p.atSec })) }));
    expect(verdict(growing, 'change queue').pass).toBe(true);
    expect(verdict(growing, 'Redis memory').pass).toBe(false);
    expect(growing.passed).toBe(false);
    const unread = judgeSoak(input({ points: points(() => ({ redisMb: null })) }));
    expect(verdict(unread, 'Redis memory').measured).toBe('only 0 reading(s) in the second half');
    expect(verdict(unread, 'Redis memory').pass).toBe(false);
  });

  it('judges flatness on the load only: the drain after it does not count', () => {
    const drained = [...points(), { ...points()[0]!, atSec: 65, phase: 'drain' as const, queueDepth: 5_000 }];
    expect(verdict(judgeSoak(input({ points: drained })), 'change queue').pass).toBe(true);
  });

  it('fails on a FAILed invariant, on no invariants, and when the offered load was not served', () => {
    const failed: InvariantResult[] = [
      ...PASSING,
      { name: 'grid equals Postgres', status: 'FAIL', detail: '', failures: [] },
    ];
    expect(verdict(judgeSoak(input({ invariants: failed })), 'every invariant').pass).toBe(false);
    expect(verdict(judgeSoak(input({ invariants: null })), 'every invariant').pass).toBe(false);
    expect(verdict(judgeSoak(input({ servedRate: 900 })), 'offered load').pass).toBe(false);
    expect(verdict(judgeSoak(input({ overflow: 1 })), 'offered load').pass).toBe(false);
  });

  it('fails the heap target when no member could be read', () => {
    const judgement = judgeSoak(input({ points: points(() => ({ heaps: {} })) }));
    expect(verdict(judgement, 'member heap flat')).toMatchObject({
      pass: false,
      measured: 'no member heap could be read',
    });
  });

  it('judges the heap on the live probes when both ran: end − middle within max(10 %, 32 MiB)', () => {
    const pair = (end: number) => [
      { member: 'member A', middle: { liveMb: 400, pauseMs: 150 }, end: { liveMb: end, pauseMs: 160 } },
    ];
    expect(verdict(judgeSoak(input({ liveHeaps: pair(439) })), 'heap flat')).toMatchObject({
      target: 'heap flat: member A',
      pass: true,
    });
    expect(verdict(judgeSoak(input({ liveHeaps: pair(441) })), 'heap flat').pass).toBe(false);
  });
});
