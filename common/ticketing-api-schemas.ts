import { Type, type Static } from '@sinclair/typebox';
import { FreeText, Id, IsoTime } from './api-schemas.js';
import type { HoldStatus } from './ticketing-model.js';

/** Request schemas of API.md's ticketing routes, shared by the units and the Postgres baseline (strict: unknown fields are refused). */

export const CreateEventBody = Type.Object(
  {
    id: Type.Optional(Id),
    name: FreeText({ minLength: 1, maxLength: 200 }),
    startsAt: IsoTime,
    holdTtlSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 3600 })),
    maxSeatsPerHold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    sections: Type.Array(
      Type.Object(
        {
          id: Id,
          capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
          seats: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 100_000 })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 500 },
    ),
  },
  { additionalProperties: false },
);
export type CreateEventBody = Static<typeof CreateEventBody>;

export const HoldBody = Type.Object(
  {
    customerId: Id,
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    seats: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type HoldBody = Static<typeof HoldBody>;

export const EventParams = Type.Object({ eventId: Id });
export const SectionParams = Type.Object({ eventId: Id, sectionId: Id });
export const HoldParams = Type.Object({ eventId: Id, sectionId: Id, holdId: Id });

export const PurchaseBody = Type.Object({}, { additionalProperties: false });

/** Response shapes of API.md's ticketing routes: what the units and the Postgres baseline answer. */

export type SeatStatus = 'AVAILABLE' | 'HELD' | 'SOLD';

export interface SectionView {
  id: string;
  kind: 'GA' | 'RESERVED';
  capacity: number;
  available: number;
  held: number;
  sold: number;
  seats?: Record<string, SeatStatus>;
}

export interface EventView {
  id: string;
  name: string;
  startsAt: string;
  holdTtlSeconds: number;
  maxSeatsPerHold: number;
  sections: SectionView[];
}

export interface HoldView {
  holdId: string;
  eventId: string;
  sectionId: string;
  customerId: string;
  quantity: number;
  seats?: string[];
  status: HoldStatus;
  expiresAt: string;
  orderId?: string;
}

export interface OrderView {
  orderId: string;
  holdId: string;
  eventId: string;
  sectionId: string;
  customerId: string;
  quantity: number;
  seats?: string[];
  status: 'CONFIRMED';
  purchasedAt: string;
}
