import { ValidationError } from '../../common/errors.js';
import type { HttpServer } from '../../common/http-server.js';
import { idempotencyKeyOf, replyIdempotently } from '../http/idempotent-reply.js';
import type { Idempotency } from '../idempotency.js';
import { DEFAULT_BIDS_LIMIT } from './auction-views.js';
import type { BiddingService } from './bidding-service.js';
import { AuctionParams, BidBody, BidsQuery, CreateAuctionBody } from './bidding-schemas.js';

/** The bidding endpoints of API.md. */
export function registerBiddingRoutes(
  app: HttpServer,
  service: BiddingService,
  idempotency: Idempotency,
): void {
  app.post('/auctions', { schema: { body: CreateAuctionBody } }, (request, reply) =>
    replyIdempotently(idempotency, request, reply, async (keyed) => ({
      status: 201,
      body: await service.createAuction(request.body, keyed),
    })),
  );

  app.get('/auctions/:auctionId', { schema: { params: AuctionParams } }, (request) =>
    service.getAuction(request.params.auctionId),
  );

  app.post(
    '/auctions/:auctionId/bids',
    { schema: { params: AuctionParams, body: BidBody } },
    (request, reply) =>
      replyIdempotently(idempotency, request, reply, async () => ({
        status: 201,
        body: await service.placeBid(request.params.auctionId, request.body, idempotencyKeyOf(request)),
      })),
  );

  app.get(
    '/auctions/:auctionId/bids',
    { schema: { params: AuctionParams, querystring: BidsQuery } },
    (request) => {
      const limit = request.query.limit === undefined ? DEFAULT_BIDS_LIMIT : Number(request.query.limit);
      if (limit < 1 || limit > 100) throw new ValidationError('limit must be 1 to 100', { field: 'limit' });
      return service.listBids(request.params.auctionId, limit);
    },
  );
}
