import { Type, type Static } from '@sinclair/typebox';
import { CommonEnv } from '../common/config.js';

export const WriterEnv = Type.Object({
  ...CommonEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8091 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  /** Jobs processed at once by this writer: they are grouped into one transaction. */
  WRITER_CONCURRENCY: Type.Integer({ minimum: 1, default: 256 }),
  WRITER_MAX_BATCH: Type.Integer({ minimum: 1, default: 500 }),
});

export interface WriterConfig {
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  namespace: string;
  concurrency: number;
  maxBatch: number;
}

export function writerConfigFromEnv(env: Static<typeof WriterEnv>): WriterConfig {
  return Object.freeze({
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    namespace: env.GRID_NAMESPACE,
    concurrency: env.WRITER_CONCURRENCY,
    maxBatch: env.WRITER_MAX_BATCH,
  });
}
