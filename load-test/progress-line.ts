import type { TimePoint } from './metrics-recorder.js';

export interface ProgressState {
  point: TimePoint;
  durationMs: number;
  inFlight: number;
  totalErrors: number;
}

const pad = (value: string, width: number): string => value.padStart(width);

/** The line printed every second on stderr: time, rate, p99, outcomes, in-flight. */
export function formatProgress({ point, durationMs, inFlight, totalErrors }: ProgressState): string {
  const rate = point.intervalMs > 0 ? Math.round((point.completed * 1000) / point.intervalMs) : 0;
  return [
    `${pad((point.atMs / 1000).toFixed(0), 4)}/${(durationMs / 1000).toFixed(0)}s`,
    `${pad(String(rate), 7)} req/s`,
    `p99 ${pad(point.p99.toFixed(2), 8)} ms`,
    `ok ${point.ok}`,
    `rejected ${point.rejected}`,
    `errors ${point.errors + point.overflow} (total ${totalErrors})`,
    `in-flight ${inFlight}`,
  ].join('  ');
}
