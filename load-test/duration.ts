const UNIT_MS: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration such as `10s`, `250ms`, `1.5s`, `2m` into milliseconds. A bare number takes
 * `bareUnit` (seconds for run lengths, milliseconds for latency limits).
 */
export function parseDuration(text: string, bareUnit: 'ms' | 's' = 's'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|m|h)?\s*$/.exec(text);
  if (!match) {
    throw new RangeError(`not a duration: "${text}" (use e.g. 10s, 250ms, 2m)`);
  }
  const value = Number(match[1]);
  const unit = UNIT_MS[match[2] ?? bareUnit] ?? 1;
  return value * unit;
}
