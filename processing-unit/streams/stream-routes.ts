import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { AuctionAggregate } from '../../common/bidding-model.js';
import { NotFoundError } from '../../common/errors.js';
import type { HttpServer } from '../../common/http-server.js';
import type { JsonMap } from '../../common/json-map.js';
import type { Logger } from '../../common/logger.js';
import { REQUEST_ID_HEADER } from '../../common/request-id.js';
import type { EventView } from '../../common/ticketing-api-schemas.js';
import { EventParams } from '../../common/ticketing-api-schemas.js';
import type { SectionAggregate } from '../../common/ticketing-model.js';
import { AuctionParams } from '../bidding/bidding-schemas.js';
import { AuctionFeed } from './auction-feed.js';
import { parseAuctionPosition } from '../../common/stream-position.js';
import { EventFeed } from './event-feed.js';
import { SharedFeeds } from './shared-feeds.js';
import { lastEventIdOf, SSE_HEADERS } from './sse.js';
import { SseWatcher, type WatcherEnd } from './sse-watcher.js';

export interface StreamOptions {
  /** Unsent bytes a watcher may hold before it is dropped. Default 256 KiB. */
  maxBufferedBytes?: number;
  /** Interval of `: ping` comments. Default 15 s. */
  heartbeatMs?: number;
  /** Committed versions of an auction kept for reconnecting clients. Default 1,000. */
  historyVersions?: number;
  /** How long a feed stays after its last watcher left. Default 30 s. */
  lingerMs?: number;
  /** Least time between two availability messages of one event (API.md: 250 ms). */
  availabilityIntervalMs?: number;
}

export interface StreamDeps {
  auctions: JsonMap<AuctionAggregate>;
  sections: JsonMap<SectionAggregate>;
  /** Throws NotFoundError (404) for an auction that does not exist; restores one the grid lost. */
  requireAuction: (auctionId: string) => Promise<unknown>;
  /** The event as clients see it; throws NotFoundError (404) for an unknown event. */
  getEvent: (eventId: string) => Promise<EventView>;
  log: Logger;
  /** Told when a watcher joins and when it leaves (how), for the unit's metrics. */
  onWatcher?: (stream: StreamKind, change: 'joined' | WatcherEnd) => void;
}

export type StreamKind = 'auction' | 'event';

/**
 * A stream's answer to HEAD (every GET answers it): the stream's headers, and the answer ends
 * there. A HEAD answer has no body, so whoever sent it (the messaging grid) reuses the connection
 * at once; a stream left open behind those headers would stall the next request on it.
 */
function headOnly(reply: FastifyReply): FastifyReply {
  return reply.code(200).headers(SSE_HEADERS).send();
}

/**
 * API.md's live streams: `GET /auctions/{id}/stream` and `GET /events/{id}/stream`. An unknown
 * id is answered 404 in the API's error shape before the stream starts; from then on the
 * response is hijacked and fed by the key's shared feed, never by a request handler.
 */
export function registerStreamRoutes(app: HttpServer, deps: StreamDeps, options: StreamOptions = {}): void {
  const watcherOptions = {
    maxBufferedBytes: options.maxBufferedBytes ?? 256 * 1024,
    heartbeatMs: options.heartbeatMs ?? 15_000,
  };
  const lingerMs = options.lingerMs ?? 30_000;
  const auctionFeeds = new SharedFeeds<AuctionFeed>(lingerMs);
  const eventFeeds = new SharedFeeds<EventFeed>(lingerMs);
  const log = deps.log;

  const watch = (
    stream: StreamKind,
    reply: { hijack(): void; raw: ServerResponse },
    requestId: string,
    release: () => void,
  ): SseWatcher => {
    reply.hijack();
    const watcher = new SseWatcher(reply.raw, watcherOptions, { [REQUEST_ID_HEADER]: requestId });
    deps.onWatcher?.(stream, 'joined');
    watcher.onClose((reason) => {
      deps.onWatcher?.(stream, reason);
      release();
    });
    return watcher;
  };

  app.get('/auctions/:auctionId/stream', { schema: { params: AuctionParams } }, async (request, reply) => {
    const { auctionId } = request.params;
    if (request.method === 'HEAD') {
      await deps.requireAuction(auctionId);
      return headOnly(reply);
    }
    // The auction is looked up (404, or restored from Postgres) only when its feed must be opened:
    // joining an open feed costs no grid round trip.
    const feed = await auctionFeeds.acquire(auctionId, async () => {
      await deps.requireAuction(auctionId);
      return AuctionFeed.open(
        deps.auctions,
        auctionId,
        { historyVersions: options.historyVersions ?? 1_000 },
        log.child({ module: 'auction-feed' }),
      );
    });
    if (!feed) throw new NotFoundError('AUCTION_NOT_FOUND', `auction ${auctionId} not found`);
    const from = parseAuctionPosition(lastEventIdOf(request.headers['last-event-id']));
    feed.join(
      watch('auction', reply, request.id, () => auctionFeeds.release(auctionId)),
      from,
    );
    return reply;
  });

  app.get('/events/:eventId/stream', { schema: { params: EventParams } }, async (request, reply) => {
    const { eventId } = request.params;
    if (request.method === 'HEAD') {
      await deps.getEvent(eventId);
      return headOnly(reply);
    }
    const feed = await eventFeeds.acquire(eventId, async () => {
      const event = await deps.getEvent(eventId);
      return EventFeed.open(
        deps.sections,
        eventId,
        event.sections.map((s) => ({
          id: s.id,
          capacity: s.capacity,
          held: s.held,
          sold: s.sold,
          version: 0,
        })),
        { minIntervalMs: options.availabilityIntervalMs ?? 250 },
        log.child({ module: 'event-feed' }),
      );
    });
    if (!feed) throw new NotFoundError('EVENT_NOT_FOUND', `event ${eventId} not found`);
    feed.join(
      watch('event', reply, request.id, () => eventFeeds.release(eventId)),
      lastEventIdOf(request.headers['last-event-id']),
    );
    return reply;
  });

  const close = async (): Promise<void> => {
    await Promise.all([auctionFeeds.close(), eventFeeds.close()]);
  };
  // Streams never finish by themselves: once the server stops taking requests they end (their
  // clients reconnect, through the grid, to another unit) and the close can proceed.
  app.addHook('preClose', close);
}
