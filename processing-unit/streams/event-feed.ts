import type { JsonMap } from '../../common/json-map.js';
import type { Logger } from '../../common/logger.js';
import { sectionKey } from '../../common/map-names.js';
import type { SectionAggregate } from '../../common/ticketing-model.js';
import type { Feed } from './shared-feeds.js';
import { sseMessage } from './sse.js';
import type { SseWatcher } from './sse-watcher.js';

/** A section as an availability message shows it, with the version it was read at. */
export interface SectionCounts {
  id: string;
  capacity: number;
  held: number;
  sold: number;
  version: number;
}

export interface EventFeedOptions {
  /** Least time between two availability messages of one event. */
  minIntervalMs: number;
}

/**
 * The id of an availability message: every section's version, `s1:12,s2:7`. A client that
 * reconnects with it gets the current availability at once if any section moved since, and
 * nothing until the next change otherwise (each message is the whole state, so none is missed).
 */
export function availabilityId(sections: readonly SectionCounts[]): string {
  return sections.map((s) => `${s.id}:${s.version}`).join(',');
}

export function availabilityMessage(sections: readonly SectionCounts[]): string {
  return sseMessage(
    'availability',
    {
      sections: sections.map((s) => ({
        id: s.id,
        available: s.capacity - s.held - s.sold,
        held: s.held,
        sold: s.sold,
      })),
    },
    availabilityId(sections),
  );
}

/**
 * One event's availability, for every watcher of it on this unit: an entry listener per section
 * (the sections map, keys `eventId.sectionId`). Changes are coalesced: at most one message per
 * `minIntervalMs`, always the latest state, sent as soon as the interval allows.
 */
export class EventFeed implements Feed {
  private readonly sections: SectionCounts[];
  private readonly byId = new Map<string, SectionCounts>();
  private readonly listenerIds: string[] = [];
  private readonly watchers = new Set<SseWatcher>();
  private sentId: string;
  private lastSentAt = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly map: JsonMap<SectionAggregate>,
    sections: readonly SectionCounts[],
    private readonly options: EventFeedOptions,
    private readonly log: Logger,
  ) {
    this.sections = sections.map((s) => ({ ...s }));
    for (const s of this.sections) this.byId.set(s.id, s);
    this.sentId = availabilityId(this.sections);
  }

  /**
   * Listens to each section, then reads them all: whatever commits in between arrives through a
   * listener. `sections` is the event's layout with counts already read (the ones the map lacks
   * stay as given).
   */
  static async open(
    map: JsonMap<SectionAggregate>,
    eventId: string,
    sections: readonly SectionCounts[],
    options: EventFeedOptions,
    log: Logger,
  ): Promise<EventFeed> {
    const feed = new EventFeed(map, sections, options, log);
    try {
      for (const section of sections) {
        feed.listenerIds.push(
          await map.watchKey(sectionKey(eventId, section.id), (value) => feed.committed(value)),
        );
      }
      const current = await map.getAll(sections.map((s) => sectionKey(eventId, s.id)));
      for (const { value } of current.values()) feed.committed(value);
      return feed;
    } catch (err) {
      await feed.close();
      throw err;
    }
  }

  /** Sends the current availability unless `lastEventId` already says exactly this, then every change. */
  join(watcher: SseWatcher, lastEventId: string | undefined): void {
    if (lastEventId !== availabilityId(this.sections)) watcher.send(availabilityMessage(this.sections));
    this.watchers.add(watcher);
    watcher.onClose(() => this.watchers.delete(watcher));
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.end();
    this.watchers.clear();
    const ids = this.listenerIds.splice(0);
    await Promise.all(
      ids.map((id) => this.map.unwatch(id).catch((err: unknown) => this.log.warn({ err }, 'unwatch'))),
    );
  }

  private committed(value: SectionAggregate): void {
    const section = this.byId.get(value.sectionId);
    if (!section || value.version <= section.version) return;
    section.held = value.held;
    section.sold = value.sold;
    section.capacity = value.capacity;
    section.version = value.version;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const wait = this.lastSentAt + this.options.minIntervalMs - Date.now();
    if (wait <= 0) this.flush();
    else {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, wait);
      this.timer.unref();
    }
  }

  private flush(): void {
    const id = availabilityId(this.sections);
    if (id === this.sentId) return;
    this.sentId = id;
    this.lastSentAt = Date.now();
    const message = availabilityMessage(this.sections);
    for (const watcher of this.watchers) watcher.send(message);
  }
}
