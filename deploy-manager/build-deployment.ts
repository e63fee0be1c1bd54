import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { openDatabase } from '../common/db/postgres.js';
import type { Logger } from '../common/logger.js';
import { gridNames } from '../common/map-names.js';
import { checkRedis, createRedis } from '../common/redis.js';
import { buildAdminServer, type AdminServer } from './admin-server.js';
import { ChildSupervisor, type ChildSpec } from './child-supervisor.js';
import type { DeployConfig } from './dm-config.js';
import { ensureHazelcastJar } from './hazelcast/hazelcast-jar.js';
import { startCluster, type ClusterHandle } from './hazelcast/member-process.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const DIST = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

/** Stop order: the public door first, the data last. */
const STOP_ORDER = ['messaging-grid', 'processing-unit', 'data-pump', 'data-writer', 'data-reader'];

export interface Deployment {
  start(): Promise<void>;
  close(): Promise<void>;
}

async function waitUntil(what: string, url: string, timeoutMs: number, log: Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastNote = Date.now();
  for (;;) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`${what} did not become ready at ${url} within ${timeoutMs / 1000} s`);
    if (Date.now() - lastNote > 5_000) {
      lastNote = Date.now();
      log.info({ url }, `waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The local deployment `npm start` runs: Hazelcast members (unless HZ_MEMBERS names a cluster),
 * the data reader (which warms the grid), the data writer, the data pump, the processing units
 * and the messaging grid, each a supervised child process; plus the admin API. On close it stops
 * them in reverse, waiting for the pump to flush and the writers to drain the queue before the
 * members go, so nothing acknowledged is left behind.
 */
export function buildDeployment(
  config: DeployConfig,
  log: Logger,
  write: (line: string) => void,
): Deployment {
  const supervisor = new ChildSupervisor(log.child({ module: 'supervisor' }), write);
  const adminToken = config.adminToken ?? randomBytes(12).toString('base64url');
  let cluster: ClusterHandle | undefined;
  let admin: AdminServer | undefined;
  let hzMembers = config.hzMembers;

  const commonEnv = (): Record<string, string> => ({
    LOG_LEVEL: config.logLevel,
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
    GRID_NAMESPACE: config.namespace,
    HZ_MEMBERS: hzMembers.join(','),
    HZ_CLUSTER_NAME: config.hzClusterName,
    HOST: config.host,
  });
  const child = (name: string, kind: string, port: number, env: Record<string, string> = {}): ChildSpec => ({
    name,
    kind,
    script: join(DIST, kind, 'main.js'),
    env: { ...commonEnv(), ...env, PORT: String(port) },
    url: `http://${config.host}:${port}`,
    restart: true,
  });
  const unitUrls = Array.from(
    { length: config.units },
    (_, i) => `http://${config.host}:${config.unitBasePort + i}`,
  );

  return {
    async start() {
      // Fail early, with one sentence, if a service the system needs is not there.
      await checkRedis(config.redisUrl);
      const pool = await openDatabase(config.databaseUrl, log);
      await pool.end();

      if (hzMembers.length === 0) {
        const jarPath = await ensureHazelcastJar({ cacheDir: join(REPO, '.cache', 'hazelcast'), log });
        cluster = await startCluster({
          jarPath,
          clusterName: config.hzClusterName,
          basePort: config.hzBasePort,
          count: config.hzMemberCount,
          heapMb: config.hzHeapMb,
          logDir: join(REPO, '.cache', 'hazelcast', 'logs'),
          log,
        });
        hzMembers = cluster.addresses;
      }

      const reader = child('data-reader', 'data-reader', config.readerPort);
      supervisor.start(reader);
      await waitUntil('the data reader to warm the grid', `${reader.url}/readyz`, 600_000, log);
      supervisor.markRunning(reader.name);
      for (const spec of [
        child('data-writer', 'data-writer', config.writerPort),
        child('data-pump', 'data-pump', config.pumpPort),
      ]) {
        supervisor.start(spec);
        await waitUntil(spec.name, `${spec.url}/healthz`, 60_000, log);
        supervisor.markRunning(spec.name);
      }
      const units = unitUrls.map((_, i) =>
        child(`unit-${config.unitBasePort + i}`, 'processing-unit', config.unitBasePort + i),
      );
      for (const spec of units) supervisor.start(spec);
      for (const spec of units) {
        await waitUntil(spec.name, `${spec.url}/readyz`, 60_000, log);
        supervisor.markRunning(spec.name);
      }
      const grid = child('grid', 'messaging-grid', config.port, {
        UNIT_URLS: unitUrls.join(','),
        ADMIN_TOKEN: adminToken,
      });
      supervisor.start(grid);
      await waitUntil('the messaging grid', `${grid.url}/readyz`, 60_000, log);
      supervisor.markRunning(grid.name);

      admin = buildAdminServer({
        host: config.host,
        port: config.adminPort,
        token: adminToken,
        supervisor,
        log,
      });
      await admin.start();
      write(
        [
          '',
          'spacegrid is running',
          `  API (messaging grid)   ${grid.url}`,
          `  units                  ${unitUrls.join('  ')}`,
          `  admin                  http://${config.host}:${config.adminPort}/admin/status  (Authorization: Bearer ${adminToken})`,
          `  Hazelcast members      ${hzMembers.join('  ')}${cluster ? '' : ' (external)'}`,
          `  Postgres               ${config.databaseUrl}`,
          `  Redis                  ${config.redisUrl}`,
          '  try: curl -s localhost:8080/readyz ; Ctrl-C stops everything',
          '',
        ].join('\n'),
      );
    },

    async close() {
      await admin?.close();
      // Grid and units stop taking work and finish what they hold; the pump flushes outboxes.
      await supervisor.stopAll(['messaging-grid', 'processing-unit', 'data-pump']);
      await drainQueue(config, log);
      await supervisor.stopAll(STOP_ORDER);
      await cluster?.stop();
      log.info('everything stopped');
    },
  };
}

/** Waits (bounded) until the writers have written every queued change to Postgres. */
async function drainQueue(config: DeployConfig, log: Logger): Promise<void> {
  const queue = new Queue(gridNames(config.namespace).changeQueue, {
    connection: createRedis(config.redisUrl, { offline: 'fail' }),
  });
  queue.on('error', () => undefined);
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      const pending = Object.values(counts).reduce((a, b) => a + b, 0);
      if (pending === 0) return;
      if (Date.now() > deadline) {
        log.warn(
          { pending },
          'the change queue did not drain in time: the writers will finish it next start',
        );
        return;
      }
      log.info({ pending }, 'waiting for the data writers to drain the change queue');
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (err) {
    log.warn({ err }, 'cannot see the change queue: stopping the writers anyway');
  } finally {
    await queue.close().catch(() => undefined);
  }
}
