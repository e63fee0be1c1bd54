import type pg from 'pg';
import type { HttpServer } from '../../common/http-server.js';
import { createEvent, readEvent, readSection } from './event-store.js';
import { purchaseHold, releaseHold } from './hold-lifecycle.js';
import { placeHold, readHold } from './hold-store.js';
import {
  CreateEventBody,
  EventParams,
  HoldBody,
  HoldParams,
  PurchaseBody,
  SectionParams,
} from '../../common/ticketing-api-schemas.js';

/** The ticketing routes of API.md, each one straight onto Postgres. */
export function registerTicketingRoutes(app: HttpServer, pool: pg.Pool): void {
  app.post('/events', { schema: { body: CreateEventBody } }, async (request, reply) =>
    reply.code(201).send(await createEvent(pool, request.body)),
  );
  app.get('/events/:eventId', { schema: { params: EventParams } }, async (request) =>
    readEvent(pool, request.params.eventId),
  );
  app.get('/events/:eventId/sections/:sectionId', { schema: { params: SectionParams } }, async (request) =>
    readSection(pool, request.params.eventId, request.params.sectionId),
  );
  app.post(
    '/events/:eventId/sections/:sectionId/holds',
    { schema: { params: SectionParams, body: HoldBody } },
    async (request, reply) => {
      const { eventId, sectionId } = request.params;
      return reply.code(201).send(await placeHold(pool, eventId, sectionId, request.body));
    },
  );
  app.get(
    '/events/:eventId/sections/:sectionId/holds/:holdId',
    { schema: { params: HoldParams } },
    async (request) => {
      const { eventId, sectionId, holdId } = request.params;
      return readHold(pool, eventId, sectionId, holdId);
    },
  );
  app.post(
    '/events/:eventId/sections/:sectionId/holds/:holdId/purchase',
    { schema: { params: HoldParams, body: PurchaseBody } },
    async (request, reply) => {
      const { eventId, sectionId, holdId } = request.params;
      const { status, body } = await purchaseHold(pool, eventId, sectionId, holdId);
      return reply.code(status).send(body);
    },
  );
  app.delete(
    '/events/:eventId/sections/:sectionId/holds/:holdId',
    { schema: { params: HoldParams } },
    async (request, reply) => {
      const { eventId, sectionId, holdId } = request.params;
      await releaseHold(pool, eventId, sectionId, holdId);
      return reply.code(204).send();
    },
  );
}
