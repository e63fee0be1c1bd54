import { Queue } from 'bullmq';
import type { AddressInfo } from 'node:net';
import { openDatabase, type Pool } from '../common/db/postgres.js';
import { openGridLink, type GridLink } from '../common/grid-client.js';
import { openGridMaps } from '../common/grid-maps.js';
import { closeGracefully, createHttpServer } from '../common/http-server.js';
import type { Logger } from '../common/logger.js';
import { gridNames } from '../common/map-names.js';
import { createRegistry, registerOpsRoutes } from '../common/ops-routes.js';
import { createRedis } from '../common/redis.js';
import { registerArchiveRoutes } from './archive-routes.js';
import { GridWarmer } from './grid-warmer.js';
import { Restorer } from './restorer.js';
import type { ReaderConfig } from './reader-config.js';

export interface DataReader {
  start(): Promise<void>;
  close(): Promise<void>;
  readonly url: string;
  /** Resolves once the grid is warm (this reader warmed it, or it already was). */
  whenWarm(): Promise<void>;
}

/**
 * The data reader process: warms the grid from Postgres whenever it finds it empty (at first
 * start, and again if the whole cluster was lost), and reports its progress; and reads on demand
 * for the units: holds that left the grid, aggregates a lost partition took (see Restorer).
 */
export function buildReader(config: ReaderConfig, rootLog: Logger): DataReader {
  const log = rootLog.child({ part: 'data-reader' });
  const names = gridNames(config.namespace);
  const registry = createRegistry('data-reader');
  const app = createHttpServer({ log });
  let pool: Pool | undefined;
  let link: GridLink | undefined;
  /** `link.connections` when the maps' indexes were last made sure of. */
  let indexedFor = 0;
  let queue: Queue | undefined;
  let warmer: GridWarmer | undefined;
  let restorer: Restorer | undefined;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;
  let warm = false;
  let warmWaiters: Array<() => void> = [];
  let url = '';

  const check = async (): Promise<void> => {
    // While the link is down there is nothing to look at; the client reconnects by itself.
    if (!link!.connected) {
      warm = false;
      return;
    }
    try {
      if (link!.connections !== indexedFor) {
        // Reconnected: the members may have come back empty, without the indexes the sweepers'
        // queries need. Opening the maps again adds them (adding an existing index does nothing).
        const connections = link!.connections;
        await openGridMaps(link!.client, names);
        indexedFor = connections;
      }
      await warmer!.warmIfCold();
      warm = await warmer!.isWarm();
      if (warm) {
        for (const w of warmWaiters.splice(0)) w();
      }
    } catch (err) {
      warm = false;
      log.error({ err }, 'warming the grid failed: will retry');
    }
  };

  return {
    get url() {
      return url;
    },
    whenWarm() {
      return warm ? Promise.resolve() : new Promise((resolve) => warmWaiters.push(resolve));
    },

    async start() {
      pool = await openDatabase(config.databaseUrl, log, 4);
      const grid = await openGridLink({
        members: config.hzMembers,
        clusterName: config.hzClusterName,
        instanceName: 'data-reader',
        log,
      });
      link = grid;
      indexedFor = grid.connections;
      const maps = await openGridMaps(grid.client, names);
      queue = new Queue(names.changeQueue, { connection: createRedis(config.redisUrl, { offline: 'fail' }) });
      queue.on('error', () => undefined);
      warmer = new GridWarmer({ pool, maps, queue, log, readerId: `reader-${process.pid}-${config.port}` });
      restorer = new Restorer({
        pool,
        maps,
        queue,
        log: log.child({ module: 'restorer' }),
        warm: () => warm,
      });
      registerArchiveRoutes(app, () => restorer);
      registerOpsRoutes(app, registry, () =>
        warm
          ? { ready: true }
          : !grid.connected
            ? { ready: false, reason: grid.reason }
            : {
                ready: false,
                reason: warmer!.waitingFor ?? 'warming the grid from Postgres',
                details: { ...warmer!.progress.state },
              },
      );
      app.get('/status', async () => ({
        warm,
        waitingFor: warmer!.waitingFor ?? null,
        progress: warmer!.progress.state,
      }));
      await app.listen({ port: config.port, host: config.host });
      url = `http://${config.host}:${(app.server.address() as AddressInfo).port}`;
      checking = check();
      await checking;
      timer = setInterval(() => {
        if (!checking) checking = check().finally(() => (checking = undefined));
      }, config.checkIntervalMs);
      timer.unref();
      checking = undefined;
    },

    async close() {
      clearInterval(timer);
      await checking;
      await closeGracefully(app);
      await queue?.close();
      await link?.close();
      await pool?.end();
      warmWaiters = [];
      log.info('data reader stopped');
    },
  };
}
