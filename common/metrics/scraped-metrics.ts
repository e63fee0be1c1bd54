/**
 * The metrics the deploy manager reads from the other processes' `/metrics` (the dashboard's and
 * the autoscaler's figures). Their names and labels are a contract with the parts that export
 * them: `test/observability.test.ts` checks these against the parts' own registries.
 */
export const SCRAPED_METRICS = {
  /** Messaging grid counter, labels `status_code` and `unit` (the unit's URL; `none`: the grid itself). */
  gridRequests: 'spacegrid_grid_requests_total',
  /** Messaging grid histogram, label `unit`. */
  gridLatency: 'spacegrid_grid_request_duration_seconds',
  /** Messaging grid gauge. */
  gridInFlight: 'spacegrid_grid_requests_in_flight',
  /** Processing unit gauge, 0..1. */
  unitUtilization: 'spacegrid_event_loop_utilization_ratio',
  /** Processing unit gauge. */
  unitPending: 'spacegrid_commands_pending',
  /** Data writer histogram. */
  writerLag: 'spacegrid_writer_lag_seconds',
  /** Processing unit gauge, label `stream`. */
  unitWatchers: 'spacegrid_stream_watchers',
  /** Processing unit counter, label `stream`. */
  unitWatchersDropped: 'spacegrid_stream_watchers_dropped_total',
  /** Processing unit counter, label `outcome`. */
  unitBaskets: 'spacegrid_baskets_total',
} as const;
