/** A section as GET /events/{e}/sections/{s} shows it. */
export interface SectionView {
  eventId: string;
  sectionId: string;
  capacity: number;
  held: number;
  sold: number;
  /** Reserved sections: seat id → AVAILABLE | HELD | SOLD. */
  seats: Record<string, string> | undefined;
}

/** An auction as GET /auctions/{a} shows it. */
export interface AuctionView {
  auctionId: string;
  highestAmount: number | null;
  bidCount: number;
}

/** The API's views of everything a run created, read after the load; `unreadable` lists what failed. */
export interface GridSnapshot {
  sections: Map<string, SectionView>;
  auctions: Map<string, AuctionView>;
  unreadable: string[];
  /**
   * The holds of granted baskets, holdId → `status` of GET …/holds/{holdId} (or why it could not
   * be read). Read once, after Postgres caught up (`read-basket-holds.ts`), not on every poll.
   */
  basketHolds?: Map<string, string>;
}

export interface DbSectionRow {
  eventId: string;
  sectionId: string;
  capacity: number;
  held: number;
  sold: number;
}

export interface DbHoldRow {
  holdId: string;
  eventId: string;
  sectionId: string;
  customerId: string;
  quantity: number;
  status: string;
  seats: string[] | null;
}

export interface DbAuctionRow {
  auctionId: string;
  highestAmount: number | null;
  bidCount: number;
}

export interface DbBidRow {
  bidId: string;
  auctionId: string;
  amount: number;
  /** Milliseconds since the epoch. */
  placedAt: number;
}

/** The Postgres rows of everything a run created. */
export interface DbSnapshot {
  sections: DbSectionRow[];
  holds: DbHoldRow[];
  auctions: DbAuctionRow[];
  bids: DbBidRow[];
}
