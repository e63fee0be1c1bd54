import { Violations, skipped, type InvariantResult } from './invariant-result.js';
import type { ObservedBid, Observations } from './observations.js';
import type { DbSnapshot, GridSnapshot } from './snapshots.js';

interface Placed {
  bidId: string;
  amount: number;
  placedAt: number;
}

/** Ordered by placement time, amounts strictly rise (bids placed in the same millisecond sort by amount). */
function checkRising(where: string, bids: Placed[], violations: Violations): void {
  const sorted = [...bids].sort((a, b) => a.placedAt - b.placedAt || a.amount - b.amount);
  for (let i = 1; i < sorted.length; i += 1) {
    const previous = sorted[i - 1]!;
    const current = sorted[i]!;
    if (current.amount <= previous.amount) {
      violations.add(
        `${where}: bid ${current.bidId} (${current.amount} at ${new Date(current.placedAt).toISOString()}) ` +
          `after ${previous.bidId} (${previous.amount} at ${new Date(previous.placedAt).toISOString()})`,
      );
    }
  }
}

/** Any two accepted bids differ by at least minIncrement, and the lowest is at least the starting price. */
function checkSpacing(
  auctionId: string,
  bids: ObservedBid[],
  startingPrice: number,
  minIncrement: number,
  violations: Violations,
): void {
  const amounts = bids.map((b) => b.amount).sort((a, b) => a - b);
  if (amounts.length > 0 && amounts[0]! < startingPrice) {
    violations.add(`${auctionId}: accepted ${amounts[0]} below the starting price ${startingPrice}`);
  }
  for (let i = 1; i < amounts.length; i += 1) {
    if (amounts[i]! - amounts[i - 1]! < minIncrement) {
      violations.add(
        `${auctionId}: accepted ${amounts[i - 1]} and ${amounts[i]}, less than the increment ${minIncrement} apart`,
      );
    }
  }
}

/**
 * Real time: a bid sent after another bid's acceptance reached the client must be higher
 * (linearizability as seen from outside).
 */
function checkRealTimeOrder(auctionId: string, bids: ObservedBid[], violations: Violations): void {
  const bySent = [...bids].sort((a, b) => a.sentAt - b.sentAt);
  const byReceived = [...bids].sort((a, b) => a.receivedAt - b.receivedAt);
  let next = 0;
  let highest: ObservedBid | undefined;
  for (const bid of bySent) {
    while (next < byReceived.length && byReceived[next]!.receivedAt < bid.sentAt) {
      const done = byReceived[next]!;
      if (!highest || done.amount > highest.amount) highest = done;
      next += 1;
    }
    if (highest && bid.amount <= highest.amount) {
      violations.add(
        `${auctionId}: bid ${bid.bidId} (${bid.amount}) accepted after ${highest.bidId} (${highest.amount}) had been`,
      );
    }
  }
}

/** Accepted bids strictly rise: as told to clients, in real time, and in Postgres; the API's highest is the top one. */
export function bidsStrictlyRising(
  observations: Observations,
  grid: GridSnapshot,
  db: DbSnapshot | undefined,
): InvariantResult {
  const name = 'accepted bids strictly rising';
  if (observations.auctions.size === 0) return skipped(name, 'no auction in this scenario');
  const violations = new Violations();
  for (const auction of observations.auctions.values()) {
    const { auctionId } = auction;
    const told = observations.bids.filter((b) => b.auctionId === auctionId);
    checkRising(
      `${auctionId} (clients)`,
      told.map((b) => ({ ...b, placedAt: Date.parse(b.placedAt) })),
      violations,
    );
    checkSpacing(auctionId, told, auction.startingPrice, auction.minIncrement, violations);
    checkRealTimeOrder(auctionId, told, violations);
    if (db)
      checkRising(
        `${auctionId} (Postgres)`,
        db.bids.filter((b) => b.auctionId === auctionId),
        violations,
      );
    const view = grid.auctions.get(auctionId);
    const top = told.reduce((max, b) => Math.max(max, b.amount), 0);
    const unknown = observations.unknownBids.get(auctionId) ?? 0;
    if (view && told.length > 0) {
      if (
        view.highestAmount === null ||
        view.highestAmount < top ||
        (unknown === 0 && view.highestAmount !== top)
      ) {
        violations.add(`${auctionId}: API highest ${view.highestAmount}, highest accepted ${top}`);
      }
      if (view.bidCount < told.length || view.bidCount > told.length + unknown) {
        violations.add(
          `${auctionId}: API bidCount ${view.bidCount}, ${told.length} accepted${unknown ? ` (+${unknown} unknown)` : ''}`,
        );
      }
    }
  }
  return violations.result(
    name,
    `${observations.bids.length} accepted bid(s) rise strictly (by time, real-time order and in Postgres)`,
  );
}
