import type { OrderView } from './ticketing-api-schemas.js';

/**
 * A basket's saga log entry, as the grid's `baskets` map stores it (processing-unit/baskets/ reads
 * and writes it). Every step of a basket is written here, by compare-and-set, before it is taken.
 *
 * - HOLDING: its holds are being placed, one item at a time, in canonical order.
 * - HELD: every item is held (until the earliest hold's `expiresAt`).
 * - RELEASING: every hold is being released; then `releaseTo`.
 * - PURCHASING: every hold is being bought; then PURCHASED.
 * - PURCHASED, RELEASED, EXPIRED, UNAVAILABLE (an item was refused: nothing held): terminal.
 */
export type BasketStatus =
  'HOLDING' | 'HELD' | 'RELEASING' | 'PURCHASING' | 'PURCHASED' | 'RELEASED' | 'EXPIRED' | 'UNAVAILABLE';

export type BasketEnd = Extract<BasketStatus, 'RELEASED' | 'EXPIRED' | 'UNAVAILABLE'>;

/**
 * One item: what was asked for, its hold's id (known before it is asked for: it derives from the
 * item's Idempotency-Key), and how far it got. PLACING is written before its hold is asked for.
 */
export interface BasketItemRecord {
  eventId: string;
  sectionId: string;
  quantity?: number;
  seats?: string[];
  holdId: string;
  state: 'PENDING' | 'PLACING' | 'HELD' | 'REFUSED';
  /** REFUSED: the code the hold got, or the failure that left it unknown (then it is released). */
  code?: string;
  /** HELD: what the hold took and until when. */
  held?: { quantity: number; seats?: string[]; expiresAt: string };
  /** PURCHASED baskets: the hold's order. */
  order?: OrderView;
}

/** The first decided refusal of an item, when it is a 400 or 404: the basket answers with it. */
export interface BasketRefusal {
  status: number;
  code: string;
  message: string;
}

export interface BasketRecord {
  /**
   * When the recovery loop next has to look at the basket (indexed, written first): the lease's end
   * while a step is under way, the earliest hold expiry while HELD, the end of the retention when
   * terminal (its entry time-to-live normally removes it first).
   */
  deadline: number;
  basketId: string;
  customerId: string;
  status: BasketStatus;
  items: BasketItemRecord[];
  /** The unit working on it, and until when its lease runs (ms); null while nobody needs to. */
  owner: string | null;
  leaseUntil: number;
  createdAt: number;
  /** RELEASING: the status it ends in. */
  releaseTo?: BasketEnd;
  refusal?: BasketRefusal;
}
