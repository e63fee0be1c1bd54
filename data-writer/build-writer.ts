import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { AddressInfo } from 'node:net';
import { Value } from '@sinclair/typebox/value';
import { ChangeRecordSchema, type ChangeRecord } from '../common/change-record.js';
import { openDatabase, type Pool } from '../common/db/postgres.js';
import { closeGracefully, createHttpServer } from '../common/http-server.js';
import type { Logger } from '../common/logger.js';
import { gridNames } from '../common/map-names.js';
import { createRegistry, registerOpsRoutes } from '../common/ops-routes.js';
import { checkRedis, createRedis } from '../common/redis.js';
import { ChangeStore } from './change-store.js';
import { changeWorkerOptions } from './change-worker-options.js';
import { RepairDesk } from './repair-desk.js';
import { registerRepairRoutes } from './repair-routes.js';
import type { WriterConfig } from './writer-config.js';
import { createWriterMetrics } from './writer-metrics.js';
import { WriteBatcher } from './write-batcher.js';

export interface DataWriter {
  start(): Promise<void>;
  close(): Promise<void>;
  readonly url: string;
}

/** A data writer: BullMQ workers that write change records to Postgres, in batched transactions. */
export function buildWriter(config: WriterConfig, rootLog: Logger): DataWriter {
  const log = rootLog.child({ part: 'data-writer' });
  const registry = createRegistry('data-writer');
  const repairCounts = { repairs: 0, heldBack: 0 };
  const { written, rejected, batchSize, lag } = createWriterMetrics(registry, () => repairCounts);
  const app = createHttpServer({ log });
  let pool: Pool | undefined;
  let countTimer: NodeJS.Timeout | undefined;
  let closed: Promise<void> | undefined;
  /** When the batch being written started: one stuck past twice the statement timeout makes the writer not ready. */
  let writingSince: number | undefined;
  let worker: Worker | undefined;
  let batcher: WriteBatcher | undefined;
  let url = '';
  /** Why the last write could not be done (a transient failure: Postgres down, a timeout); undefined once one succeeds. */
  let writeFailure: string | undefined;

  return {
    get url() {
      return url;
    },

    async start() {
      await checkRedis(config.redisUrl);
      pool = await openDatabase(config.databaseUrl, log, 4, {
        statementTimeoutMs: config.statementTimeoutMs,
      });
      const store = new ChangeStore(pool, log.child({ module: 'change-store' }));
      const repairs = new RepairDesk(pool, log.child({ module: 'repair-desk' }));
      const refreshCounts = () =>
        repairs.counts().then(
          (counts) => Object.assign(repairCounts, counts),
          () => undefined,
        );
      await refreshCounts();
      countTimer = setInterval(() => void refreshCounts(), 2_000);
      countTimer.unref();
      batcher = new WriteBatcher({
        maxBatch: config.maxBatch,
        write: async (records) => {
          writingSince = Date.now();
          try {
            const outcome = await store.write(records);
            if (writeFailure !== undefined) log.info('writes go through again: writing the backlog');
            writeFailure = undefined;
            if (outcome.repaired > 0 || outcome.heldBack > 0) void refreshCounts();
            const now = Date.now();
            for (const record of records) lag.observe((now - record.at) / 1000);
            written.inc(outcome.written);
          } catch (err) {
            if (writeFailure === undefined)
              log.warn({ err }, 'cannot write to Postgres: jobs will be retried');
            writeFailure = err instanceof Error ? err.message : String(err);
            throw err;
          } finally {
            writingSince = undefined;
          }
        },
        onBatch: (size) => batchSize.observe(size),
      });
      const parked = batcher;
      worker = new Worker(
        gridNames(config.namespace).changeQueue,
        async (job: Job) => {
          if (!Value.Check(ChangeRecordSchema, job.data)) {
            rejected.inc();
            log.error(
              { jobId: job.id, problems: [...Value.Errors(ChangeRecordSchema, job.data)].slice(0, 3) },
              'malformed change job',
            );
            throw new UnrecoverableError('malformed change record');
          }
          await parked.add(job.data as ChangeRecord);
        },
        changeWorkerOptions(createRedis(config.redisUrl), config.concurrency),
      );
      let lastErrorLog = 0;
      worker.on('error', (err) => {
        // A Redis outage makes every connection and job fail at once: say it once per few seconds.
        if (Date.now() - lastErrorLog < 5_000) return;
        lastErrorLog = Date.now();
        log.warn(
          { err: { message: err.message } },
          'change queue worker error (Redis unreachable or restarted?)',
        );
      });
      const stuckAfterMs = config.statementTimeoutMs * 2;
      registerOpsRoutes(app, registry, () => {
        if (writeFailure !== undefined)
          return { ready: false, reason: `writes to Postgres fail and are retried: ${writeFailure}` };
        if (writingSince !== undefined && Date.now() - writingSince > stuckAfterMs)
          return { ready: false, reason: `a write has been running for more than ${stuckAfterMs / 1000} s` };
        return { ready: true };
      });
      registerRepairRoutes(app, repairs, config.adminToken);
      await app.listen({ port: config.port, host: config.host });
      url = `http://${config.host}:${(app.server.address() as AddressInfo).port}`;
      log.info({ url, queue: gridNames(config.namespace).changeQueue }, 'data writer running');
    },

    close() {
      // Closing twice (a test that stopped the writer, then the whole system) is one close.
      closed ??= (async () => {
        await closeGracefully(app);
        // Stop taking jobs; the ones in hand finish (their batch commits) before the worker closes.
        const closing = worker?.close();
        await batcher?.flush();
        await closing;
        clearInterval(countTimer);
        await pool?.end();
        log.info('data writer stopped');
      })();
      return closed;
    },
  };
}
