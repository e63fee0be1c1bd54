import { Type } from '@sinclair/typebox';
import type { AuctionSnapshot, Bid } from './bidding-model.js';
import type { EventRecord, EventSnapshot, Hold, SectionSnapshot } from './ticketing-model.js';

/** What happened, as the domain says it. Carried in outboxes, on the queue and into Postgres. */
export type DomainEvent =
  | { type: 'EventCreated'; event: EventRecord }
  | { type: 'HoldPlaced'; hold: Hold }
  | { type: 'HoldPurchased'; hold: Hold }
  | { type: 'HoldReleased'; hold: Hold }
  | { type: 'HoldExpired'; hold: Hold }
  | { type: 'AuctionCreated'; auction: AuctionCreatedData }
  | { type: 'BidPlaced'; bid: Bid; endsAt: string }
  | { type: 'AuctionClosed'; auctionId: string; closedAt: string; winner: Bid | null };

export interface AuctionCreatedData {
  auctionId: string;
  title: string;
  startingPrice: number;
  minIncrement: number;
  reservePrice: number | null;
  softCloseSeconds: number;
  startsAt: string;
  endsAt: string;
  createdAt: string;
}

export type AggregateType = 'event' | 'section' | 'auction';

/**
 * An aggregate's identity across kinds: grid keys alone are not one (an event and an auction may
 * share an id, and both are keyed by it). Pump marks and the writers' locks are keyed by this.
 */
export function aggregateId(aggregate: AggregateType, key: string): string {
  return `${aggregate}/${key}`;
}

interface ChangeBase<A extends AggregateType, S> {
  aggregate: A;
  /** The grid key of the aggregate. */
  key: string;
  version: number;
  /** epoch ms of the commit in the grid */
  at: number;
  snapshot: S;
  events: DomainEvent[];
}

/** One BullMQ job: one committed batch of one aggregate. */
export type ChangeRecord =
  | ChangeBase<'event', EventSnapshot>
  | ChangeBase<'section', SectionSnapshot>
  | ChangeBase<'auction', AuctionSnapshot>;

/**
 * The shape a data writer checks before it trusts a job (payloads are validated where they enter
 * a process). Event contents were produced by our own domain code; the envelope is what a foreign
 * or corrupted job would get wrong.
 */
export const ChangeRecordSchema = Type.Object({
  aggregate: Type.Union([Type.Literal('event'), Type.Literal('section'), Type.Literal('auction')]),
  key: Type.String({ minLength: 1 }),
  version: Type.Integer({ minimum: 1 }),
  at: Type.Integer({ minimum: 0 }),
  snapshot: Type.Object({ version: Type.Integer({ minimum: 0 }) }),
  events: Type.Array(Type.Object({ type: Type.String() })),
});

/** BullMQ job ids may not contain ':'. Keys are `[A-Za-z0-9_.-]`, so this is safe and unique. */
export function changeJobId(record: Pick<ChangeRecord, 'aggregate' | 'key' | 'version'>): string {
  return `${record.aggregate}.${record.key}.v${record.version}`;
}

/** The job name used on the change queue. */
export const CHANGE_JOB_NAME = 'change';
