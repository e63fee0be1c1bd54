/**
 * The autoscaler's rules, as plain functions over plain data (the clock passed in). Modelled on
 * the Kubernetes Horizontal Pod Autoscaler: desired = ceil(current × signal / target) for each
 * signal, the largest wins; no change inside a tolerance band; scale-up at once (at most
 * `maxStepUp` units a decision); scale-down only to the highest recommendation of the last
 * `scaleDownWindowMs` (the stabilization window), so a dip in load does not flap the fleet.
 */

export interface AutoscalePolicy {
  /** How often a decision is taken. */
  intervalMs: number;
  /** The signals are averaged over this window before each decision. */
  signalWindowMs: number;
  /** Mean event-loop utilization per unit that the autoscaler aims at (0..1). */
  targetUtilization: number;
  /** Requests in flight at the messaging grid per unit (queued in front of units or inside them) that it aims at. */
  targetInFlightPerUnit: number;
  /** No change while every signal is within this ratio of its target (0.1: ±10 %). */
  tolerance: number;
  /** A scale-down goes only as low as the highest recommendation of this window. */
  scaleDownWindowMs: number;
  /** Units added by one decision, at most. */
  maxStepUp: number;
}

export const DEFAULT_POLICY: AutoscalePolicy = Object.freeze({
  intervalMs: 10_000,
  signalWindowMs: 5_000,
  targetUtilization: 0.6,
  targetInFlightPerUnit: 200,
  tolerance: 0.1,
  scaleDownWindowMs: 300_000,
  maxStepUp: 4,
});

export interface AutoscaleInput {
  /** Units the fleet is aiming at now. */
  current: number;
  min: number;
  max: number;
  /** Units that reported figures in the window, their mean utilization, requests in flight at the grid. */
  signals: { reporting: number; utilization: number | null; inFlight: number | null };
  /** Earlier recommendations (epoch ms, desired count), oldest first. */
  recommendations: ReadonlyArray<{ at: number; desired: number }>;
  now: number;
  policy: AutoscalePolicy;
}

export interface AutoscaleOutcome {
  /** The unit count to aim at (equal to `current`: no change). */
  to: number;
  /** Why, in words for an operator. */
  reason: string;
  /** The recommendations to keep for the next decision (those inside the window, this one included). */
  recommendations: Array<{ at: number; desired: number }>;
}

const pct = (ratio: number): string => `${Math.round(ratio * 100)} %`;

/** One decision. */
export function decideScale(input: AutoscaleInput): AutoscaleOutcome {
  const { current, min, max, signals, now, policy } = input;
  const kept = input.recommendations.filter((r) => now - r.at < policy.scaleDownWindowMs);
  const clamp = (n: number) => Math.min(max, Math.max(min, n));

  if (current < min || current > max) {
    const to = clamp(current);
    return {
      to,
      reason: `${current} units is outside the autoscaler's range ${min}..${max}`,
      recommendations: [...kept, { at: now, desired: to }],
    };
  }
  if (signals.reporting === 0 || signals.utilization === null) {
    return { to: current, reason: 'no unit reported its load: no change', recommendations: kept };
  }

  const utilizationRatio = signals.utilization / policy.targetUtilization;
  const inFlightRatio =
    signals.inFlight === null ? 0 : signals.inFlight / (policy.targetInFlightPerUnit * signals.reporting);
  const byRatio = (ratio: number) =>
    Math.abs(ratio - 1) <= policy.tolerance + 1e-9 ? current : Math.max(1, Math.ceil(current * ratio));
  const byUtilization = byRatio(utilizationRatio);
  const byInFlight = byRatio(inFlightRatio);
  const wanted = clamp(Math.max(byUtilization, byInFlight));
  const recommendations = [...kept, { at: now, desired: wanted }];
  const figures =
    `event-loop utilization ${signals.utilization.toFixed(2)} (target ${policy.targetUtilization.toFixed(2)}, ` +
    `${pct(utilizationRatio)} of it) and ${Math.round(signals.inFlight ?? 0)} requests in flight ` +
    `(target ${policy.targetInFlightPerUnit} a unit, ${pct(inFlightRatio)} of it) over ${signals.reporting} unit${signals.reporting === 1 ? '' : 's'}`;

  if (wanted > current) {
    const to = Math.min(wanted, current + policy.maxStepUp);
    const driver = byUtilization >= byInFlight ? 'utilization' : 'requests in flight';
    return {
      to,
      reason:
        `${figures}: ${driver} above target beyond the ${pct(policy.tolerance)} tolerance, scaling up` +
        (to < wanted ? ` by at most ${policy.maxStepUp} at once (${wanted} wanted)` : ''),
      recommendations,
    };
  }
  // Down only as far as the highest recommendation of the window allows.
  const stable = Math.max(...recommendations.map((r) => r.desired));
  if (stable < current) {
    return {
      to: stable,
      reason: `${figures}: below target for the whole ${Math.round(policy.scaleDownWindowMs / 1000)} s window, scaling down`,
      recommendations,
    };
  }
  const why =
    wanted === current
      ? 'within tolerance'
      : `${wanted} would do, but the last ${Math.round(policy.scaleDownWindowMs / 1000)} s wanted up to ${stable}`;
  return { to: current, reason: `${figures}: ${why}, no change`, recommendations };
}
