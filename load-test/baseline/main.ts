import { Type } from '@sinclair/typebox';
import { parseEnv } from '../../common/config.js';
import { createRootLogger } from '../../common/logger.js';
import { runProcess } from '../../common/run-process.js';
import { buildBaselineServer, DEFAULT_BASELINE_DATABASE_URL } from './build-baseline-server.js';

/**
 * `node dist/load-test/baseline/main.js`: the baseline server as a process. When started with an
 * IPC channel (as bench-main does), it reports `{ type: 'ready', url }` once listening.
 */
const env = parseEnv(
  Type.Object({
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8090 }),
    HOST: Type.String({ default: '127.0.0.1' }),
    BASELINE_DATABASE_URL: Type.String({ default: DEFAULT_BASELINE_DATABASE_URL }),
    POOL_SIZE: Type.Integer({ minimum: 1, maximum: 200, default: 16 }),
    LOG_LEVEL: Type.String({ default: 'info' }),
  }),
  process.env,
);
const log = createRootLogger({ level: env.LOG_LEVEL, name: 'baseline' });
const server = buildBaselineServer({
  databaseUrl: env.BASELINE_DATABASE_URL,
  port: env.PORT,
  host: env.HOST,
  poolSize: env.POOL_SIZE,
  log,
});

runProcess(
  {
    async start() {
      const url = await server.start();
      log.info(
        { url, database: env.BASELINE_DATABASE_URL.replace(/\/\/[^@]*@/, '//') },
        'baseline listening',
      );
      process.send?.({ type: 'ready', url });
    },
    close: () => server.close(),
  },
  log,
);
