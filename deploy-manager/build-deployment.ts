import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { openDatabase } from '../common/db/postgres.js';
import type { Logger } from '../common/logger.js';
import { gridNames } from '../common/map-names.js';
import { checkRedis, createRedis } from '../common/redis.js';
import { buildAdminServer, type AdminServer } from './admin-server.js';
import { Autoscaler } from './autoscaler/autoscaler.js';
import { ChildSupervisor, type ChildSpec } from './child-supervisor.js';
import type { DeployConfig } from './dm-config.js';
import { GridAdminClient } from './grid-admin-client.js';
import { ExternalMembers } from './hazelcast/external-members.js';
import { ensureHazelcastJar } from './hazelcast/hazelcast-jar.js';
import { MemberSupervisor } from './hazelcast/member-supervisor.js';
import { LiveMetrics } from './live/live-metrics.js';
import { asIs, formatLogLine } from './log-lines.js';
import { notReadyReason } from './readiness-probe.js';
import { UnitFleet } from './unit-fleet.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const DIST = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

/** Stop order: the public door first, the data last. */
const STOP_ORDER = ['messaging-grid', 'processing-unit', 'data-pump', 'data-writer', 'data-reader'];

export interface Deployment {
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Where every process but the messaging grid listens. */
const LOOPBACK = '127.0.0.1';

async function waitUntil(what: string, url: string, timeoutMs: number, log: Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastNote = Date.now();
  for (;;) {
    // Not ready yet: what the process says is missing, for the operator watching the start.
    const why = await notReadyReason(url);
    if (why === undefined) return;
    if (Date.now() > deadline)
      throw new Error(`${what} did not become ready at ${url} within ${timeoutMs / 1000} s: ${why}`);
    if (Date.now() - lastNote > 5_000) {
      lastNote = Date.now();
      log.info({ url, reason: why }, `waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The local deployment `npm start` runs: Hazelcast members (unless HZ_MEMBERS names a cluster),
 * kept running by a member supervisor; the data reader (which warms the grid), the data writer,
 * the data pump, the processing units (a fleet scaled by hand or by the autoscaler) and the
 * messaging grid, each a supervised child process; plus the admin API and dashboard. On close
 * it stops them in reverse, waiting for the pump to flush and the writers to drain the queue
 * before the members go, so nothing acknowledged is left behind.
 */
export function buildDeployment(
  config: DeployConfig,
  log: Logger,
  write: (line: string) => void,
): Deployment {
  const supervisor = new ChildSupervisor(
    log.child({ module: 'supervisor' }),
    write,
    config.logFormat === 'json' ? asIs : formatLogLine,
  );
  const adminToken = config.adminToken ?? randomBytes(12).toString('base64url');
  let members: MemberSupervisor | ExternalMembers | undefined;
  let admin: AdminServer | undefined;
  let live: LiveMetrics | undefined;
  let autoscaler: Autoscaler | undefined;
  let queue: Queue | undefined;
  let hzMembers = config.hzMembers;
  let gridUrl: string | undefined;

  const commonEnv = (): Record<string, string> => ({
    LOG_LEVEL: config.logLevel,
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
    GRID_NAMESPACE: config.namespace,
    HZ_MEMBERS: hzMembers.join(','),
    HZ_CLUSTER_NAME: config.hzClusterName,
  });
  // Only the messaging grid listens on `HOST`: every other process is reached by the grid and by
  // this manager on this machine, and some of their routes are not for clients (a unit without the
  // grid's limits in front of it, the reader's restores, the writer's repairs).
  const child = (
    name: string,
    kind: string,
    port: number,
    env: Record<string, string> = {},
    host = LOOPBACK,
  ): ChildSpec => ({
    name,
    kind,
    script: join(DIST, kind, 'main.js'),
    env: { ...commonEnv(), ...env, HOST: host, PORT: String(port) },
    url: `http://${host}:${port}`,
    restart: true,
  });
  const fleet = new UnitFleet({
    supervisor,
    spec: (slot) =>
      child(`unit-${slot}`, 'processing-unit', config.unitBasePort + slot - 1, {
        UNIT_ID: `unit-${slot}`,
        READER_URL: `http://${LOOPBACK}:${config.readerPort}`,
      }),
    readyTimeoutMs: config.unitReadyTimeoutMs,
    log: log.child({ module: 'unit-fleet' }),
  });
  const writerUrl = `http://${LOOPBACK}:${config.writerPort}`;

  return {
    async start() {
      // Fail early, with one sentence, if a service the system needs is not there.
      await checkRedis(config.redisUrl);
      const pool = await openDatabase(config.databaseUrl, log);
      await pool.end();
      const changeQueue = new Queue(gridNames(config.namespace).changeQueue, {
        connection: createRedis(config.redisUrl, { offline: 'fail' }),
      });
      changeQueue.on('error', () => undefined);
      queue = changeQueue;

      if (hzMembers.length === 0) {
        const jarPath = await ensureHazelcastJar({ cacheDir: join(REPO, '.cache', 'hazelcast'), log });
        const own = new MemberSupervisor({
          jarPath,
          clusterName: config.hzClusterName,
          basePort: config.hzBasePort,
          count: config.hzMemberCount,
          heapMb: config.hzHeapMb,
          logDir: join(REPO, '.cache', 'hazelcast', 'logs'),
          log: log.child({ module: 'members' }),
        });
        members = own;
        await own.start();
        hzMembers = own.addresses;
      } else {
        const external = new ExternalMembers(hzMembers);
        members = external;
        external.start();
      }

      // The reader warms the grid only from a complete Postgres: the writers must first store
      // whatever is still queued, so they start before the reader's warm-up is waited for.
      const reader = child('data-reader', 'data-reader', config.readerPort);
      const writer = child('data-writer', 'data-writer', config.writerPort, { ADMIN_TOKEN: adminToken });
      supervisor.start(reader);
      supervisor.start(writer);
      await waitUntil(writer.name, `${writer.url}/healthz`, 60_000, log);
      supervisor.markRunning(writer.name);

      // The operator's API and dashboard come up now, not once everything runs: the reader warms the
      // grid only from a complete Postgres, so changes waiting for repair hold the start until they
      // are retried or discarded, and that is done through this API (`/admin/repairs`).
      const sampler = new LiveMetrics({
        gridUrl: () => gridUrl,
        units: () => fleet.running,
        readyUnits: () => fleet.readyCount,
        writerUrl,
        queueDepth: () => pendingChanges(changeQueue),
        log: log.child({ module: 'live-metrics' }),
      });
      live = sampler;
      const scaler = new Autoscaler({
        ...config.autoscaler,
        fleet,
        signals: (windowMs) => sampler.signals(windowMs),
        log: log.child({ module: 'autoscaler' }),
      });
      autoscaler = scaler;
      const owned = members;
      let running = false;
      admin = buildAdminServer({
        host: config.adminHost,
        port: config.adminPort,
        token: adminToken,
        supervisor,
        fleet,
        autoscaler: scaler,
        live: sampler,
        members: () => owned.statuses(),
        cluster: () => owned.cluster(),
        writerUrl,
        starting: () => !running,
        log,
      });
      await admin.start();
      const adminUrl = `http://${config.adminHost}:${config.adminPort}`;
      write(`spacegrid is starting: admin API and dashboard on ${adminUrl}/ (token: ${adminToken})`);

      await waitUntil('the data reader to warm the grid', `${reader.url}/readyz`, 600_000, log);
      supervisor.markRunning(reader.name);
      const pump = child('data-pump', 'data-pump', config.pumpPort);
      supervisor.start(pump);
      await waitUntil(pump.name, `${pump.url}/healthz`, 60_000, log);
      supervisor.markRunning(pump.name);
      await fleet.startInitial(config.units);
      const grid = child(
        'grid',
        'messaging-grid',
        config.port,
        {
          UNIT_URLS: fleet.routedUrls.join(','),
          GRID_ADMIN_PORT: String(config.gridAdminPort),
          // The grid's routing table is the manager's business only: loopback, with the token.
          ADMIN_HOST: LOOPBACK,
          ADMIN_TOKEN: adminToken,
        },
        config.host,
      );
      supervisor.start(grid);
      await waitUntil('the messaging grid', `${grid.url}/readyz`, 60_000, log);
      supervisor.markRunning(grid.name);
      gridUrl = grid.url;
      fleet.attach(new GridAdminClient(`http://${LOOPBACK}:${config.gridAdminPort}`, adminToken));

      sampler.start();
      scaler.start();
      running = true;
      write(
        [
          '',
          'spacegrid is running',
          `  API (messaging grid)   ${grid.url}`,
          `  units                  ${fleet.routedUrls.join('  ')}`,
          `  dashboard              ${adminUrl}/  (token: ${adminToken})`,
          `  admin API              ${adminUrl}/admin/status  (Authorization: Bearer ${adminToken})`,
          `  autoscaler             ${config.autoscaler.enabled ? `on, ${config.autoscaler.min}..${config.autoscaler.max} units` : 'off (PUT /admin/autoscaler or AUTOSCALER_ENABLED=true)'}`,
          `  Hazelcast members      ${hzMembers.join('  ')}${members instanceof MemberSupervisor ? '' : ' (external)'}`,
          `  Postgres               ${config.databaseUrl}`,
          `  Redis                  ${config.redisUrl}`,
          `  try: curl -s ${grid.url}/readyz ; Ctrl-C stops everything`,
          '',
        ].join('\n'),
      );
    },

    async close() {
      autoscaler?.close();
      await admin?.close();
      await fleet.close();
      await live?.close();
      // Grid and units stop taking work and finish what they hold; the pump flushes outboxes.
      await supervisor.stopAll(['messaging-grid', 'processing-unit', 'data-pump']);
      await drainQueue(queue, log);
      await queue?.close().catch(() => undefined);
      await supervisor.stopAll(STOP_ORDER);
      if (members instanceof MemberSupervisor) await members.stop();
      else members?.close();
      log.info('everything stopped');
    },
  };
}

/** Changes waiting for a writer; null when Redis cannot say. */
async function pendingChanges(queue: Queue): Promise<number | null> {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Waits (bounded) until the writers have written every queued change to Postgres. */
async function drainQueue(queue: Queue | undefined, log: Logger): Promise<void> {
  if (!queue) return;
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const pending = await pendingChanges(queue);
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
  }
}
