import type { OutboxEntry } from './outbox.js';

/** The shapes of ticketing state as the grid stores it (JSON). Pure data, no behaviour. */

export type SectionKind = 'GA' | 'RESERVED';
export type HoldStatus = 'HELD' | 'PURCHASED' | 'RELEASED' | 'EXPIRED';

export interface SectionSpec {
  readonly id: string;
  readonly kind: SectionKind;
  readonly capacity: number;
  /** RESERVED only: the seat ids, in the order the event listed them ("best" first). */
  readonly seats?: readonly string[];
}

/** The immutable catalog entry of an event. */
export interface EventRecord {
  readonly id: string;
  readonly name: string;
  readonly startsAt: string;
  readonly holdTtlSeconds: number;
  readonly maxSeatsPerHold: number;
  readonly createdAt: string;
  readonly sections: readonly SectionSpec[];
}

export interface Hold {
  holdId: string;
  eventId: string;
  sectionId: string;
  customerId: string;
  quantity: number;
  /** RESERVED sections only. */
  seats?: string[];
  status: HoldStatus;
  createdAt: string;
  expiresAt: string;
  orderId?: string;
  purchasedAt?: string;
  closedAt?: string;
  /** Section version at which this hold last changed: the data writer's guard. */
  version: number;
}

/**
 * A hold as the holds map keeps it: the authority for the hold's own status. A purchase, release
 * or expiry first wins a compare-and-set here (exactly one can), then settles with the section
 * (its counts and seats). `pendingSince` marks a hold that won its transition but whose settlement
 * has not been seen by the pump yet; a sweeper settles any that stay pending.
 */
export interface HoldEntry extends Hold {
  /** `expiresAt` in ms while HELD (queried by the expiry sweeper), else null. */
  deadline: number | null;
  /** ms since which a closing transition waits to be settled with its section, else null. */
  pendingSince: number | null;
  /**
   * When a closed hold leaves the grid (epoch ms): set once its closing is in Postgres, to that
   * moment plus CLOSED_HOLD_RETENTION_SECONDS. Reads after that are answered from Postgres.
   */
  retireAt?: number;
}

/** Seat state characters of `SectionAggregate.seatStates`. */
export const SEAT = { AVAILABLE: 'A', HELD: 'H', SOLD: 'S' } as const;

/** A section's reportable state: what the data writer upserts into `sections`. */
export interface SectionSnapshot {
  eventId: string;
  sectionId: string;
  kind: SectionKind;
  capacity: number;
  held: number;
  sold: number;
  /** Incremented by every committed batch. */
  version: number;
}

/**
 * One section's inventory: the unit of single-writer batching and of compare-and-set. It holds
 * counts and the seat map only, never the holds themselves, so it stays small however many holds
 * are active: every batch moves it over the wire, and its size is the cost of a batch.
 */
export interface SectionAggregate extends SectionSnapshot {
  /** RESERVED only: one character per seat of `SectionSpec.seats` (see SEAT). */
  seatStates?: string;
  /** Always null: holds expire through their own entries (see HoldEntry). */
  nextDeadline: number | null;
  outbox: OutboxEntry<SectionSnapshot>[];
  /** `at` of the oldest outbox entry (epoch ms), queried by the pump's sweeper. */
  outboxSince: number | null;
}

export interface EventSnapshot {
  eventId: string;
  version: number;
}

/** The catalog entry as stored in the grid: written once, with its own outbox. */
export interface EventAggregate {
  record: EventRecord;
  version: number;
  outbox: OutboxEntry<EventSnapshot>[];
  outboxSince: number | null;
  /** Set when created under an `Idempotency-Key`: which request created it (`creationMark`). */
  createdBy?: string;
}
