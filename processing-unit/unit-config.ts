import { Type, type Static } from '@sinclair/typebox';
import { CommonEnv, ConfigError, gridConnectionFromEnv, type GridConnection } from '../common/config.js';
import { OWNERSHIP_HANDOVER_MS } from './unit-registry.js';

/** How baskets are coordinated (processing-unit/baskets/): lease, recovery, margins, retention. */
export interface BasketSettings {
  leaseMs: number;
  recoveryIntervalMs: number;
  purchaseMarginMs: number;
  retentionMs: number;
  callTimeoutMs: number;
}

export const BASKET_DEFAULTS: BasketSettings = Object.freeze({
  leaseMs: 3_000,
  recoveryIntervalMs: 1_000,
  purchaseMarginMs: 10_000,
  retentionMs: 3_600_000,
  callTimeoutMs: 8_000,
});

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
  /** Baskets: how long a unit may work on one without renewing its claim before recovery takes it over. */
  BASKET_LEASE_MS: Type.Integer({ minimum: 100, default: BASKET_DEFAULTS.leaseMs }),
  /** Baskets: how often each unit looks for baskets whose coordinator stopped, or whose holds expire. */
  BASKET_RECOVERY_INTERVAL_MS: Type.Integer({ minimum: 10, default: BASKET_DEFAULTS.recoveryIntervalMs }),
  /** Baskets: a purchase needs this long left before the earliest hold expires (more than lease + interval). */
  BASKET_PURCHASE_MARGIN_MS: Type.Integer({ minimum: 100, default: BASKET_DEFAULTS.purchaseMarginMs }),
  /** Baskets: how long a one that ended stays readable (and replayable) in the grid. */
  BASKET_RETENTION_SECONDS: Type.Integer({ minimum: 1, default: BASKET_DEFAULTS.retentionMs / 1000 }),
  /** Baskets: how long a coordinator waits for the unit owning a section to answer one hold request. */
  BASKET_CALL_TIMEOUT_MS: Type.Integer({ minimum: 100, default: BASKET_DEFAULTS.callTimeoutMs }),
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
  baskets: BasketSettings;
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
    baskets: basketSettings({
      leaseMs: env.BASKET_LEASE_MS,
      recoveryIntervalMs: env.BASKET_RECOVERY_INTERVAL_MS,
      purchaseMarginMs: env.BASKET_PURCHASE_MARGIN_MS,
      retentionMs: env.BASKET_RETENTION_SECONDS * 1000,
      callTimeoutMs: env.BASKET_CALL_TIMEOUT_MS,
    }),
  });
}

/**
 * Checks the rule across the basket settings: a purchase that passed its margin check must be
 * finished, by its coordinator or, if that one dies at once, by recovery, before the earliest hold
 * expires. Recovery runs on the unit that owns the basket's id, usually the coordinator itself
 * (the grid routes the purchase there): after its death the others take its keys over only once
 * its registry entry has expired, so recovery starts after the later of the lease and that
 * handover, plus one recovery interval. The margin must exceed that.
 */
export function basketSettings(settings: BasketSettings): BasketSettings {
  const takeover = Math.max(settings.leaseMs, OWNERSHIP_HANDOVER_MS) + settings.recoveryIntervalMs;
  if (settings.purchaseMarginMs <= takeover) {
    throw new ConfigError(
      `BASKET_PURCHASE_MARGIN_MS (${settings.purchaseMarginMs}) must exceed the time recovery may take to ` +
        `start after a coordinator dies: the later of BASKET_LEASE_MS (${settings.leaseMs}) and the units' ` +
        `ownership handover (${OWNERSHIP_HANDOVER_MS}), plus BASKET_RECOVERY_INTERVAL_MS ` +
        `(${settings.recoveryIntervalMs}): ${takeover}`,
    );
  }
  return Object.freeze({ ...settings });
}
