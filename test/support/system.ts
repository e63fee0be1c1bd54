import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type pg from 'pg';
import { inject } from 'vitest';
import { createPool } from '../../common/db/postgres.js';
import { createRootLogger, type Logger } from '../../common/logger.js';
import { gridNames } from '../../common/map-names.js';
import { createRedis } from '../../common/redis.js';
import { buildPump, type DataPump } from '../../data-pump/build-pump.js';
import { buildReader, type DataReader } from '../../data-reader/build-reader.js';
import { buildWriter, type DataWriter } from '../../data-writer/build-writer.js';
import { buildGrid, type Grid } from '../../messaging-grid/build-grid.js';
import { buildUnit, type Unit } from '../../processing-unit/build-unit.js';
import { BASKET_DEFAULTS, type BasketSettings } from '../../processing-unit/unit-config.js';
import { recordTestName } from './test-data.js';
import { databaseUrl, TEST_REDIS_URL } from './test-env.js';

export interface SystemOptions {
  units?: number;
  /** Hazelcast members; default: the cluster of the test run. */
  hzMembers?: string[];
  hzClusterName?: string;
  /** Reuse a namespace and database (to restart a system on the same data). */
  namespace?: string;
  redisUrl?: string;
  /** Postgres database of the system; default: one of its own on the tests' server. */
  databaseUrl?: string;
  writer?: boolean;
  sweepIntervalMs?: number;
  /** The messaging grid's MAX_IN_FLIGHT (default 50,000). */
  gridMaxInFlight?: number;
  /** How long closed holds stay in the grid once stored (default an hour, as the pump's). */
  closedHoldRetentionMs?: number;
  idempotencyTtlSeconds?: number;
  /** The units' write-behind backpressure bound (default: the units' own defaults). */
  writeBehindBound?: { maxEntries: number; maxAgeMs: number };
  /** The units' basket settings (default: the units' own defaults). */
  baskets?: Partial<BasketSettings>;
}

export interface TestSystem {
  namespace: string;
  databaseUrl: string;
  redisUrl: string;
  hzMembers: string[];
  hzClusterName: string;
  units: Unit[];
  unitUrls: string[];
  /** The messaging grid in front of the units: the public entry point. */
  grid: Grid;
  gridUrl: string;
  pump: DataPump;
  writer: DataWriter | undefined;
  reader: DataReader;
  /** A pool on the system's own database, for assertions. */
  db: pg.Pool;
  log: Logger;
  /** Waits until every change on the queue has been written (bounded). */
  drained(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A fresh name for a namespace or database, removed with its data at the end of the run (test-data.ts). */
export function uniqueName(prefix: string): string {
  const name = `${prefix}${randomBytes(4).toString('hex')}`;
  recordTestName(name);
  return name;
}

export const testLogger = (): Logger => createRootLogger({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });

/**
 * A whole spacegrid in this process (units, pump, writer, reader) on real Hazelcast, Redis and
 * Postgres, isolated by a namespace (maps and queue) and a database of its own.
 */
export async function startSystem(options: SystemOptions = {}): Promise<TestSystem> {
  const namespace = options.namespace ?? uniqueName('t');
  const dbUrl = options.databaseUrl ?? databaseUrl(`spacegrid_${namespace}`);
  const redisUrl = options.redisUrl ?? TEST_REDIS_URL;
  const hzMembers = options.hzMembers ?? inject('hzMembers');
  const hzClusterName = options.hzClusterName ?? inject('hzClusterName');
  const log = testLogger();
  const common = { hzMembers, hzClusterName, namespace, host: '127.0.0.1', port: 0 };

  const reader = buildReader({ ...common, databaseUrl: dbUrl, redisUrl, checkIntervalMs: 200 }, log);
  await reader.start();
  const writer =
    options.writer === false
      ? undefined
      : buildWriter(
          {
            port: 0,
            host: '127.0.0.1',
            databaseUrl: dbUrl,
            redisUrl,
            namespace,
            concurrency: 128,
            maxBatch: 500,
            statementTimeoutMs: 15_000,
            adminToken: undefined,
          },
          log,
        );
  await writer?.start();
  const pump = buildPump(
    {
      ...common,
      redisUrl,
      sweepIntervalMs: 200,
      confirmIntervalMs: 50,
      lingerMs: 20,
      staleMs: 500,
      closedHoldRetentionMs: options.closedHoldRetentionMs ?? 3_600_000,
      janitorIntervalMs: 500,
    },
    log,
  );
  await pump.start();
  const units: Unit[] = [];
  for (let i = 0; i < (options.units ?? 2); i += 1) {
    const unit = buildUnit(
      {
        ...common,
        unitId: `${namespace}-unit-${i}`,
        idempotencyTtlSeconds: options.idempotencyTtlSeconds ?? 3600,
        readerUrl: reader.url,
        sweepIntervalMs: options.sweepIntervalMs ?? 200,
        maxInFlight: 50_000,
        maxBatch: 1000,
        writeBehindBound: options.writeBehindBound ?? { maxEntries: 1000, maxAgeMs: 60_000 },
        baskets: { ...BASKET_DEFAULTS, ...options.baskets },
      },
      log,
    );
    await unit.start();
    units.push(unit);
  }
  await reader.whenWarm();
  await waitFor(() => units.every((u) => u.ready), 10_000, 'units ready');
  const grid = buildGrid(
    {
      port: 0,
      host: '127.0.0.1',
      unitUrls: units.map((u) => u.url),
      healthIntervalMs: 100,
      healthTimeoutMs: 2_000,
      maxInFlight: options.gridMaxInFlight ?? 50_000,
      requestTimeoutMs: 30_000,
      unitConnections: 64,
      adminPort: 0,
      adminHost: '127.0.0.1',
      adminToken: undefined,
    },
    log,
  );
  await grid.start();
  await waitFor(
    () =>
      fetch(`${grid.url}/readyz`).then(
        (r) => r.ok,
        () => false,
      ),
    10_000,
    'messaging grid ready',
  );
  const db = createPool(dbUrl, 4);
  const queue = new Queue(gridNames(namespace).changeQueue, { connection: createRedis(redisUrl) });

  const system: TestSystem = {
    namespace,
    databaseUrl: dbUrl,
    redisUrl,
    hzMembers,
    hzClusterName,
    units,
    unitUrls: units.map((u) => u.url),
    grid,
    gridUrl: grid.url,
    pump,
    writer,
    reader,
    db,
    log,
    async drained(timeoutMs = 30_000) {
      await waitFor(
        async () => {
          const stats = pump.stats;
          if (!stats || stats.dirtyKeys > 0) return false;
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
          return Object.values(counts).every((n) => n === 0);
        },
        timeoutMs,
        'change queue drained',
      );
    },
    async close() {
      await grid.close();
      for (const unit of units) await unit.close();
      await pump.close();
      // Without a writer of its own nothing drains: do not wait for it.
      if (writer) await system.drained().catch(() => undefined);
      await writer?.close();
      await reader.close();
      await queue.close();
      await db.end();
    },
  };
  return system;
}

/** Polls a condition until it holds, or fails after `timeoutMs` saying what it waited for. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
