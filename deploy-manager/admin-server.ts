import { timingSafeEqual } from 'node:crypto';
import { errorBody } from '../common/http-errors.js';
import { createHttpServer } from '../common/http-server.js';
import type { Logger } from '../common/logger.js';
import { createRegistry, registerOpsRoutes } from '../common/ops-routes.js';
import type { ChildSupervisor } from './child-supervisor.js';

export interface AdminServer {
  start(): Promise<void>;
  close(): Promise<void>;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The deploy manager's admin API: what runs, its state and restarts. Bearer token required. */
export function buildAdminServer(options: {
  host: string;
  port: number;
  token: string;
  supervisor: ChildSupervisor;
  log: Logger;
}): AdminServer {
  const app = createHttpServer({ log: options.log.child({ module: 'admin' }) });
  registerOpsRoutes(app, createRegistry('deploy-manager'), () => ({ ready: true }));
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/admin')) return;
    const header = request.headers.authorization ?? '';
    if (!header.startsWith('Bearer ') || !sameToken(header.slice(7), options.token)) {
      return reply.code(401).send(errorBody('UNAUTHORIZED', 'send Authorization: Bearer <ADMIN_TOKEN>'));
    }
  });
  app.get('/admin/status', async () => ({ children: options.supervisor.states }));

  return {
    async start() {
      await app.listen({ host: options.host, port: options.port });
    },
    async close() {
      await app.close();
    },
  };
}
