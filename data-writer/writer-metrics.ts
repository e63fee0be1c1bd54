import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What an operator watches on a data writer: records written, batch sizes, lag, the repair queue. */
export function createWriterMetrics(
  registry: Registry,
  repairs: () => { repairs: number; heldBack: number },
) {
  new Gauge({
    name: 'spacegrid_writer_repairs',
    help: 'Changes the writer could not store, waiting for repair (GET /admin/repairs)',
    registers: [registry],
    collect() {
      this.set(repairs().repairs);
    },
  });
  new Gauge({
    name: 'spacegrid_writer_held_back_changes',
    help: 'Later changes waiting behind a change of their key that is in repair',
    registers: [registry],
    collect() {
      this.set(repairs().heldBack);
    },
  });
  return {
    written: new Counter({
      name: 'spacegrid_writer_records_total',
      help: 'Change records written to Postgres',
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'spacegrid_writer_rejected_jobs_total',
      help: 'Change jobs refused as malformed',
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'spacegrid_writer_batch_records',
      help: 'Change records per transaction',
      buckets: [1, 5, 10, 50, 100, 250, 500],
      registers: [registry],
    }),
    lag: new Histogram({
      name: 'spacegrid_writer_lag_seconds',
      help: 'From commit in the grid to commit in Postgres',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
  };
}
