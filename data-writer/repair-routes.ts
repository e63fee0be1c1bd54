import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { bearerAuth } from '../common/bearer-auth.js';
import { ChangeRecordSchema, type ChangeRecord } from '../common/change-record.js';
import { NotFoundError, ValidationError } from '../common/errors.js';
import type { HttpServer } from '../common/http-server.js';
import { RepairNotFoundError, type RepairDesk } from './repair-desk.js';

const RepairParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) });
const RetryBody = Type.Union([
  Type.Null(),
  Type.Object({ change: Type.Optional(Type.Unknown()) }, { additionalProperties: false }),
]);
const DiscardBody = Type.Object({ confirm: Type.Literal(true) }, { additionalProperties: false });

/**
 * The repair queue's routes on the data writer (the deploy manager's admin API passes them on):
 * `GET /admin/repairs`, `POST /admin/repairs/{id}/retry` (body empty, or `{"change": <the corrected
 * change>}`), `POST /admin/repairs/{id}/discard` with `{"confirm": true}`.
 */
export function registerRepairRoutes(app: HttpServer, desk: RepairDesk, token: string | undefined): void {
  const onRequest = bearerAuth(token);
  const notFound = (err: unknown): never => {
    if (err instanceof RepairNotFoundError) throw new NotFoundError('REPAIR_NOT_FOUND', err.message);
    if (err instanceof RangeError) throw new ValidationError(err.message);
    throw err;
  };

  app.get('/admin/repairs', { onRequest }, async () => ({ items: await desk.list() }));

  app.post(
    '/admin/repairs/:id/retry',
    { onRequest, schema: { params: RepairParams, body: Type.Optional(RetryBody) } },
    async (request, reply) => {
      const corrected = request.body?.change;
      if (corrected !== undefined && !Value.Check(ChangeRecordSchema, corrected)) {
        const problems = [...Value.Errors(ChangeRecordSchema, corrected)]
          .slice(0, 5)
          .map((e) => ({ field: `body/change${e.path}`, message: e.message }));
        throw new ValidationError('the corrected change is not a change record', { problems });
      }
      const result = await desk
        .retry(request.params.id, corrected as ChangeRecord | undefined)
        .catch(notFound);
      return reply.code(202).send(result);
    },
  );

  app.post(
    '/admin/repairs/:id/discard',
    { onRequest, schema: { params: RepairParams, body: DiscardBody } },
    async (request, reply) => {
      await desk.discard(request.params.id).catch(notFound);
      return reply.code(204).send();
    },
  );
}
