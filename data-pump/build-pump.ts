import { Queue } from 'bullmq';
import type { AddressInfo } from 'node:net';
import { openGridLink, type GridLink } from '../common/grid-client.js';
import { openGridMaps } from '../common/grid-maps.js';
import { closeGracefully, createHttpServer } from '../common/http-server.js';
import type { Logger } from '../common/logger.js';
import { gridNames } from '../common/map-names.js';
import { createRegistry, registerOpsRoutes } from '../common/ops-routes.js';
import { checkRedis, createRedis } from '../common/redis.js';
import { GridJanitor } from './grid-janitor.js';
import { OutboxPump, type PumpStats } from './outbox-pump.js';
import type { PumpConfig } from './pump-config.js';
import { createPumpMetrics } from './pump-metrics.js';

export interface DataPump {
  start(): Promise<void>;
  close(): Promise<void>;
  readonly url: string;
  readonly stats: PumpStats | undefined;
}

/** The data pump process: outboxes in the grid -> the change queue in Redis. */
export function buildPump(config: PumpConfig, rootLog: Logger): DataPump {
  const log = rootLog.child({ part: 'data-pump' });
  const names = gridNames(config.namespace);
  const registry = createRegistry('data-pump');
  const app = createHttpServer({ log });
  let link: GridLink | undefined;
  let queue: Queue | undefined;
  let pump: OutboxPump | undefined;
  let janitor: GridJanitor | undefined;
  let url = '';

  createPumpMetrics(registry, { stats: () => pump?.stats, queue: () => queue });

  return {
    get url() {
      return url;
    },
    get stats() {
      return pump?.stats;
    },

    async start() {
      // Redis may go away later (the pump rides that out), but starting without it is a setup mistake.
      await checkRedis(config.redisUrl);
      const grid = await openGridLink({
        members: config.hzMembers,
        clusterName: config.hzClusterName,
        instanceName: 'data-pump',
        log,
      });
      link = grid;
      const maps = await openGridMaps(grid.client, names);
      queue = new Queue(names.changeQueue, { connection: createRedis(config.redisUrl, { offline: 'fail' }) });
      queue.on('error', () => undefined);
      pump = new OutboxPump(maps, queue, {
        log: log.child({ module: 'outbox-pump' }),
        staleMs: config.staleMs,
        sweepIntervalMs: config.sweepIntervalMs,
        confirmIntervalMs: config.confirmIntervalMs,
        lingerMs: config.lingerMs,
        closedHoldRetentionMs: config.closedHoldRetentionMs,
        gridConnected: () => grid.connected,
      });
      await pump.start();
      janitor = new GridJanitor(maps, {
        intervalMs: config.janitorIntervalMs,
        log: log.child({ module: 'grid-janitor' }),
        gridConnected: () => grid.connected,
      });
      janitor.start();
      registerOpsRoutes(app, registry, () =>
        !grid.connected
          ? { ready: false, reason: grid.reason }
          : pump!.stats.redisUp
            ? { ready: true }
            : { ready: false, reason: 'the change queue (Redis) is unreachable' },
      );
      app.get('/status', async () => ({ ...pump!.stats, janitor: janitor!.stats }));
      await app.listen({ port: config.port, host: config.host });
      url = `http://${config.host}:${(app.server.address() as AddressInfo).port}`;
      log.info({ url, queue: names.changeQueue }, 'data pump running');
    },

    async close() {
      await closeGracefully(app);
      await janitor?.stop();
      await pump?.close();
      await queue?.close();
      await link?.close();
      log.info('data pump stopped');
    },
  };
}
