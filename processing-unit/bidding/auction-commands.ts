/** Commands on one auction aggregate. Ids are made by the adapter, so the rules stay pure. */
export type AuctionCommand =
  | { type: 'placeBid'; bidId: string; bidderId: string; amount: number }
  /** Does nothing but lets `due` run: how the sweeper closes an auction nobody bids on. */
  | { type: 'touch' };

export interface AuctionContext {
  now: number;
}
