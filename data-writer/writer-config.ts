import { Type, type Static } from '@sinclair/typebox';
import { assertAdminBinding } from '../common/admin-binding.js';
import { CommonEnv } from '../common/config.js';

export const WriterEnv = Type.Object({
  ...CommonEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8091 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  /** Jobs processed at once by this writer: they are grouped into one transaction. */
  WRITER_CONCURRENCY: Type.Integer({ minimum: 1, default: 256 }),
  WRITER_MAX_BATCH: Type.Integer({ minimum: 1, default: 500 }),
  /** Postgres cancels a write statement running longer; a batch stuck twice as long makes the writer not ready. */
  WRITER_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 15_000 }),
  /** Bearer token of the writer's repair routes (`/admin/repairs`); the deploy manager passes its own. */
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
});

export interface WriterConfig {
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  namespace: string;
  concurrency: number;
  maxBatch: number;
  statementTimeoutMs: number;
  adminToken: string | undefined;
}

export function writerConfigFromEnv(env: Static<typeof WriterEnv>): WriterConfig {
  // The repair routes are admin routes: beyond loopback they need a token.
  assertAdminBinding(env.HOST, env.ADMIN_TOKEN);
  return Object.freeze({
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    namespace: env.GRID_NAMESPACE,
    concurrency: env.WRITER_CONCURRENCY,
    maxBatch: env.WRITER_MAX_BATCH,
    statementTimeoutMs: env.WRITER_STATEMENT_TIMEOUT_MS,
    adminToken: env.ADMIN_TOKEN,
  });
}
