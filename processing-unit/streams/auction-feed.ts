import type { AuctionAggregate } from '../../common/bidding-model.js';
import type { JsonMap } from '../../common/json-map.js';
import type { Logger } from '../../common/logger.js';
import type { AuctionPosition } from '../../common/stream-position.js';
import { auctionMessages, auctionSnapshotMessage, type VersionMessages } from './auction-messages.js';
import type { Feed } from './shared-feeds.js';
import type { SseWatcher } from './sse-watcher.js';

export interface AuctionFeedOptions {
  /** Committed versions kept in memory for clients that reconnect. */
  historyVersions: number;
  now?: () => number;
}

/**
 * One auction's committed changes, for every watcher of it on this unit: one Hazelcast entry
 * listener (with values), whose updates arrive in commit order. Each new version's outbox entry
 * becomes its messages, sent to every watcher and kept in a bounded history, so a client that
 * reconnects with `Last-Event-ID` gets exactly what it missed. When the history cannot say (the
 * client is older than it, or updates were lost and the versions jumped), the client gets a
 * `snapshot` of the whole auction instead: never a silent gap, never a message twice.
 */
export class AuctionFeed implements Feed {
  private state: AuctionAggregate | undefined;
  /** Consecutive versions ending at `state.version`, oldest first (or empty). */
  private history: VersionMessages[] = [];
  private readonly watchers = new Set<SseWatcher>();
  private listenerId: string | undefined;
  private readonly now: () => number;

  private constructor(
    private readonly map: JsonMap<AuctionAggregate>,
    private readonly options: AuctionFeedOptions,
    private readonly log: Logger,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Listens first, then reads: whatever commits in between arrives through the listener. Null if absent. */
  static async open(
    map: JsonMap<AuctionAggregate>,
    auctionId: string,
    options: AuctionFeedOptions,
    log: Logger,
  ): Promise<AuctionFeed | null> {
    const feed = new AuctionFeed(map, options, log);
    feed.listenerId = await map.watchKey(auctionId, (value) => feed.committed(value));
    try {
      const current = await map.get(auctionId);
      if (!current) {
        await feed.close();
        return null;
      }
      feed.committed(current.value);
      return feed;
    } catch (err) {
      await feed.close();
      throw err;
    }
  }

  /** Sends what `watcher` missed since `from` (or a snapshot), then every change as it commits. */
  join(watcher: SseWatcher, from: AuctionPosition | undefined): void {
    const state = this.state!;
    watcher.send(this.catchUp(state, from));
    this.watchers.add(watcher);
    watcher.onClose(() => this.watchers.delete(watcher));
  }

  async close(): Promise<void> {
    for (const watcher of this.watchers) watcher.end();
    this.watchers.clear();
    const id = this.listenerId;
    this.listenerId = undefined;
    if (id !== undefined)
      await this.map.unwatch(id).catch((err: unknown) => this.log.warn({ err }, 'unwatch'));
  }

  private catchUp(state: AuctionAggregate, from: AuctionPosition | undefined): string {
    if (from === undefined || from.version > state.version) return auctionSnapshotMessage(state, this.now());
    if (from.version === state.version && from.index === undefined) return '';
    const first = from.index === undefined ? from.version + 1 : from.version;
    const start = this.history.findIndex((v) => v.version === first);
    if (start === -1) return auctionSnapshotMessage(state, this.now());
    const head = this.history[start]!;
    const skip = from.index === undefined ? 0 : from.index + 1;
    return [head.messages.slice(skip), ...this.history.slice(start + 1).map((v) => v.messages)]
      .flat()
      .join('');
  }

  /** A value from the grid (the listener's, or the first read). Versions already seen are ignored. */
  private committed(value: AuctionAggregate): void {
    const previous = this.state;
    if (previous !== undefined && value.version <= previous.version) return; // an outbox trim, or old news
    this.state = value;
    const entries = value.outbox
      .filter((e) => previous === undefined || e.version > previous.version)
      .sort((a, b) => a.version - b.version);
    const from = previous === undefined ? (entries[0]?.version ?? value.version + 1) : previous.version + 1;
    const whole =
      entries.length === value.version - from + 1 && entries.every((e, i) => e.version === from + i);
    const now = this.now();
    if (!whole) {
      // Versions this feed never saw: the history restarts here, and watchers get the whole state.
      this.history = [];
      if (previous !== undefined) this.broadcast(auctionSnapshotMessage(value, now));
      return;
    }
    for (const entry of entries) {
      const messages = auctionMessages(entry, value, now);
      this.history.push(messages);
      if (previous !== undefined) this.broadcast(messages.messages.join(''));
    }
    if (this.history.length > this.options.historyVersions) {
      this.history.splice(0, this.history.length - this.options.historyVersions);
    }
  }

  private broadcast(chunk: string): void {
    for (const watcher of this.watchers) watcher.send(chunk);
  }
}
