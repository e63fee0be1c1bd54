import { Type, type Static } from '@sinclair/typebox';
import { CommonEnv, gridConnectionFromEnv, type GridConnection } from '../common/config.js';

export const UnitEnv = Type.Object({
  ...CommonEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8100 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  UNIT_ID: Type.Optional(Type.String()),
  IDEMPOTENCY_TTL_SECONDS: Type.Integer({ minimum: 1, default: 3600 }),
  /** The data reader: answers reads of what left the grid, and restores what a lost partition took. */
  READER_URL: Type.String({ default: 'http://127.0.0.1:8093' }),
  SWEEP_INTERVAL_MS: Type.Integer({ minimum: 10, default: 500 }),
  /** Commands in flight beyond which a unit answers 429 OVERLOADED. */
  MAX_IN_FLIGHT: Type.Integer({ minimum: 1, default: 20_000 }),
  MAX_BATCH: Type.Integer({ minimum: 1, default: 1000 }),
  /** Backpressure: changes of one aggregate not yet stored in Postgres beyond which its writes get 429. */
  OUTBOX_MAX_ENTRIES: Type.Integer({ minimum: 1, default: 1000 }),
  /** Backpressure: age of an aggregate's oldest change not yet stored beyond which its writes get 429. */
  OUTBOX_MAX_AGE_MS: Type.Integer({ minimum: 100, default: 60_000 }),
});

export interface UnitConfig extends GridConnection {
  port: number;
  host: string;
  unitId: string;
  idempotencyTtlSeconds: number;
  readerUrl: string;
  sweepIntervalMs: number;
  maxInFlight: number;
  maxBatch: number;
  writeBehindBound: { maxEntries: number; maxAgeMs: number };
}

export function unitConfigFromEnv(env: Static<typeof UnitEnv>): UnitConfig {
  return Object.freeze({
    port: env.PORT,
    host: env.HOST,
    // Host and port: units on hosts of their own share a port, and each needs its own registry entry.
    unitId: env.UNIT_ID ?? `unit-${env.HOST}-${env.PORT}`,
    ...gridConnectionFromEnv(env),
    idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
    readerUrl: env.READER_URL.replace(/\/+$/, ''),
    sweepIntervalMs: env.SWEEP_INTERVAL_MS,
    maxInFlight: env.MAX_IN_FLIGHT,
    maxBatch: env.MAX_BATCH,
    writeBehindBound: Object.freeze({ maxEntries: env.OUTBOX_MAX_ENTRIES, maxAgeMs: env.OUTBOX_MAX_AGE_MS }),
  });
}
