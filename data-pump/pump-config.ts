import { Type, type Static } from '@sinclair/typebox';
import { CommonEnv, gridConnectionFromEnv, type GridConnection } from '../common/config.js';
import { DEFAULT_CONFIRM_INTERVAL_MS } from './outbox-pump.js';

export const PumpEnv = Type.Object({
  ...CommonEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8092 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  PUMP_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 10, default: 1000 }),
  /**
   * How often the pump asks Redis which of its jobs the writers have committed. Outbox entries stay
   * in their aggregate until then, so this sets how large a hot aggregate grows under load, and a
   * unit writes its aggregate whole with every batch.
   */
  PUMP_CONFIRM_INTERVAL_MS: Type.Integer({ minimum: 10, default: DEFAULT_CONFIRM_INTERVAL_MS }),
  /**
   * How long the pump gathers commits before a pass reads them (and sends them as one write to
   * Redis). Every pass reads each dirty aggregate whole, outbox included; under load a hot section
   * commits hundreds of times a second, so without a wait the pump, the members and the write-behind
   * do that work per commit. Adds at most this much to the write-behind's lag.
   */
  PUMP_LINGER_MS: Type.Integer({ minimum: 0, maximum: 1000, default: 20 }),
  /** Age after which an outbox entry is re-pumped by the sweeper (a missed listener event). */
  PUMP_STALE_MS: Type.Integer({ minimum: 10, default: 2000 }),
  /**
   * How long a closed hold (purchased, released, expired) stays in the grid once its closing is in
   * Postgres; after that its reads are answered from Postgres. Also how long a retry of a keyed hold
   * whose first attempt failed ambiguously is still recognised once that hold has closed.
   */
  CLOSED_HOLD_RETENTION_SECONDS: Type.Integer({ minimum: 1, default: 3600 }),
  /** How often retired holds and expired idempotency records are removed from the grid. */
  GRID_JANITOR_INTERVAL_MS: Type.Integer({ minimum: 100, default: 5000 }),
});

export interface PumpConfig extends GridConnection {
  port: number;
  host: string;
  redisUrl: string;
  sweepIntervalMs: number;
  confirmIntervalMs: number;
  lingerMs: number;
  staleMs: number;
  closedHoldRetentionMs: number;
  janitorIntervalMs: number;
}

export function pumpConfigFromEnv(env: Static<typeof PumpEnv>): PumpConfig {
  return Object.freeze({
    port: env.PORT,
    host: env.HOST,
    ...gridConnectionFromEnv(env),
    redisUrl: env.REDIS_URL,
    sweepIntervalMs: env.PUMP_SWEEP_INTERVAL_MS,
    confirmIntervalMs: env.PUMP_CONFIRM_INTERVAL_MS,
    lingerMs: env.PUMP_LINGER_MS,
    staleMs: env.PUMP_STALE_MS,
    closedHoldRetentionMs: env.CLOSED_HOLD_RETENTION_SECONDS * 1000,
    janitorIntervalMs: env.GRID_JANITOR_INTERVAL_MS,
  });
}
