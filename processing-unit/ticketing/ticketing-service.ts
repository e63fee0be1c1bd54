import { createHash } from 'node:crypto';
import { ContentionError, ConflictError, NotFoundError, RetryLaterError } from '../../common/errors.js';
import type { GridMaps } from '../../common/grid-maps.js';
import { holdEntryOf, holdOf } from '../../common/hold-entry.js';
import type { EventView, HoldView, OrderView, SectionView } from '../../common/ticketing-api-schemas.js';
import type { Versioned } from '../../common/json-map.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import { holdKey, sectionKey } from '../../common/map-names.js';
import { appendOutbox } from '../../common/outbox.js';
import type {
  EventAggregate,
  EventRecord,
  Hold,
  HoldEntry,
  SectionAggregate,
  SectionSnapshot,
  SectionSpec,
} from '../../common/ticketing-model.js';
import { readOrRestore, type Archive } from '../archive-client.js';
import { newId } from '../ids.js';
import { creationId, putNew, type KeyedRequest } from '../idempotency.js';
import type { BatchEngine, KeySpec } from '../write-path/batch-engine.js';
import { buildEventRecord, seatIndexOf, type CreateEventInput } from './event-catalog.js';
import { decideHoldAction, type HoldAction } from './hold-rules.js';
import type { SectionCommand, SectionContext } from './section-commands.js';
import {
  closedHoldInOutbox,
  newSection,
  placedHoldInOutbox,
  sectionRules,
  type SectionResult,
} from './section-rules.js';
import { eventView, holdView, orderView, sectionView } from './ticketing-views.js';

export type SectionEngine = BatchEngine<
  SectionAggregate,
  SectionCommand,
  SectionResult,
  SectionContext,
  SectionSnapshot
>;
type SectionKeySpec = KeySpec<
  SectionAggregate,
  SectionCommand,
  SectionResult,
  SectionContext,
  SectionSnapshot
>;

interface CatalogEntry {
  record: EventRecord;
  keySpecs: Map<string, SectionKeySpec>;
}

/** Events are immutable once created, so a unit may cache them without any invalidation. */
const CATALOG_CACHE_LIMIT = 10_000;
const TRANSITION_ATTEMPTS = 20;

/**
 * The ticketing use cases of a unit. Placing a hold goes through the section's single writer
 * (counts and seats, group-committed). A hold's own way out (purchase, release, expiry) is won by
 * a compare-and-set on its entry in the holds map — exactly one can win — and then settled with the
 * section, at most once (a settle whose closing is in the section's outbox, or long settled, is a no-op).
 * No HTTP here: routes translate.
 */
export class TicketingService {
  private readonly catalog = new Map<string, CatalogEntry>();

  constructor(
    private readonly maps: Pick<GridMaps, 'events' | 'sections' | 'holds'>,
    private readonly engine: SectionEngine,
    private readonly archive: Archive,
    private readonly now: () => number = Date.now,
    private readonly log: Logger = silentLogger,
  ) {}

  /**
   * Creates an event. Under an `Idempotency-Key` the event records which request created it (and
   * gets its id from the key when the request names none), so a retry whose first attempt committed
   * (its answer lost, its key freed) is answered with that event instead of creating a second one.
   */
  async createEvent(input: CreateEventInput, keyed?: KeyedRequest): Promise<EventView> {
    const now = this.now();
    const created = creationId(input.id, keyed, 'evt');
    const record = buildEventRecord(input, created.id, now);
    const aggregate: EventAggregate = appendOutbox(
      { record, version: 1, outbox: [], outboxSince: null },
      {
        version: 1,
        at: now,
        snapshot: { eventId: record.id, version: 1 },
        events: [{ type: 'EventCreated', event: record }],
      },
    );
    const taken = () => new ConflictError('EVENT_EXISTS', `event ${record.id} already exists`);
    if (!(await putNew(this.maps.events, aggregate, created, keyed, taken))) return this.getEvent(record.id);
    // Sections exist from the start, so a section missing later was lost (a partition whose every
    // copy died) and is restored from Postgres, never created again empty over what it had sold.
    // (A unit that dies between the two steps leaves them missing: the restore path creates them.)
    const sections = record.sections.map((spec) => newSection(record.id, spec));
    await Promise.all(
      sections.map((section) =>
        this.maps.sections.putIfAbsent(sectionKey(record.id, section.sectionId), section),
      ),
    );
    return eventView(
      record,
      sections.map((section) => sectionView(section)),
    );
  }

  async getEvent(eventId: string): Promise<EventView> {
    const entry = await this.catalogEntry(eventId);
    const keys = entry.record.sections.map((s) => sectionKey(eventId, s.id));
    const stored = await this.maps.sections.getAll(keys);
    const states = await Promise.all(
      entry.record.sections.map(
        async (spec, i) => stored.get(keys[i]!)?.value ?? (await this.missingSection(eventId, spec)),
      ),
    );
    return eventView(
      entry.record,
      states.map((state) => sectionView(state)),
    );
  }

  async getSection(eventId: string, sectionId: string): Promise<SectionView> {
    const { spec, state } = await this.readSection(eventId, sectionId);
    return sectionView(state, spec.seats ? { seatIds: spec.seats } : {});
  }

  /**
   * Places a hold. Under an `Idempotency-Key` the hold's id comes from the key and the section, so
   * a retry after any failure (its first attempt may have committed: a unit that died, a timeout, a
   * 5xx) reaches the section's writer with the same id, and the section's rules answer it with the
   * hold already placed instead of placing a second one.
   */
  async placeHold(
    eventId: string,
    sectionId: string,
    body: { customerId: string; quantity?: number; seats?: string[] },
    idempotencyKey?: string,
  ): Promise<HoldView> {
    const entry = await this.catalogEntry(eventId);
    const keyed = idempotencyKey !== undefined;
    const result = await this.engine.submit(sectionKey(eventId, sectionId), this.keySpec(entry, sectionId), {
      type: 'placeHold',
      holdId: keyed ? idempotentHoldId(eventId, sectionId, idempotencyKey) : newId('hold'),
      customerId: body.customerId,
      ...(body.quantity !== undefined ? { quantity: body.quantity } : {}),
      ...(body.seats !== undefined ? { seats: body.seats } : {}),
      ...(keyed ? { keyed } : {}),
    });
    if (result.kind !== 'hold') throw new Error(`placeHold answered ${result.kind}`);
    return holdView(result.hold, this.now());
  }

  async getHold(eventId: string, sectionId: string, holdId: string): Promise<HoldView> {
    return holdView((await this.findHold(eventId, sectionId, holdId)).value, this.now());
  }

  /** 201 with the order the first time, 200 with the same order afterwards. */
  async purchase(
    eventId: string,
    sectionId: string,
    holdId: string,
  ): Promise<{ order: OrderView; firstTime: boolean }> {
    const { hold, changed } = await this.transition(eventId, sectionId, holdId, {
      type: 'purchase',
      orderId: newId('ord'),
    });
    return { order: orderView(hold), firstTime: changed };
  }

  async release(eventId: string, sectionId: string, holdId: string): Promise<void> {
    await this.transition(eventId, sectionId, holdId, { type: 'release' });
  }

  /** Expires a hold past its `expiresAt`: the expiry sweeper's call, with the hold's key. */
  async expire(key: string): Promise<void> {
    const stored = await this.maps.holds.get(key);
    if (stored) {
      const { eventId, sectionId, holdId } = stored.value;
      await this.transition(eventId, sectionId, holdId, { type: 'expire' });
    }
  }

  /** Settles a hold whose closing has waited too long (its unit died between the two steps). */
  async settlePending(key: string): Promise<void> {
    const stored = await this.maps.holds.get(key);
    if (stored && stored.value.pendingSince !== null) await this.settle(stored.value);
  }

  /** Lets the engine trim a section's outbox with no client command. */
  async touch(key: string): Promise<void> {
    const current = await this.maps.sections.get(key);
    if (!current) return;
    const entry = await this.catalogEntry(current.value.eventId);
    await this.engine.submit(key, this.keySpec(entry, current.value.sectionId), { type: 'touch' });
  }

  private async transition(
    eventId: string,
    sectionId: string,
    holdId: string,
    action: HoldAction,
  ): Promise<{ hold: HoldEntry; changed: boolean }> {
    for (let attempt = 0; attempt < TRANSITION_ATTEMPTS; attempt += 1) {
      const current = await this.findHold(eventId, sectionId, holdId);
      const decision = decideHoldAction(current.value, action, this.now());
      if (current.raw === undefined) {
        // Closed and gone from the grid: what Postgres has is final (the entry left only after it
        // got there), so the action is a repeat or a refusal.
        if (decision.kind === 'unchanged') return { hold: current.value, changed: false };
        throw new RetryLaterError('RESTORING', `hold ${holdId} is open in Postgres but not in the grid`);
      }
      if (decision.kind === 'unchanged') {
        // Won by an earlier request whose settlement may not have happened yet: make sure it does.
        if (current.value.pendingSince !== null) await this.settleOrLeave(current.value);
        return { hold: current.value, changed: false };
      }
      if (
        !(await this.maps.holds.replaceIfSame(
          holdKey(eventId, sectionId, holdId),
          current.raw,
          decision.next,
        ))
      )
        continue;
      await this.settleOrLeave(decision.next);
      // An expiry on the way to a purchase or release: decide again on the expired hold.
      if (decision.next.status === 'EXPIRED' && action.type !== 'expire') continue;
      return { hold: decision.next, changed: true };
    }
    throw new ContentionError(holdId, TRANSITION_ATTEMPTS);
  }

  /**
   * Settles a decided hold with its section, or leaves it to the pending-settlements sweeper when
   * that fails (the section's queue full, contention, the grid slow): the compare-and-set on the
   * hold's entry decided it, so the client is told what happened, not "nothing done".
   */
  private async settleOrLeave(hold: HoldEntry): Promise<void> {
    try {
      await this.settle(hold);
    } catch (err) {
      this.log.warn(
        { err, holdId: hold.holdId, status: hold.status },
        'settling a decided hold with its section failed: the pending-settlements sweeper will',
      );
    }
  }

  private async settle(hold: HoldEntry): Promise<void> {
    const entry = await this.catalogEntry(hold.eventId);
    await this.engine.submit(sectionKey(hold.eventId, hold.sectionId), this.keySpec(entry, hold.sectionId), {
      type: 'settle',
      hold: holdOf(hold),
    });
  }

  /**
   * A hold: its entry in the grid (a hold placed a moment ago may still be only in its section's
   * outbox), or, once it closed and left the grid, its row in Postgres (then without `raw`: it
   * cannot change any more). A hold Postgres has open but the grid lacks went with a lost
   * partition: its section is restored (live holds first) and the grid asked again.
   */
  private async findHold(
    eventId: string,
    sectionId: string,
    holdId: string,
  ): Promise<{ value: HoldEntry; raw?: Versioned<HoldEntry>['raw'] }> {
    const notFound = () =>
      new NotFoundError(
        'HOLD_NOT_FOUND',
        `hold ${holdId} not found in section ${sectionId} of event ${eventId}`,
      );
    const spec = (await this.catalogEntry(eventId)).record.sections.find((s) => s.id === sectionId);
    if (!spec) throw notFound();
    const key = holdKey(eventId, sectionId, holdId);
    const inGrid = async (): Promise<Versioned<HoldEntry> | null> => {
      const stored = await this.maps.holds.get(key);
      if (stored) return stored;
      const section = await this.maps.sections.get(sectionKey(eventId, sectionId));
      const placed = section && placedHoldInOutbox(section.value, holdId);
      if (!placed) return null;
      await this.maps.holds.putIfAbsent(key, holdEntryOf(placed));
      return this.maps.holds.get(key);
    };
    const stored = await inGrid();
    if (stored) return stored;
    const archived = await this.archive.hold(eventId, sectionId, holdId);
    if (!archived) throw notFound();
    if (archived.status !== 'HELD') return { value: holdEntryOf(archived) };
    await this.archive.restore({ kind: 'section', eventId, sectionId });
    const restored = await inGrid();
    if (!restored) throw new RetryLaterError('RESTORING', `hold ${holdId} is being restored from Postgres`);
    return restored;
  }

  private async readSection(eventId: string, sectionId: string) {
    const entry = await this.catalogEntry(eventId);
    const spec = entry.record.sections.find((s) => s.id === sectionId);
    if (!spec) throw new NotFoundError('SECTION_NOT_FOUND', `event ${eventId} has no section ${sectionId}`);
    const stored = await this.maps.sections.get(sectionKey(eventId, sectionId));
    return { spec, state: stored?.value ?? (await this.missingSection(eventId, spec)) };
  }

  /**
   * A section the grid does not have: lost (put back from Postgres by the data reader, which waits
   * until Postgres has every change the write-behind carried), or never created (its event's unit
   * died between the two steps of createEvent): then, and only then, a fresh one.
   */
  private missingSection(eventId: string, spec: SectionSpec): Promise<SectionAggregate> {
    return readOrRestore(
      this.maps.sections,
      sectionKey(eventId, spec.id),
      () => this.archive.restore({ kind: 'section', eventId, sectionId: spec.id }),
      () => newSection(eventId, spec),
    );
  }

  private keySpec(entry: CatalogEntry, sectionId: string): SectionKeySpec {
    const cached = entry.keySpecs.get(sectionId);
    if (cached) return cached;
    const spec = entry.record.sections.find((s) => s.id === sectionId);
    if (!spec)
      throw new NotFoundError('SECTION_NOT_FOUND', `event ${entry.record.id} has no section ${sectionId}`);
    const seatIndex = seatIndexOf(spec);
    const holds = this.maps.holds;
    const keySpec: SectionKeySpec = {
      rules: sectionRules(seatIndex),
      // A new hold may be refused when the write-behind is behind; settling a purchase, release or
      // expiry already won on the hold's entry may not (its caller was, or will be, told it happened).
      sheddable: (command) => command.type === 'placeHold',
      context: async (now, state, commands) => {
        // A settle whose closing is no longer in the outbox may be a late duplicate of one applied
        // and trimmed long ago, and a keyed placement may repeat one whose HoldPlaced has left the
        // outbox: the holds' entries (read after the section, in one call) say so.
        const settles = new Set<string>();
        const placements = new Set<string>();
        for (const c of commands) {
          if (c.type === 'settle' && !closedHoldInOutbox(state, c.hold.holdId)) settles.add(c.hold.holdId);
          else if (c.type === 'placeHold' && c.keyed) placements.add(c.holdId);
        }
        const filedHolds = new Map<string, Hold>();
        let entries: HoldEntry[] = [];
        if (settles.size + placements.size > 0) {
          const keys = [...new Set([...settles, ...placements])].map((id) =>
            holdKey(entry.record.id, sectionId, id),
          );
          entries = [...(await holds.getAll(keys)).values()].map((stored) => stored.value);
          for (const value of entries)
            if (placements.has(value.holdId)) filedHolds.set(value.holdId, holdOf(value));
        }
        const settledLongAgo = settledOrGone(settles, entries);
        return { now, event: entry.record, seatIndex, settledLongAgo, filedHolds };
      },
      afterCommit: async (events) => {
        // New holds get their entries before their callers hear of them, so any later purchase,
        // release or expiry finds them. (If this fails the pump files them from the outbox.)
        const placed = events.flatMap((e) =>
          e.type === 'HoldPlaced'
            ? [
                [holdKey(e.hold.eventId, e.hold.sectionId, e.hold.holdId), holdEntryOf(e.hold)] as [
                  string,
                  HoldEntry,
                ],
              ]
            : [],
        );
        await holds.setAll(placed).catch(() => undefined);
      },
      absent: async () => {
        await this.missingSection(entry.record.id, spec);
        return 'restored';
      },
    };
    entry.keySpecs.set(sectionId, keySpec);
    return keySpec;
  }

  private async catalogEntry(eventId: string): Promise<CatalogEntry> {
    const cached = this.catalog.get(eventId);
    if (cached) return cached;
    // Never created (404), or lost with its partition (then the data reader puts it back).
    const stored = await readOrRestore(
      this.maps.events,
      eventId,
      () => this.archive.restore({ kind: 'event', eventId }),
      () => {
        throw new NotFoundError('EVENT_NOT_FOUND', `event ${eventId} not found`);
      },
    );
    if (this.catalog.size >= CATALOG_CACHE_LIMIT) this.catalog.delete(this.catalog.keys().next().value!);
    const entry: CatalogEntry = { record: stored.record, keySpecs: new Map() };
    this.catalog.set(eventId, entry);
    return entry;
  }
}

/**
 * Which settles of a batch are late duplicates, to skip: the hold's entry says it closed and was
 * settled, or the entry is gone. Only a closed, settled hold leaves the grid (after its retention),
 * and a lost partition takes the section with it, so a settle never meets a live hold that is gone.
 */
export function settledOrGone(settles: ReadonlySet<string>, entries: readonly HoldEntry[]): Set<string> {
  const skip = new Set(settles);
  for (const value of entries) {
    if (skip.has(value.holdId) && (value.status === 'HELD' || value.pendingSince !== null))
      skip.delete(value.holdId);
  }
  return skip;
}

/** The id of the hold an `Idempotency-Key` places in a section: the same for every retry. */
export function idempotentHoldId(eventId: string, sectionId: string, idempotencyKey: string): string {
  const digest = createHash('sha256')
    .update(`${eventId}\n${sectionId}\n${idempotencyKey}`)
    .digest('base64url');
  return `hold-k${digest.slice(0, 32)}`;
}
