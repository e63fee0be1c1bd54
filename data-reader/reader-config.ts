import { Type, type Static } from '@sinclair/typebox';
import { CommonEnv, gridConnectionFromEnv, type GridConnection } from '../common/config.js';

export const ReaderEnv = Type.Object({
  ...CommonEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8093 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  /** How often the reader checks whether the grid lost its data and needs warming again. */
  READER_CHECK_INTERVAL_MS: Type.Integer({ minimum: 50, default: 1000 }),
});

export interface ReaderConfig extends GridConnection {
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  checkIntervalMs: number;
}

export function readerConfigFromEnv(env: Static<typeof ReaderEnv>): ReaderConfig {
  return Object.freeze({
    port: env.PORT,
    host: env.HOST,
    ...gridConnectionFromEnv(env),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    checkIntervalMs: env.READER_CHECK_INTERVAL_MS,
  });
}
