/**
 * When each request of the open model is meant to be sent, as an offset in milliseconds from the
 * start of the run. The rate rises linearly from 0 to `rate` over `rampMs`, then stays constant:
 * the number of arrivals by time t is N(t) = r·t²/(2·ramp) during the ramp and
 * r·ramp/2 + r·(t − ramp) after it, and request i is due when N(t) = i.
 */
export interface ArrivalSchedule {
  /** Requests per second once the ramp is over. */
  readonly rate: number;
  readonly rampMs: number;
  /** The intended send time of request `index` (0-based), in ms from the start. */
  offsetMs(index: number): number;
  /** How many requests are due at or before `offsetMs`. */
  countUntil(offsetMs: number): number;
}

export function arrivalSchedule(rate: number, rampMs = 0): ArrivalSchedule {
  if (!(rate > 0)) throw new RangeError(`rate must be > 0, got ${rate}`);
  if (!(rampMs >= 0)) throw new RangeError(`ramp must be >= 0, got ${rampMs}`);
  const perMs = rate / 1000;
  const rampArrivals = (perMs * rampMs) / 2;
  return {
    rate,
    rampMs,
    offsetMs(index: number): number {
      if (index < rampArrivals) return Math.sqrt((2 * rampMs * index) / perMs);
      return rampMs + (index - rampArrivals) / perMs;
    },
    countUntil(offsetMs: number): number {
      if (offsetMs < 0) return 0;
      const arrivals =
        offsetMs < rampMs
          ? (perMs * offsetMs * offsetMs) / (2 * rampMs)
          : rampArrivals + perMs * (offsetMs - rampMs);
      // A tiny epsilon so that float rounding never loses the arrival that falls exactly on offsetMs.
      return Math.floor(arrivals + 1e-9) + 1;
    },
  };
}
