import { Type } from '@sinclair/typebox';
import { FreeText, Id, IsoTime, Money } from '../../common/api-schemas.js';

export const CreateAuctionBody = Type.Object(
  {
    id: Type.Optional(Id),
    title: FreeText({ minLength: 1, maxLength: 200 }),
    startingPrice: Money,
    minIncrement: Money,
    startsAt: Type.Optional(IsoTime),
    endsAt: IsoTime,
    softCloseSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
    reservePrice: Type.Optional(Money),
  },
  { additionalProperties: false },
);

export const BidBody = Type.Object({ bidderId: Id, amount: Money }, { additionalProperties: false });

export const AuctionParams = Type.Object({ auctionId: Id });

/** `limit` arrives as text (no type coercion anywhere): checked here, parsed by the route. */
export const BidsQuery = Type.Object(
  { limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })) },
  { additionalProperties: false },
);
