import { Type, type Static } from '@sinclair/typebox';
import { Id } from '../../common/api-schemas.js';
import type { OrderView } from '../../common/ticketing-api-schemas.js';

/** Request schemas of API.md's basket routes (strict: unknown fields are refused). */

/** One item: the body of a hold (`quantity` or `seats`, checked by the route), with its section. */
export const BasketItemBody = Type.Object(
  {
    eventId: Id,
    sectionId: Id,
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    seats: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 100 })),
  },
  { additionalProperties: false },
);

export const BasketBody = Type.Object(
  { customerId: Id, items: Type.Array(BasketItemBody, { minItems: 1, maxItems: 10 }) },
  { additionalProperties: false },
);
export type BasketBody = Static<typeof BasketBody>;

export const BasketParams = Type.Object({ basketId: Id });

/** Response shapes of the basket routes. */

export interface BasketItemView {
  eventId: string;
  sectionId: string;
  holdId: string;
  quantity: number;
  seats?: string[];
}

export interface BasketView {
  basketId: string;
  customerId: string;
  status: 'HELD' | 'PURCHASED' | 'RELEASED' | 'EXPIRED';
  expiresAt: string;
  items: BasketItemView[];
}

export interface BasketPurchaseView {
  basketId: string;
  status: 'PURCHASED';
  orders: OrderView[];
}
