import Fastify from 'fastify';

export interface NoopServerOptions {
  /** 0 picks a free port. Default 0. */
  port?: number;
  host?: string;
}

export interface NoopServer {
  /** Listens; resolves to the base URL. */
  start(): Promise<string>;
  close(): Promise<void>;
}

const AT = '2026-12-20T18:00:00.000Z';
const section = { id: 'floor', kind: 'GA', capacity: 10_000_000, available: 9_999_998, held: 2, sold: 0 };
const event = {
  id: 'noop-event',
  name: 'No-op event',
  startsAt: AT,
  holdTtlSeconds: 600,
  maxSeatsPerHold: 10,
  sections: [section],
};
const hold = {
  holdId: 'noop-hold',
  eventId: 'noop-event',
  sectionId: 'floor',
  customerId: 'c-1',
  quantity: 2,
  status: 'HELD',
  expiresAt: AT,
};
const order = {
  orderId: 'noop-order',
  holdId: 'noop-hold',
  eventId: 'noop-event',
  sectionId: 'floor',
  customerId: 'c-1',
  quantity: 2,
  status: 'CONFIRMED',
  purchasedAt: AT,
};
const bid = {
  bidId: 'noop-bid',
  auctionId: 'noop-lot',
  bidderId: 'b-1',
  amount: 1200,
  placedAt: AT,
  endsAt: AT,
};
const auction = {
  id: 'noop-lot',
  title: 'No-op lot',
  status: 'OPEN',
  startingPrice: 1000,
  minIncrement: 100,
  minimumNextBid: 1300,
  reserveMet: false,
  highestBid: { bidId: 'noop-bid', bidderId: 'b-1', amount: 1200, placedAt: AT },
  bidCount: 1,
  startsAt: AT,
  endsAt: AT,
  winner: null,
};

/** Every route of API.md, answered with a fixed, valid-looking JSON (serialized once). */
const ROUTES: Array<[method: 'GET' | 'POST' | 'DELETE', url: string, status: number, body: unknown]> = [
  ['GET', '/healthz', 200, { status: 'ok' }],
  ['GET', '/readyz', 200, { status: 'ready' }],
  ['POST', '/events', 201, event],
  ['GET', '/events/:eventId', 200, event],
  ['GET', '/events/:eventId/sections/:sectionId', 200, section],
  ['POST', '/events/:eventId/sections/:sectionId/holds', 201, hold],
  ['GET', '/events/:eventId/sections/:sectionId/holds/:holdId', 200, hold],
  ['POST', '/events/:eventId/sections/:sectionId/holds/:holdId/purchase', 201, order],
  ['DELETE', '/events/:eventId/sections/:sectionId/holds/:holdId', 204, undefined],
  ['POST', '/auctions', 201, auction],
  ['GET', '/auctions/:auctionId', 200, auction],
  ['POST', '/auctions/:auctionId/bids', 201, bid],
  ['GET', '/auctions/:auctionId/bids', 200, { bids: [bid] }],
];

/**
 * A Fastify server that does no work: the ceiling a real server cannot beat on the same
 * machine, and the target for checking that the harness is not the bottleneck.
 */
export function buildNoopServer(options: NoopServerOptions = {}): NoopServer {
  const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
  // No work means no body parsing either: read the body, ignore it (about 15 % less CPU per POST).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));
  for (const [method, url, status, body] of ROUTES) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    app.route({
      method,
      url,
      handler: (_request, reply) => {
        if (payload === undefined) return reply.code(status).send();
        return reply.code(status).header('content-type', 'application/json; charset=utf-8').send(payload);
      },
    });
  }
  app.get('/metrics', (_request, reply) =>
    reply.header('content-type', 'text/plain; version=0.0.4').send('# no-op\n'),
  );
  return {
    async start() {
      return app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
    },
    async close() {
      await app.close();
    },
  };
}
