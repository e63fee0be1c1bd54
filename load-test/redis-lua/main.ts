import { Type } from '@sinclair/typebox';
import { parseEnv } from '../../common/config.js';
import { createRootLogger } from '../../common/logger.js';
import { runProcess } from '../../common/run-process.js';
import { buildRedisLuaServer, DEFAULT_REDIS_LUA_URL } from './build-redis-lua-server.js';
import { DEFAULT_KEY_PREFIX, KEY_PREFIX_PATTERN } from './redis-lua-keys.js';

/**
 * `node dist/load-test/redis-lua/main.js`: the Redis + Lua reference as a process. When started
 * with an IPC channel (as bench-main does), it reports `{ type: 'ready', url }` once listening.
 */
const env = parseEnv(
  Type.Object({
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8092 }),
    HOST: Type.String({ default: '127.0.0.1' }),
    REDIS_URL: Type.String({ default: DEFAULT_REDIS_LUA_URL }),
    KEY_PREFIX: Type.String({ default: DEFAULT_KEY_PREFIX, pattern: KEY_PREFIX_PATTERN.source }),
    LOG_LEVEL: Type.String({ default: 'info' }),
  }),
  process.env,
);
const log = createRootLogger({ level: env.LOG_LEVEL, name: 'redis-lua' });
const server = buildRedisLuaServer({
  redisUrl: env.REDIS_URL,
  keyPrefix: env.KEY_PREFIX,
  port: env.PORT,
  host: env.HOST,
  log,
});

runProcess(
  {
    async start() {
      const url = await server.start();
      log.info({ url, prefix: env.KEY_PREFIX }, 'redis + lua reference listening');
      process.send?.({ type: 'ready', url });
    },
    close: () => server.close(),
  },
  log,
);
