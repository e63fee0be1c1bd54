import { parseAuctionPosition, type AuctionPosition } from '../../common/stream-position.js';

/** What one message id was, relative to the one before it on the same stream. */
export type SequenceStep = 'next' | 'gap' | 'duplicate' | 'unparsable';

/** `a` before `b`? A version's full id (`17`) comes after its partial ones (`17.0`, `17.1`). */
export function comparePositions(a: AuctionPosition, b: AuctionPosition): number {
  if (a.version !== b.version) return a.version - b.version;
  if (a.index === b.index) return 0;
  if (a.index === undefined) return 1;
  if (b.index === undefined) return -1;
  return a.index - b.index;
}

/**
 * Whether `next` is exactly the message after `previous` on an auction stream (API.md): after a
 * whole version `v` comes `v+1` (its only message) or `v+1.0` (its first of several); after `v.i`
 * comes `v.i+1` or `v` (its last).
 */
export function followsDirectly(previous: AuctionPosition, next: AuctionPosition): boolean {
  if (previous.index === undefined) return next.version === previous.version + 1 && (next.index ?? 0) === 0;
  return next.version === previous.version && (next.index === undefined || next.index === previous.index + 1);
}

/**
 * The order of one watcher's auction stream: each message id must follow the one before it
 * directly (API.md's ids: the version, or `version.index` within a version of several messages),
 * so a missed message shows as a gap and a repeated or older one as a duplicate.
 */
export class StreamSequence {
  gaps = 0;
  duplicates = 0;
  unparsable = 0;
  private last: AuctionPosition | undefined;

  /** Where the stream starts: the snapshot's id (the version it shows). */
  start(id: string | undefined): void {
    this.last = parseAuctionPosition(id);
  }

  get position(): AuctionPosition | undefined {
    return this.last;
  }

  accept(id: string | undefined): SequenceStep {
    const next = parseAuctionPosition(id);
    if (next === undefined) {
      this.unparsable += 1;
      return 'unparsable';
    }
    const previous = this.last;
    if (previous === undefined || followsDirectly(previous, next)) {
      this.last = next;
      return 'next';
    }
    if (comparePositions(next, previous) <= 0) {
      this.duplicates += 1;
      return 'duplicate';
    }
    this.gaps += 1;
    this.last = next;
    return 'gap';
  }
}
