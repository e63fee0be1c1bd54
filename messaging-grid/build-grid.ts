import type { AddressInfo } from 'node:net';
import { errorBody } from '../common/http-errors.js';
import { closeGracefully, createHttpServer, DEFAULT_BODY_LIMIT } from '../common/http-server.js';
import type { Logger } from '../common/logger.js';
import { createRegistry, registerOpsRoutes, type Readiness } from '../common/ops-routes.js';
import { registerAdminRoutes } from './admin-routes.js';
import { guardClients } from './client-guard.js';
import { CLIENT_LIMITS, UNIT_DISCOVERY, type GridConfig } from './grid-config.js';
import { createGridMetrics } from './grid-metrics.js';
import { registerApiDocs } from './openapi.js';
import { registerProxy } from './proxy.js';
import { UnitDiscovery, type ResolveHost } from './unit-discovery.js';
import { UnitPool } from './unit-pool.js';

/**
 * Largest request body the grid forwards: the units' own limit, so a body they would refuse is
 * refused here (413 PAYLOAD_TOO_LARGE) without being buffered and sent on.
 */
export const BODY_LIMIT = DEFAULT_BODY_LIMIT;

export interface Grid {
  start(): Promise<void>;
  close(): Promise<void>;
  /** `http://host:port`, known once started. */
  readonly url: string;
  /** The admin port's `http://host:port` (`/admin/units`), known once started; never the public one. */
  readonly adminUrl: string;
  /**
   * Replaces the units behind the grid (with UNIT_DISCOVERY=dns, the URLs whose names are resolved);
   * resolves once each new unit has had its first health check.
   */
  setUnits(urls: readonly string[]): Promise<void>;
}

export interface GridDependencies {
  /** How UNIT_DISCOVERY=dns resolves unit names; `dns.lookup` (`lookupAll`) by default. */
  resolveHost?: ResolveHost;
}

/**
 * The messaging grid: the one public port. Sends each request to a ready processing unit, the
 * same unit for every request about one aggregate, and sheds load it cannot carry: requests over
 * MAX_IN_FLIGHT (counted from their headers), connections over MAX_CONNECTIONS, and clients too
 * slow to send a request or idle too long (see `guardClients`). Its routing table is changed on
 * a second, admin port (loopback by default), never on the public one.
 */
export function buildGrid(config: GridConfig, rootLog: Logger, dependencies: GridDependencies = {}): Grid {
  const log = rootLog.child({ part: 'messaging-grid' });
  const registry = createRegistry('messaging-grid');
  const pool = new UnitPool(config.unitUrls, {
    healthIntervalMs: config.healthIntervalMs,
    healthTimeoutMs: config.healthTimeoutMs,
    connections: config.unitConnections,
    log: log.child({ module: 'unit-pool' }),
  });
  const discovery =
    (config.unitDiscovery ?? UNIT_DISCOVERY.mode) === 'dns'
      ? new UnitDiscovery({
          sources: config.unitUrls,
          intervalMs: config.unitDiscoveryIntervalMs ?? UNIT_DISCOVERY.intervalMs,
          setUnits: (urls) => pool.setUnits(urls),
          ...(dependencies.resolveHost ? { resolve: dependencies.resolveHost } : {}),
          log: log.child({ module: 'unit-discovery' }),
        })
      : undefined;
  const setUnits = (urls: readonly string[]) =>
    discovery ? discovery.setSources(urls) : pool.setUnits(urls);
  const app = createHttpServer({ log: log.child({ module: 'http' }), bodyLimit: BODY_LIMIT });
  const clients = guardClients(app.server, {
    maxConnections: config.maxConnections ?? CLIENT_LIMITS.maxConnections,
    headersTimeoutMs: config.clientHeadersTimeoutMs ?? CLIENT_LIMITS.clientHeadersTimeoutMs,
    requestTimeoutMs: config.clientRequestTimeoutMs ?? CLIENT_LIMITS.clientRequestTimeoutMs,
    idleTimeoutMs: config.clientIdleTimeoutMs ?? CLIENT_LIMITS.clientIdleTimeoutMs,
  });
  const gauges = {
    inFlight: () => proxy.inFlight,
    connections: () => clients.connections,
    refusedConnections: () => clients.refused,
    readyUnits: () => pool.ready.length,
    units: () => pool.size,
  };
  const metrics = createGridMetrics(registry, gauges);
  const proxy = registerProxy(app, {
    pool,
    metrics,
    maxInFlight: config.maxInFlight,
    requestTimeoutMs: config.requestTimeoutMs,
    log: log.child({ module: 'proxy' }),
  });
  const readiness = (): Readiness => {
    const details = { readyUnits: pool.ready.length, units: pool.size };
    if (pool.ready.length > 0) return { ready: true, details };
    return {
      ready: false,
      reason: pool.size === 0 ? 'no processing units configured' : 'no processing unit is ready',
      details,
    };
  };
  registerOpsRoutes(app, registry, readiness);
  registerApiDocs(app, log.child({ module: 'openapi' }));
  // Never proxied: no unit answers admin routes on the public port, whatever it serves.
  app.all('/admin/*', async (request, reply) =>
    reply.code(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
  const admin = createHttpServer({ log: log.child({ module: 'admin' }) });
  admin.get('/healthz', async () => ({ status: 'ok' }));
  registerAdminRoutes(admin, {
    token: config.adminToken,
    units: () => pool.list(),
    setUnits,
  });
  let url = '';
  let adminUrl = '';

  return {
    get url() {
      return url;
    },
    get adminUrl() {
      return adminUrl;
    },

    setUnits,

    async start() {
      await discovery?.start();
      await pool.start();
      await app.listen({ port: config.port, host: config.host });
      url = `http://${config.host}:${(app.server.address() as AddressInfo).port}`;
      await admin.listen({ port: config.adminPort, host: config.adminHost });
      adminUrl = `http://${config.adminHost}:${(admin.server.address() as AddressInfo).port}`;
      if (config.adminToken === undefined)
        log.warn({ adminUrl }, 'ADMIN_TOKEN is not set: /admin/units is open to local processes');
      log.info({ url, adminUrl, units: pool.list() }, 'messaging grid listening');
    },

    async close() {
      // Stop accepting and let in-flight requests finish, then close the unit connections and stop polling.
      proxy.drain();
      const discoveryClosed = discovery?.close();
      await closeGracefully(admin);
      // Node stops timing requests out once its server closes: a client still trickling a request
      // would hold the close up for ever. Past the longest a request may take to arrive and be
      // answered, whatever is still open is closed.
      const cutOff = setTimeout(
        () => app.server.closeAllConnections(),
        (config.clientRequestTimeoutMs ?? CLIENT_LIMITS.clientRequestTimeoutMs) + config.requestTimeoutMs,
      );
      try {
        await closeGracefully(app);
      } finally {
        clearTimeout(cutOff);
      }
      await discoveryClosed;
      await pool.close();
      log.info('messaging grid stopped');
    },
  };
}
