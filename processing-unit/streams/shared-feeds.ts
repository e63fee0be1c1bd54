import { RetryLaterError } from '../../common/errors.js';

/** Something that listens to the grid on behalf of several watchers. */
export interface Feed {
  close(): Promise<void>;
}

/**
 * One feed per key on this unit, shared by all of the key's watchers: opened by the first,
 * closed `lingerMs` after the last one leaves (a client that reconnects at once finds the feed,
 * and its history, still there).
 */
export class SharedFeeds<F extends Feed> {
  private readonly entries = new Map<
    string,
    { feed: Promise<F | null>; users: number; linger?: NodeJS.Timeout }
  >();
  private closed = false;

  constructor(private readonly lingerMs: number) {}

  /** The key's feed, opened by `open` if there is none; null when `open` says the key does not exist. */
  async acquire(key: string, open: () => Promise<F | null>): Promise<F | null> {
    if (this.closed) throw new RetryLaterError('NOT_READY', 'this unit is closing: try again', 1);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { feed: open(), users: 0 };
      this.entries.set(key, entry);
      const opened = entry;
      // A failed or empty open is not kept: the next watcher tries again.
      opened.feed.then(
        (feed) => {
          if (feed === null && this.entries.get(key) === opened) this.entries.delete(key);
        },
        () => {
          if (this.entries.get(key) === opened) this.entries.delete(key);
        },
      );
    }
    entry.users += 1;
    clearTimeout(entry.linger);
    entry.linger = undefined;
    try {
      const feed = await entry.feed;
      if (feed === null) entry.users -= 1;
      return feed;
    } catch (err) {
      entry.users -= 1;
      throw err;
    }
  }

  /** One watcher of `key` is gone. */
  release(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.users -= 1;
    if (entry.users > 0 || this.closed) return;
    entry.linger = setTimeout(() => {
      if (this.entries.get(key) !== entry || entry.users > 0) return;
      this.entries.delete(key);
      void entry.feed.then((feed) => feed?.close());
    }, this.lingerMs);
    entry.linger.unref();
  }

  /** Ends every stream and stops listening. */
  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      entries.map(async (entry) => {
        clearTimeout(entry.linger);
        const feed = await entry.feed.catch(() => null);
        await feed?.close();
      }),
    );
  }
}
