import { ValidationError } from '../../common/errors.js';
import type { HttpServer } from '../../common/http-server.js';
import { requireEmptyBody } from '../http/empty-body.js';
import { idempotencyKeyOf, replyIdempotently } from '../http/idempotent-reply.js';
import { asksQuantityOrSeats, QUANTITY_OR_SEATS } from '../ticketing/section-rules.js';
import type { Idempotency } from '../idempotency.js';
import type { BasketCoordinator } from './basket-coordinator.js';
import { BasketBody, BasketParams } from './basket-schemas.js';

/** The basket endpoints of API.md. Translation only: the saga lives in the coordinator. */
export function registerBasketRoutes(
  app: HttpServer,
  coordinator: BasketCoordinator,
  idempotency: Idempotency,
): void {
  app.post('/baskets', { schema: { body: BasketBody } }, (request, reply) => {
    // Refused at the door, before anything is stored: an item is the body of a hold.
    request.body.items.forEach((item, i) => {
      if (!asksQuantityOrSeats(item))
        throw new ValidationError(`items/${i}: ${QUANTITY_OR_SEATS}`, { field: `items/${i}` });
    });
    return replyIdempotently(idempotency, request, reply, async () => ({
      status: 201,
      body: await coordinator.create(request.body, idempotencyKeyOf(request)),
    }));
  });

  app.get('/baskets/:basketId', { schema: { params: BasketParams } }, (request) =>
    coordinator.get(request.params.basketId),
  );

  app.post('/baskets/:basketId/purchase', { schema: { params: BasketParams } }, (request, reply) => {
    requireEmptyBody(request.body, 'purchase');
    return replyIdempotently(idempotency, request, reply, () =>
      coordinator.purchase(request.params.basketId),
    );
  });

  app.delete('/baskets/:basketId', { schema: { params: BasketParams } }, async (request, reply) => {
    await coordinator.release(request.params.basketId);
    return reply.code(204).send();
  });
}
