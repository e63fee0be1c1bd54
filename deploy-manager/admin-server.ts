import { Type } from '@sinclair/typebox';
import { bearerAuth } from '../common/bearer-auth.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RetryLaterError, ValidationError } from '../common/errors.js';
import { closeGracefully, createHttpServer } from '../common/http-server.js';
import type { Logger } from '../common/logger.js';
import { createRegistry, registerOpsRoutes } from '../common/ops-routes.js';
import type { Autoscaler } from './autoscaler/autoscaler.js';
import type { ChildSupervisor } from './child-supervisor.js';
import { registerDashboardRoutes } from './dashboard-routes.js';
import type { MemberStatus } from './hazelcast/member-supervisor.js';
import type { LiveMetrics } from './live/live-metrics.js';
import { prometheusTargets } from './prometheus-sd.js';
import type { UnitFleet } from './unit-fleet.js';

export const MAX_UNITS = 64;

const UnitCount = Type.Integer({ minimum: 1, maximum: MAX_UNITS });
const SetUnitsBody = Type.Object({ count: UnitCount }, { additionalProperties: false });
const AutoscalerBody = Type.Object(
  { enabled: Type.Boolean(), min: Type.Optional(UnitCount), max: Type.Optional(UnitCount) },
  { additionalProperties: false },
);

export interface AdminServer {
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface AdminServerOptions {
  host: string;
  port: number;
  token: string;
  supervisor: ChildSupervisor;
  fleet: UnitFleet;
  autoscaler: Autoscaler;
  live: LiveMetrics;
  members(): MemberStatus[];
  cluster(): { size: number | null; safe: boolean | null };
  /** The data writer, which owns the repair queue (`/admin/repairs*` are passed on to it). */
  writerUrl: string;
  /**
   * True while the system is still starting (the server is up before the data reader has warmed
   * the grid, so that repairs holding the warm-up can be resolved): scaling waits until it runs.
   */
  starting?: () => boolean;
  log: Logger;
}

/**
 * The operator's API and the dashboard (docs/admin.md): what runs and its state, live figures,
 * scaling by hand and the autoscaler. Every `/admin/*` route wants the bearer token.
 */
export function buildAdminServer(options: AdminServerOptions): AdminServer {
  const { fleet, autoscaler, live, supervisor } = options;
  const app = createHttpServer({ log: options.log.child({ module: 'admin' }) });
  const starting = options.starting ?? (() => false);
  registerOpsRoutes(app, createRegistry('deploy-manager'), () =>
    starting() ? { ready: false, reason: 'the system is still starting' } : { ready: true },
  );
  registerDashboardRoutes(app);
  const onRequest = bearerAuth(options.token);

  app.get('/admin/status', { onRequest }, async () => ({
    units: fleet.statuses(),
    target: { units: fleet.target },
    autoscaler: autoscaler.view(),
    members: options.members(),
    cluster: options.cluster(),
    processes: supervisor.states
      .filter((child) => child.kind !== 'processing-unit')
      .map((child) => ({
        name: child.name,
        kind: child.kind,
        url: child.url,
        state: child.status,
        pid: child.pid ?? null,
        restarts: child.restarts,
      })),
  }));

  app.get('/admin/live', { onRequest }, async () => live.view());

  // Prometheus HTTP service discovery (http_sd_config, with `authorization` for the token).
  app.get('/admin/prometheus/targets', { onRequest }, async () =>
    prometheusTargets({ host: options.host, port: options.port }, supervisor.states),
  );

  app.put('/admin/units', { onRequest, schema: { body: SetUnitsBody } }, async (request, reply) => {
    const { count } = request.body;
    if (starting())
      throw new RetryLaterError('NOT_READY', 'the system is still starting: scale it once it runs', 5);
    fleet.setTarget(count);
    autoscaler.noteManualScale(count);
    options.log.info({ count }, 'operator set the unit count');
    return reply.code(202).send({ target: { units: fleet.target } });
  });

  // The repair queue lives with the data writers (in Postgres): pass the operator's calls on.
  const toWriter = async (request: FastifyRequest, reply: FastifyReply) => {
    let answer: Response;
    try {
      answer = await fetch(`${options.writerUrl}${request.url}`, {
        method: request.method,
        headers: {
          authorization: `Bearer ${options.token}`,
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new RetryLaterError('NOT_READY', `the data writer does not answer: ${(err as Error).message}`, 2);
    }
    const text = await answer.text();
    void reply.code(answer.status);
    if (text.length === 0) return reply.send();
    return reply.header('content-type', answer.headers.get('content-type') ?? 'application/json').send(text);
  };
  app.get('/admin/repairs', { onRequest }, toWriter);
  app.post('/admin/repairs/:id/retry', { onRequest }, toWriter);
  app.post('/admin/repairs/:id/discard', { onRequest }, toWriter);

  app.put('/admin/autoscaler', { onRequest, schema: { body: AutoscalerBody } }, async (request) => {
    try {
      return autoscaler.configure(request.body);
    } catch (err) {
      if (err instanceof RangeError) throw new ValidationError(err.message);
      throw err;
    }
  });

  return {
    async start() {
      await app.listen({ host: options.host, port: options.port });
    },
    async close() {
      await closeGracefully(app);
    },
  };
}
