import type { AuctionAggregate, AuctionSnapshot } from '../../common/bidding-model.js';
import type { OutboxEntry } from '../../common/outbox.js';
import { auctionView, bidView } from '../bidding/auction-views.js';
import { sseMessage } from './sse.js';

/** One committed version, as the messages a client gets for it (each with its id). */
export interface VersionMessages {
  version: number;
  messages: string[];
}

/**
 * The messages of one committed version: `bid` per BidPlaced (and `extended` when it pushed the
 * end: a soft-close extension sets the end to exactly placedAt + softCloseSeconds), `closed` with
 * the auction's view. `state` is the aggregate at this version or later (for `closed`, nothing
 * changes after the close).
 */
export function auctionMessages(
  entry: OutboxEntry<AuctionSnapshot>,
  state: AuctionAggregate,
  now: number,
): VersionMessages {
  const parts: Array<[string, unknown]> = [];
  const window = state.softCloseSeconds * 1000;
  for (const event of entry.events) {
    if (event.type === 'BidPlaced') {
      parts.push(['bid', bidView(event.bid, state.id, event.endsAt)]);
      if (window > 0 && Date.parse(event.endsAt) === Date.parse(event.bid.placedAt) + window) {
        parts.push(['extended', { endsAt: event.endsAt }]);
      }
    } else if (event.type === 'AuctionClosed') {
      parts.push(['closed', auctionView(state, now)]);
    }
  }
  const last = parts.length - 1;
  return {
    version: entry.version,
    messages: parts.map(([type, data], i) =>
      sseMessage(type, data, i === last ? String(entry.version) : `${entry.version}.${i}`),
    ),
  };
}

/** The whole auction at its current version, for a client whose position is unknown or too old. */
export function auctionSnapshotMessage(state: AuctionAggregate, now: number): string {
  return sseMessage('snapshot', auctionView(state, now), String(state.version));
}
