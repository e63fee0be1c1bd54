import type { TSchema } from '@sinclair/typebox';
import type { ApiErrorCode } from '../common/errors.js';
import { PurchaseBody } from '../common/ticketing-api-schemas.js';
import {
  AuctionViewSchema,
  BasketPurchaseSchema,
  BasketViewSchema,
  BidListSchema,
  BidViewSchema,
  EventViewSchema,
  HealthSchema,
  HoldViewSchema,
  OrderViewSchema,
  ReadySchema,
  RefTo,
  SectionViewSchema,
} from './openapi-schemas.js';

/**
 * What the OpenAPI document says of each route beyond its request schemas (which come from the
 * units' own route registrations): its purpose, its answers, and the error codes it can answer.
 */
export interface RouteDoc {
  operationId: string;
  tag: 'ticketing' | 'bidding' | 'operations';
  summary: string;
  description: string;
  /**
   * Answers that are not errors, by status: a JSON schema, `text` for plain text, `event-stream` for
   * Server-Sent Events, `null` for none.
   */
  answers: Record<number, { description: string; schema: TSchema | 'text' | 'event-stream' | null }>;
  /** The codes of this route beyond those of {@link ANY_REQUEST}, {@link TO_A_UNIT} and {@link A_POST}. */
  errors: readonly ApiErrorCode[];
  /** A body the route may also do without (it checks it by hand, not with a schema). */
  optionalBody?: TSchema;
  /** Answered by the messaging grid itself, never sent to a unit (and so answered while no unit is ready). */
  grid?: true;
}

/** The status and meaning of every code the public port answers. */
export const API_ERRORS: Record<ApiErrorCode, { status: number; meaning: string }> = {
  VALIDATION_FAILED: {
    status: 400,
    meaning:
      'the request is malformed: bad JSON, a wrong type, a number out of range, an unknown field, a bad identifier, ' +
      'time or Idempotency-Key, or a rule across fields; `details.problems[]` names each field a schema refused',
  },
  NOT_FOUND: { status: 404, meaning: 'no such route (an unknown path, or a method the path does not take)' },
  EVENT_NOT_FOUND: { status: 404, meaning: 'no event with this id' },
  SECTION_NOT_FOUND: { status: 404, meaning: 'the event has no section with this id' },
  HOLD_NOT_FOUND: { status: 404, meaning: 'no hold with this id in this section' },
  AUCTION_NOT_FOUND: { status: 404, meaning: 'no auction with this id' },
  BASKET_NOT_FOUND: {
    status: 404,
    meaning: 'no basket with this id (a basket refused with BASKET_UNAVAILABLE never existed)',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    meaning: 'the request line, headers or body did not arrive in time; the connection is closed',
  },
  EVENT_EXISTS: { status: 409, meaning: 'an event with this id exists already' },
  AUCTION_EXISTS: { status: 409, meaning: 'an auction with this id exists already' },
  NOT_ENOUGH_SEATS: {
    status: 409,
    meaning: 'fewer seats are available than asked for; `details.available` says how many are',
  },
  SEAT_UNAVAILABLE: { status: 409, meaning: 'a named seat is held or sold; `details.seats` lists them' },
  HOLD_NOT_ACTIVE: {
    status: 409,
    meaning: 'the hold was released (so it cannot be purchased) or purchased (so it cannot be released)',
  },
  BID_TOO_LOW: { status: 409, meaning: 'the bid is below `details.minimumNextBid`' },
  AUCTION_CLOSED: { status: 409, meaning: 'the auction has ended' },
  AUCTION_NOT_STARTED: { status: 409, meaning: 'the auction opens at `details.startsAt`' },
  IDEMPOTENCY_KEY_IN_FLIGHT: {
    status: 409,
    meaning:
      'a request with this Idempotency-Key is still being worked on (5 s waited), or failed: try again',
  },
  BASKET_UNAVAILABLE: {
    status: 409,
    meaning:
      'an item of the basket could not be held, so nothing is held; `details.items` gives each item (in the ' +
      "request's order) `ok`, the code its hold got (`NOT_ENOUGH_SEATS`, `SEAT_UNAVAILABLE`, or one that said " +
      'nothing was decided, such as `OVERLOADED` or `UNIT_TIMEOUT`), or `NOT_TRIED`',
  },
  HOLD_EXPIRED: {
    status: 410,
    meaning: 'the hold expired before it was purchased; its seats are back on sale',
  },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'the body is over 1 MiB' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'the body is not `application/json`' },
  EXPECTATION_FAILED: { status: 417, meaning: 'an `Expect` header other than `100-continue`' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, meaning: 'this Idempotency-Key was used with a different request' },
  OVERLOADED: {
    status: 429,
    meaning:
      'shed, nothing done: the grid or the unit is at capacity, too many connections are open, the aggregate has ' +
      'too many changes not yet stored, or too many concurrent changes collided on it: try again (after ' +
      '`Retry-After`, when given)',
  },
  HEADERS_TOO_LARGE: { status: 431, meaning: 'the request line and headers exceed 16 KiB' },
  INTERNAL: { status: 500, meaning: 'a bug of ours, logged with the request id' },
  UNIT_FAILED: {
    status: 502,
    meaning:
      'the processing unit failed while handling the request; whether it took effect is unknown: repeat it ' +
      'with the same Idempotency-Key',
  },
  NOT_READY: {
    status: 503,
    meaning:
      'nothing was done: no unit is ready, the grid is warming or unreachable, or the server is shutting down; ' +
      'try again after `Retry-After`',
  },
  GRID_UNAVAILABLE: {
    status: 503,
    meaning:
      'the data grid failed during the operation, or refused a step of a request that writes; whether it took ' +
      'effect is unknown: repeat it with the same Idempotency-Key',
  },
  RESTORING: {
    status: 503,
    meaning:
      'the data grid lost this aggregate and it is being restored from Postgres: try again after `Retry-After`',
  },
  ARCHIVE_UNAVAILABLE: {
    status: 503,
    meaning:
      'what was asked for has left the data grid, and the reader of Postgres cannot be reached: try again',
  },
  BASKET_PENDING: {
    status: 504,
    meaning:
      'the basket is still being worked on (a section slow to answer, or its coordinator died and recovery has ' +
      'not finished it yet) and may still end held or refused: `details.basketId` names it; ask for it with GET, ' +
      'or repeat the request with the same Idempotency-Key',
  },
  UNIT_TIMEOUT: {
    status: 504,
    meaning:
      'the processing unit did not answer in time; the request may still take effect: repeat it with the same ' +
      'Idempotency-Key',
  },
};

/** Codes any request to the public port may get, before or whatever its route. */
export const ANY_REQUEST: readonly ApiErrorCode[] = [
  'VALIDATION_FAILED',
  'REQUEST_TIMEOUT',
  'EXPECTATION_FAILED',
  'HEADERS_TOO_LARGE',
  'OVERLOADED',
  'NOT_READY',
  'INTERNAL',
];

/** Codes of a request the grid sends to a processing unit. */
export const TO_A_UNIT: readonly ApiErrorCode[] = [
  'UNIT_FAILED',
  'UNIT_TIMEOUT',
  'GRID_UNAVAILABLE',
  'RESTORING',
  'ARCHIVE_UNAVAILABLE',
];

/** Codes of every POST: it has a body and takes an Idempotency-Key. */
export const A_POST: readonly ApiErrorCode[] = [
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_KEY_IN_FLIGHT',
];

/** Codes answered for requests that match no route, and so no operation of the document. */
export const NO_ROUTE: readonly ApiErrorCode[] = ['NOT_FOUND'];

/** Every route of the public API, by `METHOD /fastify/:path`. */
export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /events': {
    operationId: 'createEvent',
    tag: 'ticketing',
    summary: 'Create an event and its sections',
    description:
      'A section has either `capacity` (general admission) or `seats` (reserved seating, distinct seat ids, listed ' +
      'best first), never both; section ids are distinct. Without `id` the server makes one. `holdTtlSeconds` ' +
      'defaults to 600, `maxSeatsPerHold` to 10.',
    answers: {
      201: { description: 'Created: the event, every seat available', schema: RefTo(EventViewSchema) },
    },
    errors: ['EVENT_EXISTS'],
  },
  'GET /events/:eventId': {
    operationId: 'getEvent',
    tag: 'ticketing',
    summary: 'An event with the counts of each section',
    description: 'Counts only: the seat map of a reserved section is in `GET …/sections/{sectionId}`.',
    answers: { 200: { description: 'The event', schema: RefTo(EventViewSchema) } },
    errors: ['EVENT_NOT_FOUND'],
  },
  'GET /events/:eventId/sections/:sectionId': {
    operationId: 'getSection',
    tag: 'ticketing',
    summary: "A section's counts, and the state of each seat of a reserved section",
    description: 'Invariant: `held + sold <= capacity`, and `available = capacity - held - sold`.',
    answers: { 200: { description: 'The section', schema: RefTo(SectionViewSchema) } },
    errors: ['EVENT_NOT_FOUND', 'SECTION_NOT_FOUND'],
  },
  'POST /events/:eventId/sections/:sectionId/holds': {
    operationId: 'placeHold',
    tag: 'ticketing',
    summary: 'Hold seats until the hold is purchased, released or expires',
    description:
      'Either `quantity` (general admission, or the best available seats of a reserved section, in the order ' +
      "the event listed them) or `seats` (named seats of a reserved section), never both; at most the event's " +
      '`maxSeatsPerHold`. A hold not purchased by `expiresAt` expires and its seats become available again. ' +
      'Under an Idempotency-Key, a retry after any failure finds the hold its first attempt placed.',
    answers: { 201: { description: 'Held', schema: RefTo(HoldViewSchema) } },
    errors: ['EVENT_NOT_FOUND', 'SECTION_NOT_FOUND', 'NOT_ENOUGH_SEATS', 'SEAT_UNAVAILABLE'],
  },
  'GET /events/:eventId/sections/:sectionId/holds/:holdId': {
    operationId: 'getHold',
    tag: 'ticketing',
    summary: 'A hold',
    description: 'A hold past its `expiresAt` shows EXPIRED at once, before its seats are returned.',
    answers: { 200: { description: 'The hold', schema: RefTo(HoldViewSchema) } },
    errors: ['HOLD_NOT_FOUND'],
  },
  'POST /events/:eventId/sections/:sectionId/holds/:holdId/purchase': {
    operationId: 'purchaseHold',
    tag: 'ticketing',
    summary: 'Buy the seats of a hold',
    description:
      'The body is `{}` (or empty, with no Content-Type). Buying a hold already bought answers 200 with the same ' +
      'order, with or without an Idempotency-Key.',
    answers: {
      201: { description: 'Purchased: the order', schema: RefTo(OrderViewSchema) },
      200: { description: 'Purchased before: the same order', schema: RefTo(OrderViewSchema) },
    },
    errors: ['HOLD_NOT_FOUND', 'HOLD_NOT_ACTIVE', 'HOLD_EXPIRED'],
    optionalBody: PurchaseBody,
  },
  'DELETE /events/:eventId/sections/:sectionId/holds/:holdId': {
    operationId: 'releaseHold',
    tag: 'ticketing',
    summary: 'Release a hold: its seats become available again',
    description: 'Releasing a hold that is already released or expired answers 204 too.',
    answers: { 204: { description: 'Released', schema: null } },
    errors: ['HOLD_NOT_FOUND', 'HOLD_NOT_ACTIVE'],
  },
  'POST /baskets': {
    operationId: 'createBasket',
    tag: 'ticketing',
    summary: 'Hold seats in several sections at once: all of them, or none',
    description:
      '1 to 10 items, each the body of a hold with its `eventId` and `sectionId` (`quantity` or `seats`, never ' +
      'both). Every item is held, or nothing is: 409 `BASKET_UNAVAILABLE` with `details.items`. An item refused ' +
      'as malformed (400) or naming an unknown event or section (404) answers with its code, and ' +
      "`details.items`; nothing is held then either. `expiresAt` is the earliest of its holds'; items are " +
      "answered in the request's order. Under an Idempotency-Key, a retry after any failure finds the basket " +
      'its first attempt made.',
    answers: { 201: { description: 'Every item held', schema: RefTo(BasketViewSchema) } },
    errors: ['EVENT_NOT_FOUND', 'SECTION_NOT_FOUND', 'BASKET_UNAVAILABLE', 'BASKET_PENDING'],
  },
  'GET /baskets/:basketId': {
    operationId: 'getBasket',
    tag: 'ticketing',
    summary: 'A basket',
    description:
      '`status` is HELD, PURCHASED, RELEASED or EXPIRED (at once from `expiresAt` on, without a purchase).',
    answers: { 200: { description: 'The basket', schema: RefTo(BasketViewSchema) } },
    errors: ['BASKET_NOT_FOUND', 'BASKET_PENDING'],
  },
  'POST /baskets/:basketId/purchase': {
    operationId: 'purchaseBasket',
    tag: 'ticketing',
    summary: 'Buy every hold of a basket, or none',
    description:
      'The body is `{}` (or empty). Every hold is bought, or none and every hold is released: 410 ' +
      '`HOLD_EXPIRED` when a hold expired or has less than a few seconds left (`BASKET_PURCHASE_MARGIN_MS`), ' +
      '409 `HOLD_NOT_ACTIVE` when one was released. Buying a basket already bought answers 200 with the same orders.',
    answers: {
      201: { description: 'Purchased: one order per hold', schema: RefTo(BasketPurchaseSchema) },
      200: { description: 'Purchased before: the same orders', schema: RefTo(BasketPurchaseSchema) },
    },
    errors: ['BASKET_NOT_FOUND', 'HOLD_NOT_ACTIVE', 'HOLD_EXPIRED', 'BASKET_PENDING'],
    optionalBody: PurchaseBody,
  },
  'DELETE /baskets/:basketId': {
    operationId: 'releaseBasket',
    tag: 'ticketing',
    summary: 'Release every hold of a basket',
    description: 'Releasing a basket already released or expired answers 204 too.',
    answers: { 204: { description: 'Released', schema: null } },
    errors: ['BASKET_NOT_FOUND', 'HOLD_NOT_ACTIVE', 'BASKET_PENDING'],
  },
  'POST /auctions': {
    operationId: 'createAuction',
    tag: 'bidding',
    summary: 'Create an auction',
    description:
      '`startsAt` defaults to now and may be in the past; `endsAt` must be after `startsAt` and in the future; ' +
      '`reservePrice`, if given, at least `startingPrice`. `softCloseSeconds` (default 0): a bid accepted in the ' +
      'last `softCloseSeconds` moves `endsAt` to `placedAt + softCloseSeconds`. Without `id` the server makes one.',
    answers: { 201: { description: 'Created', schema: RefTo(AuctionViewSchema) } },
    errors: ['AUCTION_EXISTS'],
  },
  'GET /auctions/:auctionId': {
    operationId: 'getAuction',
    tag: 'bidding',
    summary: 'An auction',
    description: 'The reserve price is never shown, only whether it is met.',
    answers: { 200: { description: 'The auction', schema: RefTo(AuctionViewSchema) } },
    errors: ['AUCTION_NOT_FOUND'],
  },
  'POST /auctions/:auctionId/bids': {
    operationId: 'placeBid',
    tag: 'bidding',
    summary: 'Bid',
    description:
      'The first bid must be at least `startingPrice`, each later one at least the highest plus `minIncrement`. ' +
      'Accepted amounts strictly increase. Under an Idempotency-Key, a retry after any failure finds the bid its ' +
      'first attempt placed (while it is among the newest 100).',
    answers: { 201: { description: 'Accepted', schema: RefTo(BidViewSchema) } },
    errors: ['AUCTION_NOT_FOUND', 'BID_TOO_LOW', 'AUCTION_CLOSED', 'AUCTION_NOT_STARTED'],
  },
  'GET /auctions/:auctionId/bids': {
    operationId: 'listBids',
    tag: 'bidding',
    summary: 'The newest bids, newest first',
    description: '`limit`: 1 to 100, default 50.',
    answers: { 200: { description: 'The bids', schema: RefTo(BidListSchema) } },
    errors: ['AUCTION_NOT_FOUND'],
  },
  'GET /auctions/:auctionId/stream': {
    operationId: 'streamAuction',
    tag: 'bidding',
    summary: "The auction's committed changes, live (Server-Sent Events)",
    description:
      'Starts with `event: snapshot` (the auction view), then `bid`, `extended` and `closed`, one per committed ' +
      "change, in version order. `id` is the auction's version (`version.index` for all but the last message of " +
      'a version). Reconnect with `Last-Event-ID` to get exactly what was missed, or a fresh snapshot first when ' +
      'the unit no longer remembers that far back. `: ping` every 15 s; a watcher that leaves more than 256 KiB ' +
      'unread is disconnected.',
    answers: { 200: { description: 'The stream', schema: 'event-stream' } },
    errors: ['AUCTION_NOT_FOUND'],
  },
  'GET /events/:eventId/stream': {
    operationId: 'streamEvent',
    tag: 'ticketing',
    summary: "The event's availability, live (Server-Sent Events)",
    description:
      "`event: availability` with every section's `available`, `held` and `sold`, at most every 250 ms. `id` " +
      "lists each section's version (`north:12,vip:7`); reconnecting with it sends the current state only if " +
      'something changed.',
    answers: { 200: { description: 'The stream', schema: 'event-stream' } },
    errors: ['EVENT_NOT_FOUND'],
  },
  'GET /healthz': {
    operationId: 'healthz',
    tag: 'operations',
    summary: 'Alive',
    description: 'Every process answers it; on the public port, the messaging grid itself.',
    answers: { 200: { description: 'Alive', schema: HealthSchema } },
    errors: [],
    grid: true,
  },
  'GET /readyz': {
    operationId: 'readyz',
    tag: 'operations',
    summary: 'Ready to serve',
    description:
      'On the messaging grid: at least one processing unit is ready (and so the data grid is warm).',
    answers: { 200: { description: 'Ready', schema: ReadySchema } },
    errors: [],
    grid: true,
  },
  'GET /metrics': {
    operationId: 'metrics',
    tag: 'operations',
    summary: 'Metrics, in the Prometheus text format',
    description: "The messaging grid's own metrics (each process serves its own).",
    answers: { 200: { description: 'The metrics', schema: 'text' } },
    errors: [],
    grid: true,
  },
};
