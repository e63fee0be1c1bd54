import { Redis } from 'ioredis';
import { closeGracefully, createHttpServer } from '../../common/http-server.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import { createRegistry, registerOpsRoutes } from '../../common/ops-routes.js';
import { checkRedis } from '../../common/redis.js';
import { deleteAllKeys } from './event-store.js';
import { expireDueHolds } from './hold-store.js';
import { loadScripts } from './lua-scripts.js';
import { DEFAULT_KEY_PREFIX, redisLuaKeys } from './redis-lua-keys.js';
import { registerTicketingRoutes } from './ticketing-routes.js';

export interface RedisLuaServerOptions {
  /** Default redis://127.0.0.1:6379 (the same Redis as BullMQ is fine: see `keyPrefix`). */
  redisUrl?: string;
  /**
   * Every key starts with it, and every key under it is deleted at start. Letters, digits, `_`,
   * `.`, `-`, ending in `:`. Default `redis-lua:`.
   */
  keyPrefix?: string;
  /** 0 picks a free port. Default 8092. */
  port?: number;
  host?: string;
  /** How often overdue holds are expired. Default 1 s. */
  sweepIntervalMs?: number;
  log?: Logger;
}

export interface RedisLuaServer {
  /** Connects, empties its key prefix, loads the scripts, listens; resolves to the base URL. */
  start(): Promise<string>;
  close(): Promise<void>;
}

export const DEFAULT_REDIS_LUA_URL = 'redis://127.0.0.1:6379';

/**
 * The design a user would pick instead of spacegrid: one Fastify hop, and each hold one atomic
 * Lua script on the section's Redis hash that checks and takes the seats and appends the hold to
 * the section's Redis stream (the ledger a consumer would copy to Postgres; none does here).
 * No grid, no write-behind, no replica: Redis's single thread is the lock.
 */
export function buildRedisLuaServer(options: RedisLuaServerOptions = {}): RedisLuaServer {
  const redisUrl = options.redisUrl ?? DEFAULT_REDIS_LUA_URL;
  const keys = redisLuaKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
  const log = options.log ?? silentLogger;
  // One connection; commands issued in the same tick leave in one write (auto-pipelining).
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 3_000,
  });
  redis.on('error', () => undefined);
  let app: ReturnType<typeof createHttpServer> | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  let sweep: Promise<void> | undefined;

  return {
    async start() {
      // checkRedis says what failed (unreachable, credentials, TLS), not only "Connection is closed".
      await checkRedis(redisUrl);
      await redis.connect();
      const deleted = await deleteAllKeys(redis, keys);
      log.info({ prefix: keys.prefix, deleted }, 'emptied the key prefix');
      await loadScripts(redis);
      app = createHttpServer({ log, bodyLimit: 8 * 1024 * 1024 });
      registerOpsRoutes(app, createRegistry('redis-lua'), () => ({ ready: true }));
      registerTicketingRoutes(app, redis, keys);
      sweeper = setInterval(() => {
        sweep ??= expireDueHolds(redis, keys)
          .then(() => undefined)
          .catch((err: unknown) => log.warn({ err }, 'hold expiry sweep failed'))
          .finally(() => (sweep = undefined));
      }, options.sweepIntervalMs ?? 1000);
      return app.listen({ port: options.port ?? 8092, host: options.host ?? '127.0.0.1' });
    },
    async close() {
      if (sweeper) clearInterval(sweeper);
      if (app) await closeGracefully(app);
      await sweep;
      if (redis.status === 'ready') await redis.quit();
      else redis.disconnect();
    },
  };
}
