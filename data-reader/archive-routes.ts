import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { Id } from '../common/api-schemas.js';
import type { HttpServer } from '../common/http-server.js';
import { RestoreWaiting, type RestoreOutcome, type Restorer } from './restorer.js';

/**
 * The data reader's on-demand routes, for processing units: read a hold that left the grid, and
 * put back an aggregate the grid lost. 200 restored (or already back), 404 Postgres has none,
 * 503 RESTORING with Retry-After while Postgres may still be behind for that key.
 */
export function registerArchiveRoutes(app: HttpServer, restorer: () => Restorer | undefined): void {
  const notReady = { error: { code: 'NOT_READY', message: 'the data reader is starting' } };
  const answer = async (
    reply: FastifyReply,
    work: (r: Restorer) => Promise<RestoreOutcome>,
  ): Promise<unknown> => {
    const r = restorer();
    if (!r) return reply.code(503).header('retry-after', '1').send(notReady);
    try {
      const outcome = await work(r);
      if (outcome === 'absent') {
        return reply
          .code(404)
          .send({ error: { code: 'NOT_FOUND', message: 'Postgres has no such aggregate' } });
      }
      return { outcome };
    } catch (err) {
      if (!(err instanceof RestoreWaiting)) throw err;
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({ error: { code: 'RESTORING', message: err.message } });
    }
  };

  app.get(
    '/archive/holds/:eventId/:sectionId/:holdId',
    { schema: { params: Type.Object({ eventId: Id, sectionId: Id, holdId: Id }) } },
    async (request, reply) => {
      const r = restorer();
      if (!r) return reply.code(503).header('retry-after', '1').send(notReady);
      const { eventId, sectionId, holdId } = request.params;
      const hold = await r.hold(eventId, sectionId, holdId);
      if (!hold)
        return reply.code(404).send({ error: { code: 'HOLD_NOT_FOUND', message: `no hold ${holdId}` } });
      return hold;
    },
  );
  app.post(
    '/restore/sections/:eventId/:sectionId',
    { schema: { params: Type.Object({ eventId: Id, sectionId: Id }) } },
    (request, reply) => {
      const { eventId, sectionId } = request.params;
      return answer(reply, (r) => r.restoreSection(eventId, sectionId));
    },
  );
  app.post(
    '/restore/events/:eventId',
    { schema: { params: Type.Object({ eventId: Id }) } },
    (request, reply) => answer(reply, (r) => r.restoreEvent(request.params.eventId)),
  );
  app.post(
    '/restore/auctions/:auctionId',
    { schema: { params: Type.Object({ auctionId: Id }) } },
    (request, reply) => answer(reply, (r) => r.restoreAuction(request.params.auctionId)),
  );
}
