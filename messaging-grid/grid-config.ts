import { Type, type Static } from '@sinclair/typebox';
import { CommonEnv, ConfigError, splitList } from '../common/config.js';
import { assertAdminBinding } from '../common/admin-binding.js';
import { SpacegridError } from '../common/errors.js';
import { normalizeUnitUrls } from './unit-url.js';

export const GridEnv = Type.Object({
  LOG_LEVEL: CommonEnv.LOG_LEVEL,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  /** Comma-separated base URLs of the processing units; the deploy manager may replace the set at runtime. */
  UNIT_URLS: Type.String({ default: 'http://127.0.0.1:8100,http://127.0.0.1:8101' }),
  /** How often each unit's `GET /readyz` is polled. */
  HEALTH_INTERVAL_MS: Type.Integer({ minimum: 10, default: 500 }),
  /** A health check slower than this counts as a failure. */
  HEALTH_TIMEOUT_MS: Type.Integer({ minimum: 10, default: 2000 }),
  /** Requests being proxied beyond which the grid answers 429 OVERLOADED. */
  MAX_IN_FLIGHT: Type.Integer({ minimum: 1, default: 20_000 }),
  /** Longest wait for a unit's answer (headers, then between body chunks): 504 past it, never retried. */
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 10_000 }),
  /** Keep-alive connections per unit. */
  UNIT_CONNECTIONS: Type.Integer({ minimum: 1, default: 64 }),
  /** The grid's own admin port (`/admin/units`), never the public one; 0 picks a free port. */
  GRID_ADMIN_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8082 }),
  /** Where the admin port listens: loopback unless ADMIN_TOKEN is set. */
  ADMIN_HOST: Type.String({ default: '127.0.0.1' }),
  /** When set, `/admin/units` wants `Authorization: Bearer <ADMIN_TOKEN>`. */
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
});

export interface GridConfig {
  readonly port: number;
  readonly host: string;
  /** Normalized `http://host:port`, no duplicates. */
  readonly unitUrls: readonly string[];
  readonly healthIntervalMs: number;
  readonly healthTimeoutMs: number;
  readonly maxInFlight: number;
  readonly requestTimeoutMs: number;
  readonly unitConnections: number;
  readonly adminPort: number;
  readonly adminHost: string;
  readonly adminToken: string | undefined;
}

export function gridConfigFromEnv(env: Static<typeof GridEnv>): GridConfig {
  let unitUrls: string[];
  try {
    unitUrls = normalizeUnitUrls(splitList(env.UNIT_URLS));
  } catch (err) {
    if (err instanceof SpacegridError)
      throw new ConfigError(`invalid configuration: UNIT_URLS: ${err.message}`);
    throw err;
  }
  assertAdminBinding(env.ADMIN_HOST, env.ADMIN_TOKEN);
  return Object.freeze({
    port: env.PORT,
    host: env.HOST,
    unitUrls: Object.freeze(unitUrls),
    healthIntervalMs: env.HEALTH_INTERVAL_MS,
    healthTimeoutMs: env.HEALTH_TIMEOUT_MS,
    maxInFlight: env.MAX_IN_FLIGHT,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    unitConnections: env.UNIT_CONNECTIONS,
    adminPort: env.GRID_ADMIN_PORT,
    adminHost: env.ADMIN_HOST,
    adminToken: env.ADMIN_TOKEN,
  });
}
