import { judgeFlat, type FlatRule, type Flatness } from './flatness.js';
import type { InvariantResult } from '../verify/invariant-result.js';
import type { LagWindow } from './write-behind-metrics.js';

/** The sustained-run targets of the performance issue, as numbers the verdict uses. */
export const SOAK_RULES = {
  /** Write-behind lag p99 under 1 s: at least 99 % of the writes within 1 s (a bound of the writer's histogram). */
  lagTargetSec: 1,
  lagQuantile: 0.99,
  /** Change queue depth flat: over the second half, the trend adds at most max(10 % of its mean, 100 jobs). */
  queue: { fromShare: 0.5, relative: 0.1, absolute: 100 } satisfies FlatRule,
  /**
   * Member heap flat: the live heap (after a forced full collection) at the end of the load at most
   * max(10 %, 32 MiB) above the one at its middle; without those probes, the sampled heap after GC
   * (survivors + old) over the second half by the same tolerance.
   */
  heap: { fromShare: 0.5, relative: 0.1, absolute: 32 } satisfies FlatRule,
  /**
   * Redis memory flat (`used_memory`): over the second half, the trend adds at most max(10 % of its
   * mean, 16 MiB). A queue can be shallow while Redis grows (completed jobs kept with their changes).
   */
  redis: { fromShare: 0.5, relative: 0.1, absolute: 16 } satisfies FlatRule,
  /** The open model's load was served: completed req/s after the ramp ≥ 95 % of the offered rate, no overflow. */
  servedShare: 0.95,
} as const;

/** One window of the run, as the verdict and the report read it. */
export interface SoakPoint {
  /** Seconds since the load started, at the end of the window. */
  atSec: number;
  /** `drain`: after the load, while the invariants wait for Postgres. */
  phase: 'load' | 'drain';
  holdsPerSec: number;
  requestsPerSec: number;
  p99Ms: number;
  errors: number;
  lag: LagWindow | null;
  queueDepth: number | null;
  dirtyKeys: number | null;
  /** Redis's used memory, MiB; null when unread. */
  redisMb: number | null;
  /** Heap per member (name → MiB after GC, and in use), null when unread. */
  heaps: Record<string, { afterGcMb: number; usedMb: number } | null>;
}

export interface TargetVerdict {
  target: string;
  pass: boolean;
  /** What was measured, for a person. */
  measured: string;
  /** The rule, for a person. */
  rule: string;
}

/** A member's live heap (MiB after a forced full collection) at the middle and at the end of the load. */
export interface LiveHeapPair {
  member: string;
  middle: { liveMb: number; pauseMs: number } | null;
  end: { liveMb: number; pauseMs: number } | null;
}

export interface SoakJudgement {
  verdicts: TargetVerdict[];
  lag: { overall: LagWindow; worst: { atSec: number; window: LagWindow } | null };
  queue: Flatness;
  redis: Flatness;
  heaps: Array<{ member: string; flatness: Flatness }>;
  passed: boolean;
}

export interface SoakJudgeInput {
  points: readonly SoakPoint[];
  /** The writer's lag over every window (their histogram deltas summed). */
  overallLag: LagWindow;
  /** Length of the load, seconds. */
  runSec: number;
  offeredRate: number;
  /** Completed requests/s after the ramp, and requests never sent (in-flight bound reached). */
  servedRate: number;
  overflow: number;
  invariants: readonly InvariantResult[] | null;
  /** Empty when the probes were off. */
  liveHeaps: readonly LiveHeapPair[];
}

const pct = (share: number | null): string => (share === null ? 'n/a' : `${(share * 100).toFixed(2)} %`);
const sec = (value: number | null): string => (value === null ? 'n/a' : `${value.toFixed(3)} s`);
const meetsLag = (window: LagWindow): boolean =>
  window.withinTarget !== null && window.withinTarget >= SOAK_RULES.lagQuantile;

/** The live heap probes' verdict: end − middle within max(relative × middle, absolute). */
function liveHeapVerdict(pair: LiveHeapPair, rule: FlatRule): TargetVerdict | undefined {
  const { middle, end } = pair;
  if (!middle || !end) return undefined;
  const growth = end.liveMb - middle.liveMb;
  const allowed = Math.max(rule.relative * middle.liveMb, rule.absolute);
  return {
    target: `heap flat: ${pair.member}`,
    pass: growth <= allowed,
    measured:
      `live heap ${middle.liveMb.toFixed(1)} → ${end.liveMb.toFixed(1)} MiB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)}), ` +
      `allowed +${allowed.toFixed(1)}; full GC pauses ${middle.pauseMs.toFixed(0)} / ${end.pauseMs.toFixed(0)} ms`,
    rule:
      `heap after a forced full GC (jcmd GC.run) at the end of the load ≤ the one at its middle + ` +
      `max(${rule.relative * 100} %, ${rule.absolute} MiB)`,
  };
}

function flatVerdict(target: string, flatness: Flatness, unit: string, rule: FlatRule): TargetVerdict {
  // `+ 0` turns -0 into 0, so a flat trend does not print as "-0".
  const n = (value: number): string => (Number(value.toFixed(unit === 'MiB' ? 1 : 0)) + 0).toString();
  return {
    target,
    pass: flatness.flat === true,
    measured:
      flatness.flat === null
        ? `only ${flatness.readings} reading(s) in the second half`
        : `trend ${flatness.growth >= 0 ? '+' : ''}${n(flatness.growth)} ${unit} over the second half ` +
          `(${n(flatness.slopePerMinute)} ${unit}/min), mean ${n(flatness.mean)} ${unit}, allowed ${n(flatness.allowed)} ${unit}`,
    rule:
      `least-squares trend over the readings from ${rule.fromShare * 100} % of the run on ≤ ` +
      `max(${rule.relative * 100} % of their mean, ${rule.absolute} ${unit})`,
  };
}

/** Every target of the sustained run, judged from the windows and the invariants. */
export function judgeSoak(input: SoakJudgeInput): SoakJudgement {
  const load = input.points.filter((p) => p.phase === 'load');
  let worst: SoakJudgement['lag']['worst'] = null;
  for (const point of input.points) {
    if (!point.lag || point.lag.withinTarget === null) continue;
    // The lowest share within the target; between equal shares, the highest p99.
    const worse =
      !worst ||
      point.lag.withinTarget < worst.window.withinTarget! ||
      (point.lag.withinTarget === worst.window.withinTarget &&
        (point.lag.p99Sec ?? 0) > (worst.window.p99Sec ?? 0));
    if (worse) worst = { atSec: point.atSec, window: point.lag };
  }
  const queueSeries = load.flatMap((p) =>
    p.queueDepth === null ? [] : [{ atSec: p.atSec, value: p.queueDepth }],
  );
  const queue = judgeFlat(queueSeries, input.runSec, SOAK_RULES.queue);
  const redisSeries = load.flatMap((p) => (p.redisMb === null ? [] : [{ atSec: p.atSec, value: p.redisMb }]));
  const redis = judgeFlat(redisSeries, input.runSec, SOAK_RULES.redis);
  const members = [...new Set(load.flatMap((p) => Object.keys(p.heaps)))];
  const heaps = members.map((member) => ({
    member,
    flatness: judgeFlat(
      load.flatMap((p) => {
        const heap = p.heaps[member];
        return heap ? [{ atSec: p.atSec, value: heap.afterGcMb }] : [];
      }),
      input.runSec,
      SOAK_RULES.heap,
    ),
  }));
  const target = `${SOAK_RULES.lagTargetSec} s`;
  const lagRule = `≥ ${SOAK_RULES.lagQuantile * 100} % of the writes within ${target} (writer's lag histogram)`;
  const invariants = input.invariants ?? [];
  const failed = invariants.filter((i) => i.status === 'FAIL');
  const passedChecks = invariants.filter((i) => i.status === 'PASS');
  const verdicts: TargetVerdict[] = [
    {
      target: `write-behind lag p99 < ${target}, whole run`,
      pass: meetsLag(input.overallLag),
      measured: `p99 ${sec(input.overallLag.p99Sec)}, ${pct(input.overallLag.withinTarget)} of ${input.overallLag.writes} writes within ${target}`,
      rule: lagRule,
    },
    {
      target: `write-behind lag p99 < ${target}, worst ${load.length > 0 ? 'window' : 'window (none)'}`,
      pass: worst !== null && meetsLag(worst.window),
      measured:
        worst === null
          ? 'no window with writes'
          : `at ${worst.atSec.toFixed(0)} s: p99 ${sec(worst.window.p99Sec)}, ${pct(worst.window.withinTarget)} of ${worst.window.writes} writes`,
      rule: `${lagRule}, in every sampling window with writes`,
    },
    flatVerdict('change queue depth flat', queue, 'jobs', SOAK_RULES.queue),
    flatVerdict('Redis memory flat', redis, 'MiB', SOAK_RULES.redis),
    ...(heaps.length === 0
      ? [
          {
            target: 'member heap flat',
            pass: false,
            measured: 'no member heap could be read',
            rule: 'jstat -gc',
          },
        ]
      : heaps.map(
          ({ member, flatness }) =>
            liveHeapVerdict(
              input.liveHeaps.find((pair) => pair.member === member) ?? { member, middle: null, end: null },
              SOAK_RULES.heap,
            ) ??
            flatVerdict(`heap flat: ${member} (sampled, no live probe)`, flatness, 'MiB', SOAK_RULES.heap),
        )),
    {
      target: 'every invariant PASS',
      pass: input.invariants !== null && failed.length === 0 && passedChecks.length > 0,
      measured:
        input.invariants === null
          ? 'not checked'
          : `${passedChecks.length} PASS, ${failed.length} FAIL, ${invariants.length - passedChecks.length - failed.length} SKIP` +
            (failed.length > 0 ? ` (${failed.map((f) => f.name).join('; ')})` : ''),
      rule: 'the load harness checks, once Postgres has caught up',
    },
    {
      target: 'offered load served',
      pass: input.servedRate >= SOAK_RULES.servedShare * input.offeredRate && input.overflow === 0,
      measured: `${input.servedRate.toFixed(0)} of ${input.offeredRate.toFixed(0)} req/s after the ramp, overflow ${input.overflow}`,
      rule: `≥ ${SOAK_RULES.servedShare * 100} % of the offered rate, no request left unsent`,
    },
  ];
  return {
    verdicts,
    lag: { overall: input.overallLag, worst },
    queue,
    redis,
    heaps,
    passed: verdicts.every((v) => v.pass),
  };
}
