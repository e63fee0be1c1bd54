import type { Redis } from 'ioredis';
import type { HttpServer } from '../../common/http-server.js';
import {
  CreateEventBody,
  EventParams,
  HoldBody,
  HoldParams,
  PurchaseBody,
  SectionParams,
} from '../../common/ticketing-api-schemas.js';
import { createEvent, readEvent, readSection } from './event-store.js';
import { placeHold, purchaseHold, readHold } from './hold-store.js';
import type { RedisLuaKeys } from './redis-lua-keys.js';

/**
 * The ticketing routes of API.md the flash-sale benchmark and its checks use, each straight onto
 * Redis (general admission; no release, no reserved seats, no bidding: 404 / 400).
 */
export function registerTicketingRoutes(app: HttpServer, redis: Redis, keys: RedisLuaKeys): void {
  app.post('/events', { schema: { body: CreateEventBody } }, async (request, reply) =>
    reply.code(201).send(await createEvent(redis, keys, request.body)),
  );
  app.get('/events/:eventId', { schema: { params: EventParams } }, async (request) =>
    readEvent(redis, keys, request.params.eventId),
  );
  app.get('/events/:eventId/sections/:sectionId', { schema: { params: SectionParams } }, async (request) =>
    readSection(redis, keys, request.params.eventId, request.params.sectionId),
  );
  app.post(
    '/events/:eventId/sections/:sectionId/holds',
    { schema: { params: SectionParams, body: HoldBody } },
    async (request, reply) => {
      const { eventId, sectionId } = request.params;
      return reply.code(201).send(await placeHold(redis, keys, eventId, sectionId, request.body));
    },
  );
  app.get(
    '/events/:eventId/sections/:sectionId/holds/:holdId',
    { schema: { params: HoldParams } },
    async (request) => {
      const { eventId, sectionId, holdId } = request.params;
      return readHold(redis, keys, eventId, sectionId, holdId);
    },
  );
  app.post(
    '/events/:eventId/sections/:sectionId/holds/:holdId/purchase',
    { schema: { params: HoldParams, body: PurchaseBody } },
    async (request, reply) => {
      const { eventId, sectionId, holdId } = request.params;
      const { status, body } = await purchaseHold(redis, keys, eventId, sectionId, holdId);
      return reply.code(status).send(body);
    },
  );
}
