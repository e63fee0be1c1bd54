/**
 * A signal that SIGINT or SIGTERM aborts: a benchmark's main passes it down, so Ctrl-C ends the
 * run between steps and the main still stops what it started (spacegrid, reference servers)
 * instead of leaving them running.
 */
export function stopOnSignals(): AbortSignal {
  const stop = new AbortController();
  process.on('SIGINT', () => stop.abort());
  process.on('SIGTERM', () => stop.abort());
  return stop.signal;
}
