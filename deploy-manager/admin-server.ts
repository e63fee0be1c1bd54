import { bearerAuth } from '../common/bearer-auth.js';
import { closeGracefully, createHttpServer } from '../common/http-server.js';
import type { Logger } from '../common/logger.js';
import { createRegistry, registerOpsRoutes } from '../common/ops-routes.js';
import type { ChildSupervisor } from './child-supervisor.js';

export interface AdminServer {
  start(): Promise<void>;
  close(): Promise<void>;
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
  app.get('/admin/status', { onRequest: bearerAuth(options.token) }, async () => ({
    children: options.supervisor.states,
  }));

  return {
    async start() {
      await app.listen({ host: options.host, port: options.port });
    },
    async close() {
      await closeGracefully(app);
    },
  };
}
