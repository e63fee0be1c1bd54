import type { HttpServer } from '../../common/http-server.js';
import { requireEmptyBody } from '../http/empty-body.js';
import { idempotencyKeyOf, replyIdempotently } from '../http/idempotent-reply.js';
import type { Idempotency } from '../idempotency.js';
import type { TicketingService } from './ticketing-service.js';
import {
  CreateEventBody,
  EventParams,
  HoldBody,
  HoldParams,
  SectionParams,
} from '../../common/ticketing-api-schemas.js';

/** The ticketing endpoints of API.md. Translation only: rules live in the service and the domain. */
export function registerTicketingRoutes(
  app: HttpServer,
  service: TicketingService,
  idempotency: Idempotency,
): void {
  app.post('/events', { schema: { body: CreateEventBody } }, (request, reply) =>
    replyIdempotently(idempotency, request, reply, async (keyed) => ({
      status: 201,
      body: await service.createEvent(request.body, keyed),
    })),
  );

  app.get('/events/:eventId', { schema: { params: EventParams } }, (request) =>
    service.getEvent(request.params.eventId),
  );

  app.get('/events/:eventId/sections/:sectionId', { schema: { params: SectionParams } }, (request) =>
    service.getSection(request.params.eventId, request.params.sectionId),
  );

  app.post(
    '/events/:eventId/sections/:sectionId/holds',
    { schema: { params: SectionParams, body: HoldBody } },
    (request, reply) =>
      replyIdempotently(idempotency, request, reply, async () => ({
        status: 201,
        body: await service.placeHold(
          request.params.eventId,
          request.params.sectionId,
          request.body,
          idempotencyKeyOf(request),
        ),
      })),
  );

  app.get(
    '/events/:eventId/sections/:sectionId/holds/:holdId',
    { schema: { params: HoldParams } },
    (request) => service.getHold(request.params.eventId, request.params.sectionId, request.params.holdId),
  );

  app.post(
    '/events/:eventId/sections/:sectionId/holds/:holdId/purchase',
    { schema: { params: HoldParams } },
    (request, reply) => {
      requireEmptyBody(request.body, 'purchase');
      return replyIdempotently(idempotency, request, reply, async () => {
        const { eventId, sectionId, holdId } = request.params;
        const { order, firstTime } = await service.purchase(eventId, sectionId, holdId);
        return { status: firstTime ? 201 : 200, body: order };
      });
    },
  );

  app.delete(
    '/events/:eventId/sections/:sectionId/holds/:holdId',
    { schema: { params: HoldParams } },
    async (request, reply) => {
      await service.release(request.params.eventId, request.params.sectionId, request.params.holdId);
      return reply.code(204).send();
    },
  );
}
