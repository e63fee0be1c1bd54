import { describe, expect, it } from 'vitest';
import type { ObservedBid } from '../verify/observations.js';
import { deliveryChecks, type DeliveredBid, type WatcherTally } from './delivery-checks.js';

const tally = (change: Partial<WatcherTally> = {}): WatcherTally => ({
  received: 3,
  gaps: 0,
  duplicates: 0,
  resyncs: 0,
  unparsable: 0,
  dropped: false,
  openError: undefined,
  ...change,
});
const delivered: DeliveredBid[] = [1000, 1100, 1300].map((amount, i) => ({
  position: { version: i + 2 },
  bidId: `b${i}`,
  amount,
  committedAt: 0,
}));
const accepted = delivered.map(
  (d) => ({ bidId: d.bidId, amount: d.amount, auctionId: 'a' }) as unknown as ObservedBid,
);

describe('deliveryChecks', () => {
  it('passes when every watcher got every message once and they are the accepted bids, rising', () => {
    const [result] = deliveryChecks([tally(), tally()], 3, delivered, accepted);
    expect(result).toMatchObject({ status: 'PASS' });
  });

  it('fails on a gap, a duplicate, a cut-off, a short count or a watcher that never opened', () => {
    const [result] = deliveryChecks(
      [
        tally({ gaps: 1, received: 2 }),
        tally({ duplicates: 1, received: 4 }),
        tally({ dropped: true, received: 1 }),
        tally({ openError: 'status 503' }),
      ],
      3,
      delivered,
      accepted,
    );
    expect(result!.status).toBe('FAIL');
    expect(result!.failures).toEqual([
      'watcher 1: 1 gap(s)',
      'watcher 1 received 2 of 3 messages',
      'watcher 2: 1 duplicate(s) or message(s) out of order',
      'watcher 2 received 4 of 3 messages',
      'watcher 3 was cut off after 1 messages',
      'watcher 4 never opened: status 503',
    ]);
  });

  it('fails when an accepted bid never came, or the bids do not rise in id order', () => {
    const lost = deliveryChecks([tally({ received: 2 })], 2, delivered.slice(0, 2), accepted)[0]!;
    expect(lost.failures).toEqual(['accepted bid b2 (1300) never delivered']);
    const swapped = [delivered[0]!, { ...delivered[1]!, amount: 900 }, delivered[2]!];
    const unordered = deliveryChecks([tally()], 3, swapped, accepted)[0]!;
    expect(unordered.failures).toEqual(['bid b1 (900) delivered after a higher or equal one']);
  });
});
