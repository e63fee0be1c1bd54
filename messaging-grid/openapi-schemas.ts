import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { FreeText, Id, IsoTime, Money } from '../common/api-schemas.js';
import type { ApiErrorCode } from '../common/errors.js';
import type { ErrorBody } from '../common/http-errors.js';
import { REQUEST_ID_HEADER } from '../common/request-id.js';
import type { EventView, HoldView, OrderView, SectionView } from '../common/ticketing-api-schemas.js';
import type { BasketPurchaseView, BasketView } from '../processing-unit/baskets/basket-schemas.js';
import type { AuctionView, BidListItem, BidView } from '../processing-unit/bidding/auction-views.js';

/**
 * The answers of the public API as JSON schemas, for the OpenAPI document only: the units answer
 * with the interfaces named beside each, and the checks at the end of this file fail to compile
 * the moment a schema and its interface disagree. Request schemas are not here: the document takes
 * them from the units' own routes.
 */

/** A string that is one of `values`, as OpenAPI tools show it best (`enum`, not `anyOf` of consts). */
function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** A reference to a schema the document names (`#/components/schemas/<$id>`), typed as that schema. */
export function RefTo<T extends TSchema>(schema: T) {
  if (schema.$id === undefined) throw new Error('RefTo needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}

const Count = Type.Integer({ minimum: 0 });
const Time = (description: string) => Type.String({ format: IsoTime.format, description });

export const SectionViewSchema = Type.Object(
  {
    id: Id,
    kind: StringEnum(['GA', 'RESERVED'], {
      description: 'GA: general admission (a capacity); RESERVED: named seats',
    }),
    capacity: Type.Integer({ minimum: 1 }),
    available: Count,
    held: Count,
    sold: Count,
    seats: Type.Optional(
      Type.Record(Type.String(), StringEnum(['AVAILABLE', 'HELD', 'SOLD']), {
        description: 'RESERVED sections, in `GET …/sections/{sectionId}` only: every seat and its state',
      }),
    ),
  },
  { $id: 'SectionView', additionalProperties: false },
);

export const EventViewSchema = Type.Object(
  {
    id: Id,
    name: FreeText({ minLength: 1, maxLength: 200 }),
    startsAt: IsoTime,
    holdTtlSeconds: Type.Integer({ minimum: 10, maximum: 3600 }),
    maxSeatsPerHold: Type.Integer({ minimum: 1, maximum: 100 }),
    sections: Type.Array(RefTo(SectionViewSchema)),
  },
  { $id: 'EventView', additionalProperties: false },
);

const holdFields = {
  eventId: Id,
  sectionId: Id,
  customerId: Id,
  quantity: Type.Integer({ minimum: 1, maximum: 100 }),
  seats: Type.Optional(Type.Array(Id, { description: 'RESERVED sections only: the seats held' })),
};

export const HoldViewSchema = Type.Object(
  {
    holdId: Id,
    ...holdFields,
    status: StringEnum(['HELD', 'PURCHASED', 'RELEASED', 'EXPIRED'], {
      description: 'EXPIRED as soon as `expiresAt` has passed without a purchase',
    }),
    expiresAt: Time('when the seats return unless the hold is purchased'),
    orderId: Type.Optional(Id),
  },
  { $id: 'HoldView', additionalProperties: false },
);

export const OrderViewSchema = Type.Object(
  {
    orderId: Id,
    holdId: Id,
    ...holdFields,
    status: StringEnum(['CONFIRMED']),
    purchasedAt: IsoTime,
  },
  { $id: 'OrderView', additionalProperties: false },
);

export const BasketViewSchema = Type.Object(
  {
    basketId: Id,
    customerId: Id,
    status: StringEnum(['HELD', 'PURCHASED', 'RELEASED', 'EXPIRED'], {
      description: 'EXPIRED as soon as `expiresAt` has passed without a purchase',
    }),
    expiresAt: Time("the earliest of its holds' `expiresAt`"),
    items: Type.Array(
      Type.Object(
        {
          eventId: Id,
          sectionId: Id,
          holdId: Id,
          quantity: Type.Integer({ minimum: 1, maximum: 100 }),
          seats: Type.Optional(Type.Array(Id, { description: 'RESERVED sections only: the seats held' })),
        },
        { additionalProperties: false },
      ),
      { description: "one hold per item, in the request's order" },
    ),
  },
  { $id: 'BasketView', additionalProperties: false },
);

export const BasketPurchaseSchema = Type.Object(
  {
    basketId: Id,
    status: StringEnum(['PURCHASED']),
    orders: Type.Array(RefTo(OrderViewSchema), { description: 'one order per hold' }),
  },
  { $id: 'BasketPurchase', additionalProperties: false },
);

const BidderAndAmount = { bidId: Id, bidderId: Id, amount: Money };

export const AuctionViewSchema = Type.Object(
  {
    id: Id,
    title: FreeText({ minLength: 1, maxLength: 200 }),
    status: StringEnum(['SCHEDULED', 'OPEN', 'CLOSED'], {
      description: 'CLOSED from `endsAt` on, even before the close is committed',
    }),
    startingPrice: Money,
    minIncrement: Money,
    minimumNextBid: Type.Integer({ minimum: 1, description: 'the least amount the next bid may offer' }),
    reserveMet: Type.Boolean({
      description: 'true when there is no reserve; the reserve itself is never shown',
    }),
    highestBid: Type.Union([Type.Object({ ...BidderAndAmount, placedAt: IsoTime }), Type.Null()]),
    bidCount: Count,
    startsAt: IsoTime,
    endsAt: Time('moved later by a bid inside the soft-close window'),
    winner: Type.Union([Type.Object(BidderAndAmount), Type.Null()], {
      description: 'the highest bid, once CLOSED and the reserve is met; otherwise null',
    }),
  },
  { $id: 'AuctionView', additionalProperties: false },
);

const bidFields = { ...BidderAndAmount, auctionId: Id, placedAt: IsoTime };

export const BidListItemSchema = Type.Object(bidFields, { $id: 'BidListItem', additionalProperties: false });

export const BidViewSchema = Type.Object(
  { ...bidFields, endsAt: Time("the auction's end after this bid (a soft close may have moved it)") },
  { $id: 'BidView', additionalProperties: false },
);

export const BidListSchema = Type.Object(
  { bids: Type.Array(RefTo(BidListItemSchema), { description: 'newest first' }) },
  { $id: 'BidList', additionalProperties: false },
);

export const HealthSchema = Type.Object({ status: StringEnum(['ok']) }, { additionalProperties: false });

export const ReadySchema = Type.Object(
  {
    status: StringEnum(['ready']),
    details: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'on the messaging grid: `readyUnits` and `units`',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The views the document names in `components.schemas` and refers to. */
export const NAMED_SCHEMAS: readonly TSchema[] = [
  SectionViewSchema,
  EventViewSchema,
  HoldViewSchema,
  OrderViewSchema,
  BasketViewSchema,
  BasketPurchaseSchema,
  AuctionViewSchema,
  BidListItemSchema,
  BidViewSchema,
  BidListSchema,
];

/** The error body, with `code` one of `codes`. */
export function errorBodySchema(codes: readonly ApiErrorCode[]) {
  return Type.Object(
    {
      error: Type.Object(
        {
          code: StringEnum(codes),
          message: Type.String({ description: 'what went wrong, for a person; may change between versions' }),
          details: Type.Optional(
            Type.Record(Type.String(), Type.Unknown(), {
              description: 'facts a program can use: `problems`, `minimumNextBid`, `available`, `seats`, …',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  );
}

/** Request headers every route takes. */
export const REQUEST_HEADERS = {
  [REQUEST_ID_HEADER]: Type.String({
    description:
      "the request's id: 1 to 128 visible ASCII characters, else the grid makes one (a UUID). Logged with the " +
      'request and returned in the answer',
  }),
};

/** The header every POST takes. */
export const IDEMPOTENCY_KEY_HEADER = {
  'Idempotency-Key': Type.String({
    minLength: 1,
    maxLength: 128,
    pattern: '^[\\x20-\\x7E]{1,128}$',
    description:
      'repeating the request with the same key returns the first answer (status and body, refusals ' +
      'included) with `Idempotent-Replayed: true`, without doing the work twice; the same key with a ' +
      'different request is 422 IDEMPOTENCY_KEY_REUSED',
  }),
};

/** Response headers, by name, as the document shows them. */
export const RESPONSE_HEADERS = {
  requestId: {
    [REQUEST_ID_HEADER]: {
      type: 'string',
      description: "the request's id (the client's, or the one the grid made)",
    },
  },
  retryAfter: {
    'retry-after': { type: 'integer', minimum: 1, description: 'seconds to wait before trying again' },
  },
  replayed: {
    'idempotent-replayed': {
      type: 'string',
      enum: ['true'],
      description:
        'present when this is the stored answer to an earlier request with the same Idempotency-Key',
    },
  },
} as const;

// ---------------------------------------------------------------------------------------------
// Each schema describes exactly what the units answer: a mismatch does not compile.
// ---------------------------------------------------------------------------------------------

type Exactly<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : { schema: A; answer: B };
type Flat<T> = { [K in keyof T]: T[K] };

const schemasMatchAnswers: [
  Exactly<Flat<Static<typeof SectionViewSchema>>, Flat<SectionView>>,
  Exactly<Flat<Static<typeof EventViewSchema>>, Flat<EventView>>,
  Exactly<Flat<Static<typeof HoldViewSchema>>, Flat<HoldView>>,
  Exactly<Flat<Static<typeof OrderViewSchema>>, Flat<OrderView>>,
  Exactly<Flat<Static<typeof BasketViewSchema>>, Flat<BasketView>>,
  Exactly<Flat<Static<typeof BasketPurchaseSchema>>, Flat<BasketPurchaseView>>,
  Exactly<Flat<Static<typeof AuctionViewSchema>>, Flat<AuctionView>>,
  Exactly<Flat<Static<typeof BidListItemSchema>>, Flat<BidListItem>>,
  Exactly<Flat<Static<typeof BidViewSchema>>, Flat<BidView>>,
  Exactly<Flat<Static<typeof BidListSchema>>, { bids: BidListItem[] }>,
  Static<ReturnType<typeof errorBodySchema>> extends ErrorBody ? true : false,
] = [true, true, true, true, true, true, true, true, true, true, true];
void schemasMatchAnswers;
