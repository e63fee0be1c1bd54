import type { Logger } from '../../common/logger.js';
import type { UnitSignals } from '../live/live-metrics.js';
import { decideScale, type AutoscalePolicy } from './autoscale-policy.js';

export interface ScaleDecision {
  at: string;
  from: number;
  to: number;
  reason: string;
}

/** The autoscaler as `GET /admin/status` shows it. */
export interface AutoscalerView {
  enabled: boolean;
  min: number;
  max: number;
  lastDecision: ScaleDecision | null;
  /** The last 20 decisions, newest first. */
  decisions: ScaleDecision[];
  /** The latest evaluation, change or not. */
  lastCheck: { at: string; reason: string } | null;
  policy: AutoscalePolicy;
}

export interface AutoscalerOptions {
  policy: AutoscalePolicy;
  enabled: boolean;
  min: number;
  max: number;
  /** The fleet it steers. */
  fleet: { readonly target: number; setTarget(count: number): void };
  signals(windowMs: number): UnitSignals;
  log: Logger;
}

/**
 * Every `policy.intervalMs`, while enabled, reads the units' signals and moves the fleet's target
 * by `decideScale`; each change is logged and kept with its reason.
 */
export class Autoscaler {
  private enabled: boolean;
  private min: number;
  private max: number;
  private recommendations: Array<{ at: number; desired: number }> = [];
  private readonly decisions: ScaleDecision[] = [];
  private lastCheck: AutoscalerView['lastCheck'] = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AutoscalerOptions) {
    this.enabled = options.enabled;
    this.min = options.min;
    this.max = options.max;
  }

  view(): AutoscalerView {
    return {
      enabled: this.enabled,
      min: this.min,
      max: this.max,
      lastDecision: this.decisions[0] ?? null,
      decisions: [...this.decisions],
      lastCheck: this.lastCheck,
      policy: this.options.policy,
    };
  }

  start(): void {
    if (this.enabled) this.seed();
    this.timer = setInterval(() => this.evaluate(), this.options.policy.intervalMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** Turns it on or off and sets its range; throws RangeError if min > max. */
  configure(settings: { enabled: boolean; min?: number; max?: number }): AutoscalerView {
    const min = settings.min ?? this.min;
    const max = settings.max ?? this.max;
    if (min > max) throw new RangeError(`min (${min}) is above max (${max})`);
    const turnedOn = settings.enabled && !this.enabled;
    this.enabled = settings.enabled;
    this.min = min;
    this.max = max;
    if (turnedOn) this.seed();
    this.options.log.info({ enabled: this.enabled, min, max }, 'autoscaler configured');
    return this.view();
  }

  /**
   * An operator set the count by hand: it counts as a recommendation, so the autoscaler does not
   * undo a scale-up before its scale-down window has passed.
   */
  noteManualScale(count: number): void {
    this.recommendations.push({ at: Date.now(), desired: count });
  }

  /** One decision now (the timer calls this; tests may too). */
  evaluate(now = Date.now()): void {
    if (!this.enabled) return;
    const { fleet, policy } = this.options;
    const from = fleet.target;
    const outcome = decideScale({
      current: from,
      min: this.min,
      max: this.max,
      signals: this.options.signals(policy.signalWindowMs),
      recommendations: this.recommendations,
      now,
      policy,
    });
    this.recommendations = outcome.recommendations;
    this.lastCheck = { at: new Date(now).toISOString(), reason: outcome.reason };
    if (outcome.to === from) {
      this.options.log.debug({ units: from, reason: outcome.reason }, 'autoscaler: no change');
      return;
    }
    const decision = { at: new Date(now).toISOString(), from, to: outcome.to, reason: outcome.reason };
    this.decisions.unshift(decision);
    this.decisions.length = Math.min(this.decisions.length, 20);
    this.options.log.info({ from, to: outcome.to, reason: outcome.reason }, 'autoscaler: scaling');
    fleet.setTarget(outcome.to);
  }

  /** A fresh start: the current count is the window's first recommendation (no scale-down at once). */
  private seed(): void {
    this.recommendations = [{ at: Date.now(), desired: this.options.fleet.target }];
  }
}
