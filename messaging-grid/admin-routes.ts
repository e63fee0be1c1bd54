import { Type } from '@sinclair/typebox';
import { bearerAuth } from '../common/bearer-auth.js';
import type { HttpServer } from '../common/http-server.js';
import type { UnitStatus } from './unit-pool.js';

export const SetUnitsBody = Type.Object(
  { urls: Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), { maxItems: 1024 }) },
  { additionalProperties: false },
);

export interface AdminRoutesOptions {
  /** When set, every admin request needs `Authorization: Bearer <token>`. */
  token: string | undefined;
  units(): UnitStatus[];
  setUnits(urls: readonly string[]): Promise<void>;
}

/**
 * `GET /admin/units` and `PUT /admin/units {"urls": [...]}`: how the deploy manager sees and
 * changes the units behind the grid when it scales. The PUT answers once units that left have
 * no request of the grid's in flight, so the manager may stop them at once.
 */
export function registerAdminRoutes(app: HttpServer, options: AdminRoutesOptions): void {
  const onRequest = bearerAuth(options.token);
  app.get('/admin/units', { onRequest }, async () => ({ units: options.units() }));
  app.put('/admin/units', { onRequest, schema: { body: SetUnitsBody } }, async (request) => {
    await options.setUnits(request.body.urls);
    return { units: options.units() };
  });
}
