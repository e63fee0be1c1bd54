import { sectionKey } from '../common/map-names.js';
import { route } from '../common/rendezvous.js';

/**
 * The aggregate a request is about, read from its path (and never from its body: the grid does
 * not parse bodies). Every request about one aggregate should reach the same unit, so that its
 * per-key queue batches them (ARCHITECTURE.md, the write path, step 1):
 *
 * - `/events/{eventId}/sections/{sectionId}` and below: `section:{eventId}.{sectionId}`
 * - `/events/{eventId}`: `event:{eventId}`
 * - `/auctions/{auctionId}` and below: `auction:{auctionId}`
 * - `/baskets/{basketId}` and below: `basket:{basketId}` (the unit that recovers it, if its
 *   coordinator dies, is the same one)
 * - anything else (`POST /events`, `POST /auctions`, `POST /baskets`, unknown paths): `null`, no affinity.
 *
 * The method does not change the key: every route on one aggregate, read or write, shares it.
 * Affinity is for speed only; a path the units will refuse may go anywhere.
 */
export function routingKey(url: string): string | null {
  let end = url.indexOf('?');
  if (end === -1) end = url.length;
  if (url.startsWith('/events/')) {
    const eventEnd = segmentEnd(url, 8, end);
    if (eventEnd === 8) return null;
    const eventId = segment(url, 8, eventEnd);
    if (url.startsWith('/sections/', eventEnd)) {
      const start = eventEnd + 10;
      const sectionEnd = segmentEnd(url, start, end);
      if (sectionEnd > start) return route.section(sectionKey(eventId, segment(url, start, sectionEnd)));
    }
    return route.event(eventId);
  }
  if (url.startsWith('/auctions/')) {
    const auctionEnd = segmentEnd(url, 10, end);
    if (auctionEnd === 10) return null;
    return route.auction(segment(url, 10, auctionEnd));
  }
  if (url.startsWith('/baskets/')) {
    const basketEnd = segmentEnd(url, 9, end);
    if (basketEnd === 9) return null;
    return route.basket(segment(url, 9, basketEnd));
  }
  return null;
}

function segmentEnd(url: string, start: number, end: number): number {
  const slash = url.indexOf('/', start);
  return slash === -1 || slash > end ? end : slash;
}

/** The path segment, percent-decoded the way the unit's router will decode it. */
function segment(url: string, start: number, end: number): string {
  const raw = url.slice(start, end);
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Whether a request asks for a live stream (`GET /auctions/{id}/stream`, `GET /events/{id}/stream`):
 * its answer may last for hours, so it goes on connections of its own, without a body timeout
 * shorter than the units' heartbeat. Judged on the path as the units' router matches it, decoded
 * as `decodeURI` decodes (so `/events/E/%73tream` is a stream too: on a pooled connection it would
 * hold that connection, and every request queued behind it, for as long as it lasts).
 */
export function isStreamRequest(method: string, url: string): boolean {
  if (method !== 'GET') return false;
  let end = url.indexOf('?');
  if (end === -1) end = url.length;
  const hash = url.indexOf('#');
  if (hash !== -1 && hash < end) end = hash;
  let path = url.slice(0, end);
  if (path.includes('%')) {
    try {
      path = decodeURI(path);
    } catch {
      return false; // the units' router refuses it too
    }
  }
  const tail = path.length - 7;
  return (
    (path.startsWith('/auctions/') || path.startsWith('/events/')) &&
    path.lastIndexOf('/stream') === tail &&
    path.indexOf('/', path.indexOf('/', 1) + 1) === tail
  );
}
