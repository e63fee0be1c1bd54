import { createHash, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpServer } from '../common/http-server.js';
import { UnauthorizedError } from './grid-errors.js';
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
 * changes the units behind the grid when it scales.
 */
export function registerAdminRoutes(app: HttpServer, options: AdminRoutesOptions): void {
  const onRequest = bearerAuth(options.token);
  app.get('/admin/units', { onRequest }, async () => ({ units: options.units() }));
  app.put('/admin/units', { onRequest, schema: { body: SetUnitsBody } }, async (request) => {
    await options.setUnits(request.body.urls);
    return { units: options.units() };
  });
}

function bearerAuth(token: string | undefined) {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (expected === undefined) return;
    // Compare digests: equal lengths, and no timing hint about how much of the token matched.
    if (timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) return;
    void reply.header('www-authenticate', 'Bearer realm="spacegrid-admin"');
    throw new UnauthorizedError('this needs Authorization: Bearer <ADMIN_TOKEN>');
  };
}
