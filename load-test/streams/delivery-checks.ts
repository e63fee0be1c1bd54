import type { AuctionPosition } from '../../common/stream-position.js';
import { Violations, type InvariantResult } from '../verify/invariant-result.js';
import type { ObservedBid } from '../verify/observations.js';
import { comparePositions } from './stream-sequence.js';

/** What one watcher got, after its opening snapshot. */
export interface WatcherTally {
  /** Messages received after the snapshot. */
  received: number;
  gaps: number;
  duplicates: number;
  /** Snapshots after the first: the unit lost track and started the watcher over. */
  resyncs: number;
  unparsable: number;
  /** The stream ended before the harness closed it (cut off by the server, or failed). */
  dropped: boolean;
  /** The stream never opened (status, network error or timeout). */
  openError: string | undefined;
}

/** A bid as the streams delivered it (from the first watcher to receive its message). */
export interface DeliveredBid {
  position: AuctionPosition;
  bidId: string;
  amount: number;
  /** Epoch milliseconds of `placedAt`: when the unit applied the bid, just before its commit. */
  committedAt: number;
}

export const WATCHER_CHECK = 'every watcher saw every accepted bid in order, no gap, no duplicate';

/**
 * The streams' invariant, from the tallies and the bids the harness was told were accepted (201):
 * every watcher stayed connected and got every message committed after its snapshot, each once,
 * in order (ids that follow each other directly), and those messages are exactly the accepted
 * bids, each higher than the one before. `distinctMessages` is how many different message ids
 * the whole fleet saw.
 */
export function deliveryChecks(
  tallies: readonly WatcherTally[],
  distinctMessages: number,
  delivered: readonly DeliveredBid[],
  accepted: readonly ObservedBid[],
): InvariantResult[] {
  const violations = new Violations();
  tallies.forEach((t, i) => {
    const name = `watcher ${i + 1}`;
    if (t.openError !== undefined) return violations.add(`${name} never opened: ${t.openError}`);
    if (t.dropped) violations.add(`${name} was cut off after ${t.received} messages`);
    if (t.gaps > 0) violations.add(`${name}: ${t.gaps} gap(s)`);
    if (t.duplicates > 0) violations.add(`${name}: ${t.duplicates} duplicate(s) or message(s) out of order`);
    if (t.resyncs > 0) violations.add(`${name}: ${t.resyncs} snapshot(s) instead of messages`);
    if (t.unparsable > 0) violations.add(`${name}: ${t.unparsable} message(s) without a valid id`);
    if (!t.dropped && t.received !== distinctMessages)
      violations.add(`${name} received ${t.received} of ${distinctMessages} messages`);
  });
  const byBidId = new Map(delivered.map((bid) => [bid.bidId, bid]));
  for (const bid of accepted) {
    if (!byBidId.has(bid.bidId)) violations.add(`accepted bid ${bid.bidId} (${bid.amount}) never delivered`);
  }
  const ordered = [...delivered].sort((a, b) => comparePositions(a.position, b.position));
  for (let i = 1; i < ordered.length; i += 1) {
    if (ordered[i]!.amount <= ordered[i - 1]!.amount)
      violations.add(
        `bid ${ordered[i]!.bidId} (${ordered[i]!.amount}) delivered after a higher or equal one`,
      );
  }
  const opened = tallies.filter((t) => t.openError === undefined).length;
  return [
    violations.result(
      WATCHER_CHECK,
      `${opened} watcher(s), ${distinctMessages} message(s) each, ${accepted.length} accepted bid(s) all delivered`,
    ),
  ];
}
