import { collectDefaultMetrics, Registry } from 'prom-client';
import { errorBody } from './http-errors.js';
import type { HttpServer } from './http-server.js';

export interface Readiness {
  ready: boolean;
  /** Why not, for people: "grid warming: 12000/50000 sections". */
  reason?: string;
  details?: Record<string, unknown>;
}

/** A metrics registry per process (never the global one, so tests can build many). */
export function createRegistry(part: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ part });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** `GET /healthz`, `GET /readyz` and `GET /metrics`, the same on every process. */
export function registerOpsRoutes(app: HttpServer, registry: Registry, readiness: () => Readiness): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const state = readiness();
    if (state.ready) return { status: 'ready', ...(state.details ? { details: state.details } : {}) };
    return reply
      .code(503)
      .header('retry-after', '1')
      .send(errorBody('NOT_READY', state.reason ?? 'not ready', state.details));
  });
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', registry.contentType).send(await registry.metrics()),
  );
}
