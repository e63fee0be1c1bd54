import type { EventRecord, Hold } from '../../common/ticketing-model.js';

/** Commands on one section aggregate. Ids are made by the adapter, so the rules stay pure. */
export type SectionCommand =
  | {
      type: 'placeHold';
      holdId: string;
      customerId: string;
      quantity?: number;
      seats?: string[];
      /**
       * The id derives from an `Idempotency-Key`, so the same placement may come again (a retry
       * after a failure whose first attempt may have committed): the adapter looks the id up in the
       * holds map for the rules (`SectionContext.filedHolds`).
       */
      keyed?: boolean;
    }
  /**
   * Moves a hold's seats after the hold won its closing transition in the holds map
   * (HELD → PURCHASED, RELEASED or EXPIRED). Applied at most once per hold.
   */
  | { type: 'settle'; hold: Hold }
  /** Does nothing but lets the engine trim the outbox. */
  | { type: 'touch' };

export interface SectionContext {
  now: number;
  event: EventRecord;
  /** seat id -> index into the section's seat list (RESERVED only). */
  seatIndex: ReadonlyMap<string, number> | undefined;
  /**
   * Holds whose closing was settled and has already left this section's outbox (read from the
   * holds map after the section): a late duplicate `settle` for them must not apply twice.
   */
  settledLongAgo: ReadonlySet<string>;
  /**
   * Entries of the holds map, read after the section, for the ids of the batch's keyed placeHolds:
   * a placement repeated after its HoldPlaced left the outbox is recognised by its entry (the pump
   * files a new hold before its placement may leave the outbox, and entries are never removed).
   */
  filedHolds: ReadonlyMap<string, Hold>;
}
