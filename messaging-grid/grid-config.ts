import { Type, type Static } from '@sinclair/typebox';
import { CommonEnv, ConfigError, splitList } from '../common/config.js';
import { assertAdminBinding } from '../common/admin-binding.js';
import { SpacegridError } from '../common/errors.js';
import { normalizeUnitUrls } from './unit-url.js';

/** The defaults of MAX_CONNECTIONS and the CLIENT_*_TIMEOUT_MS variables (see {@link GridEnv}). */
export const CLIENT_LIMITS = Object.freeze({
  maxConnections: 10_000,
  clientHeadersTimeoutMs: 10_000,
  clientRequestTimeoutMs: 30_000,
  clientIdleTimeoutMs: 5_000,
});

/** How the grid finds its units: `off`, the URLs as written; `dns`, each address their names resolve to. */
export type UnitDiscoveryMode = 'off' | 'dns';

/** The defaults of UNIT_DISCOVERY and UNIT_DISCOVERY_INTERVAL_MS (see {@link GridEnv}). */
export const UNIT_DISCOVERY = Object.freeze({
  mode: 'off' as UnitDiscoveryMode,
  intervalMs: 2_000,
});

export const GridEnv = Type.Object({
  LOG_LEVEL: CommonEnv.LOG_LEVEL,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  /** Comma-separated base URLs of the processing units; the deploy manager may replace the set at runtime. */
  UNIT_URLS: Type.String({ default: 'http://127.0.0.1:8100,http://127.0.0.1:8101' }),
  /**
   * `dns`: every UNIT_DISCOVERY_INTERVAL_MS, the host name of each UNIT_URLS entry is resolved to
   * all of its addresses (`dns.lookup`: /etc/hosts, then the system's resolver) and each address
   * (same scheme and port) is a unit of its own, added once ready, drained when it leaves. A name
   * that fails to resolve keeps its last units. `off`: the URLs are the units, as written.
   */
  UNIT_DISCOVERY: Type.Union([Type.Literal('off'), Type.Literal('dns')], { default: UNIT_DISCOVERY.mode }),
  /** Pause between two resolutions of the unit names (UNIT_DISCOVERY=dns). */
  UNIT_DISCOVERY_INTERVAL_MS: Type.Integer({ minimum: 100, default: UNIT_DISCOVERY.intervalMs }),
  /** How often each unit's `GET /readyz` is polled. */
  HEALTH_INTERVAL_MS: Type.Integer({ minimum: 10, default: 500 }),
  /** A health check slower than this counts as a failure. */
  HEALTH_TIMEOUT_MS: Type.Integer({ minimum: 10, default: 2000 }),
  /**
   * Requests in the grid at once beyond which a new one is answered 429 OVERLOADED at once. A
   * request counts from the moment its headers are in until its answer is sent or its client is
   * gone, so requests whose bodies are still arriving count too.
   */
  MAX_IN_FLIGHT: Type.Integer({ minimum: 1, default: 20_000 }),
  /**
   * Open client connections on the public port beyond which a new one is answered 429 OVERLOADED
   * (with `Retry-After` and `Connection: close`) before any HTTP parsing, then closed.
   */
  MAX_CONNECTIONS: Type.Integer({ minimum: 1, default: CLIENT_LIMITS.maxConnections }),
  /**
   * A client's request line and headers must arrive within this, counted from the request's first
   * byte (from the connection's opening for its first request, so a connection that sends nothing
   * is cut too): 408 REQUEST_TIMEOUT and the connection is closed.
   */
  CLIENT_HEADERS_TIMEOUT_MS: Type.Integer({ minimum: 1, default: CLIENT_LIMITS.clientHeadersTimeoutMs }),
  /**
   * A client's whole request, headers and body, must arrive within this from its first byte: 408
   * REQUEST_TIMEOUT and the connection is closed. At least CLIENT_HEADERS_TIMEOUT_MS.
   */
  CLIENT_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1, default: CLIENT_LIMITS.clientRequestTimeoutMs }),
  /**
   * A keep-alive connection with no request for this long is closed, silently (answers tell
   * clients `Keep-Alive: timeout=<whole seconds>`; Node 20 closes one second later still, the
   * margin for a request already on its way).
   */
  CLIENT_IDLE_TIMEOUT_MS: Type.Integer({ minimum: 1, default: CLIENT_LIMITS.clientIdleTimeoutMs }),
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
  /** How the units are found from `unitUrls`; {@link UNIT_DISCOVERY} where absent. */
  readonly unitDiscovery?: UnitDiscoveryMode;
  readonly unitDiscoveryIntervalMs?: number;
  readonly healthIntervalMs: number;
  readonly healthTimeoutMs: number;
  readonly maxInFlight: number;
  /** The limits on clients of the public port; {@link CLIENT_LIMITS} where absent. */
  readonly maxConnections?: number;
  readonly clientHeadersTimeoutMs?: number;
  readonly clientRequestTimeoutMs?: number;
  readonly clientIdleTimeoutMs?: number;
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
  if (env.CLIENT_REQUEST_TIMEOUT_MS < env.CLIENT_HEADERS_TIMEOUT_MS)
    throw new ConfigError(
      'invalid configuration: CLIENT_REQUEST_TIMEOUT_MS (the whole request) must be at least CLIENT_HEADERS_TIMEOUT_MS (its headers)',
    );
  assertAdminBinding(env.ADMIN_HOST, env.ADMIN_TOKEN);
  return Object.freeze({
    port: env.PORT,
    host: env.HOST,
    unitUrls: Object.freeze(unitUrls),
    unitDiscovery: env.UNIT_DISCOVERY,
    unitDiscoveryIntervalMs: env.UNIT_DISCOVERY_INTERVAL_MS,
    healthIntervalMs: env.HEALTH_INTERVAL_MS,
    healthTimeoutMs: env.HEALTH_TIMEOUT_MS,
    maxInFlight: env.MAX_IN_FLIGHT,
    maxConnections: env.MAX_CONNECTIONS,
    clientHeadersTimeoutMs: env.CLIENT_HEADERS_TIMEOUT_MS,
    clientRequestTimeoutMs: env.CLIENT_REQUEST_TIMEOUT_MS,
    clientIdleTimeoutMs: env.CLIENT_IDLE_TIMEOUT_MS,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    unitConnections: env.UNIT_CONNECTIONS,
    adminPort: env.GRID_ADMIN_PORT,
    adminHost: env.ADMIN_HOST,
    adminToken: env.ADMIN_TOKEN,
  });
}
