import type { EventRecord } from '../../common/ticketing-model.js';

/** Commands on one section aggregate. Ids are made by the adapter, so the rules stay pure. */
export type SectionCommand =
  | {
      type: 'placeHold';
      holdId: string;
      customerId: string;
      quantity?: number;
      seats?: string[];
    }
  | { type: 'purchase'; holdId: string; orderId: string }
  | { type: 'release'; holdId: string }
  /** Does nothing but lets `due` run: how the sweeper expires holds of an idle section. */
  | { type: 'touch' };

export interface SectionContext {
  now: number;
  event: EventRecord;
  /** seat id -> index into the section's seat list (RESERVED only). */
  seatIndex: ReadonlyMap<string, number> | undefined;
}
