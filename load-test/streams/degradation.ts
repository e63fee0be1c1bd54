/** One step of the watcher ramp: the bidding war's figures with `watchers` watching. */
export interface RampStep {
  watchers: number;
  /** Bid requests completed per second (accepted or outbid). */
  bidRate: number;
  /** Accepted bids per second: the messages each watcher gets per second. */
  acceptedRate: number;
  bidP99Ms: number;
  /** Bid requests that failed (5xx, 429, network, timeout, overflow); outbid (409) is not a failure. */
  bidErrors: number;
  /** Commit → watcher, ms (0 with no watchers). */
  deliveryP50Ms: number;
  deliveryP99Ms: number;
  delivered: number;
  expected: number;
  /** Watchers that failed to open, were cut off, or saw a gap, duplicate or resync. */
  watcherFailures: number;
}

/** When the grid counts as degraded. */
export interface DegradationLimits {
  /** p99 from commit to watcher above this. Default 1,000 ms. */
  maxDeliveryP99Ms: number;
  /** p99 of the bids themselves above this. Default 1,000 ms. */
  maxBidP99Ms: number;
  /** Bid requests/s below (1 - this) × the rate with no watchers. Default 0.2. */
  maxRateDrop: number;
}

export const DEFAULT_DEGRADATION_LIMITS: Readonly<DegradationLimits> = Object.freeze({
  maxDeliveryP99Ms: 1_000,
  maxBidP99Ms: 1_000,
  maxRateDrop: 0.2,
});

/**
 * Why `step` counts as degraded (empty: it does not): a watcher or a bidder waits past a bound at
 * p99, the bidders' throughput falls by more than `maxRateDrop` against `baseline` (the same war
 * with no watcher), or anything is lost: a bid fails, a message is not delivered, a watcher is
 * cut off or sees a gap. Lost or failed work degrades at any count; latency is what moves first.
 */
export function degradationReasons(
  step: RampStep,
  baseline: RampStep | undefined,
  limits: DegradationLimits = DEFAULT_DEGRADATION_LIMITS,
): string[] {
  const reasons: string[] = [];
  if (step.watchers > 0 && step.deliveryP99Ms > limits.maxDeliveryP99Ms)
    reasons.push(`delivery p99 ${step.deliveryP99Ms} ms > ${limits.maxDeliveryP99Ms} ms`);
  if (step.bidP99Ms > limits.maxBidP99Ms)
    reasons.push(`bid p99 ${step.bidP99Ms} ms > ${limits.maxBidP99Ms} ms`);
  if (baseline !== undefined && baseline.bidRate > 0) {
    const drop = 1 - step.bidRate / baseline.bidRate;
    if (drop > limits.maxRateDrop)
      reasons.push(
        `bid rate ${step.bidRate}/s is ${Math.round(drop * 100)} % below ${baseline.bidRate}/s with no watcher`,
      );
  }
  if (step.bidErrors > 0) reasons.push(`${step.bidErrors} bid(s) failed`);
  if (step.delivered < step.expected)
    reasons.push(`${step.expected - step.delivered} message(s) not delivered`);
  if (step.watcherFailures > 0)
    reasons.push(`${step.watcherFailures} watcher(s) failed, cut off or saw a gap`);
  return reasons;
}

/** The largest watcher count of the ramp (in order) before the first degraded step; undefined if the first is. */
export function lastGoodWatchers(
  steps: ReadonlyArray<RampStep & { degraded: string[] }>,
): number | undefined {
  let last: number | undefined;
  for (const step of steps) {
    if (step.degraded.length > 0) break;
    last = step.watchers;
  }
  return last;
}
