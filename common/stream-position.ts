// The ids of an auction stream's messages (API.md, "Live streams"): the contract that the units
// write and that clients, the harness among them, read to resume or to check order.

/**
 * Where a client of an auction stream stands: every message up to and including the one with
 * this id. The last message of a version has the version as its id (API.md); an earlier message
 * of the same version (a batch may hold several bids) has `version.index`, so a client cut off
 * between two of them resumes exactly where it stopped.
 */
export interface AuctionPosition {
  version: number;
  /** Index of the last message seen within `version`; absent: all of `version`. */
  index?: number;
}

export function parseAuctionPosition(id: string | undefined): AuctionPosition | undefined {
  const match = id === undefined ? null : /^(\d{1,15})(?:\.(\d{1,6}))?$/.exec(id);
  if (!match) return undefined;
  return match[2] === undefined
    ? { version: Number(match[1]) }
    : { version: Number(match[1]), index: Number(match[2]) };
}
