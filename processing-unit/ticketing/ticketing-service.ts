import { ConflictError, NotFoundError } from '../../common/errors.js';
import type { GridMaps } from '../../common/grid-maps.js';
import { sectionKey } from '../../common/map-names.js';
import { appendOutbox } from '../../common/outbox.js';
import type {
  EventAggregate,
  EventRecord,
  Hold,
  SectionAggregate,
  SectionSnapshot,
} from '../../common/ticketing-model.js';
import { newId } from '../ids.js';
import type { BatchEngine, KeySpec } from '../write-path/batch-engine.js';
import { buildEventRecord, seatIndexOf, type CreateEventInput } from './event-catalog.js';
import type { SectionCommand, SectionContext } from './section-commands.js';
import {
  closedHoldInOutbox,
  decideOnClosedHold,
  newSection,
  sectionRules,
  type SectionResult,
} from './section-rules.js';
import {
  eventView,
  holdView,
  orderView,
  sectionView,
  type EventView,
  type HoldView,
  type OrderView,
  type SectionView,
} from './ticketing-views.js';

export type SectionEngine = BatchEngine<
  SectionAggregate,
  SectionCommand,
  SectionResult,
  SectionContext,
  SectionSnapshot
>;
type SectionSpecOfKey = KeySpec<
  SectionAggregate,
  SectionCommand,
  SectionResult,
  SectionContext,
  SectionSnapshot
>;

interface CatalogEntry {
  record: EventRecord;
  keySpecs: Map<string, SectionSpecOfKey>;
}

/** Events are immutable once created, so a unit may cache them without any invalidation. */
const CATALOG_CACHE_LIMIT = 10_000;

/**
 * The ticketing use cases of a unit: commands go through the section's single writer (the batch
 * engine), reads go straight to the grid. No HTTP here: routes translate.
 */
export class TicketingService {
  private readonly catalog = new Map<string, CatalogEntry>();

  constructor(
    private readonly maps: Pick<GridMaps, 'events' | 'sections' | 'holds'>,
    private readonly engine: SectionEngine,
    private readonly now: () => number = Date.now,
  ) {}

  async createEvent(input: CreateEventInput): Promise<EventView> {
    const now = this.now();
    const record = buildEventRecord(input, input.id ?? newId('evt'), now);
    const aggregate: EventAggregate = appendOutbox(
      { record, version: 1, outbox: [], outboxSince: null },
      {
        version: 1,
        at: now,
        snapshot: { eventId: record.id, version: 1 },
        events: [{ type: 'EventCreated', event: record }],
      },
    );
    if (await this.maps.events.putIfAbsent(record.id, aggregate)) {
      throw new ConflictError('EVENT_EXISTS', `event ${record.id} already exists`);
    }
    return eventView(
      record,
      record.sections.map((spec) => sectionView(newSection(record.id, spec), now)),
    );
  }

  async getEvent(eventId: string): Promise<EventView> {
    const entry = await this.catalogEntry(eventId);
    const now = this.now();
    const keys = entry.record.sections.map((s) => sectionKey(eventId, s.id));
    const stored = await this.maps.sections.getAll(keys);
    return eventView(
      entry.record,
      entry.record.sections.map((spec, i) =>
        sectionView(stored.get(keys[i]!)?.value ?? newSection(eventId, spec), now),
      ),
    );
  }

  async getSection(eventId: string, sectionId: string): Promise<SectionView> {
    const { spec, state } = await this.readSection(eventId, sectionId);
    return sectionView(state, this.now(), spec.seats ? { seatIds: spec.seats } : {});
  }

  async placeHold(
    eventId: string,
    sectionId: string,
    body: { customerId: string; quantity?: number; seats?: string[] },
  ): Promise<HoldView> {
    const result = await this.submit(eventId, sectionId, {
      type: 'placeHold',
      holdId: newId('hold'),
      customerId: body.customerId,
      ...(body.quantity !== undefined ? { quantity: body.quantity } : {}),
      ...(body.seats !== undefined ? { seats: body.seats } : {}),
    });
    if (result.kind !== 'hold') throw new Error(`placeHold answered ${result.kind}`);
    return holdView(result.hold, this.now());
  }

  async getHold(eventId: string, sectionId: string, holdId: string): Promise<HoldView> {
    const { state } = await this.readSection(eventId, sectionId);
    const hold =
      state.holds[holdId] ??
      closedHoldInOutbox(state, holdId) ??
      (await this.closedHold(eventId, sectionId, holdId));
    return holdView(hold, this.now());
  }

  /** 201 with the order the first time, 200 with the same order afterwards. */
  async purchase(
    eventId: string,
    sectionId: string,
    holdId: string,
  ): Promise<{ order: OrderView; firstTime: boolean }> {
    const result = await this.submitOnHold(eventId, sectionId, {
      type: 'purchase',
      holdId,
      orderId: newId('ord'),
    });
    if (result.kind !== 'purchased') throw new Error(`purchase answered ${result.kind}`);
    return { order: orderView(result.hold), firstTime: result.firstTime };
  }

  async release(eventId: string, sectionId: string, holdId: string): Promise<void> {
    await this.submitOnHold(eventId, sectionId, { type: 'release', holdId });
  }

  /** Runs `due` on a section (expiring its holds) without any client command: the sweeper's call. */
  async touch(key: string): Promise<void> {
    const current = await this.maps.sections.get(key);
    if (!current) return;
    const entry = await this.catalogEntry(current.value.eventId);
    await this.engine.submit(key, this.keySpec(entry, current.value.sectionId), { type: 'touch' });
  }

  private async submitOnHold(
    eventId: string,
    sectionId: string,
    command: SectionCommand,
  ): Promise<SectionResult> {
    try {
      return await this.submit(eventId, sectionId, command);
    } catch (err) {
      if (!(err instanceof NotFoundError) || err.code !== 'HOLD_NOT_FOUND' || !('holdId' in command))
        throw err;
      // The hold left the section and its outbox: its final record is in the holds map.
      return decideOnClosedHold(command, await this.closedHold(eventId, sectionId, command.holdId));
    }
  }

  private async submit(eventId: string, sectionId: string, command: SectionCommand): Promise<SectionResult> {
    const entry = await this.catalogEntry(eventId);
    return this.engine.submit(sectionKey(eventId, sectionId), this.keySpec(entry, sectionId), command);
  }

  private async closedHold(eventId: string, sectionId: string, holdId: string): Promise<Hold> {
    const hold = (await this.maps.holds.get(holdId))?.value;
    if (!hold || hold.eventId !== eventId || hold.sectionId !== sectionId) {
      throw new NotFoundError(
        'HOLD_NOT_FOUND',
        `hold ${holdId} not found in section ${sectionId} of event ${eventId}`,
      );
    }
    return hold;
  }

  private async readSection(eventId: string, sectionId: string) {
    const entry = await this.catalogEntry(eventId);
    const spec = entry.record.sections.find((s) => s.id === sectionId);
    if (!spec) throw new NotFoundError('SECTION_NOT_FOUND', `event ${eventId} has no section ${sectionId}`);
    const stored = await this.maps.sections.get(sectionKey(eventId, sectionId));
    return { spec, state: stored?.value ?? newSection(eventId, spec) };
  }

  private keySpec(entry: CatalogEntry, sectionId: string): SectionSpecOfKey {
    const cached = entry.keySpecs.get(sectionId);
    if (cached) return cached;
    const spec = entry.record.sections.find((s) => s.id === sectionId);
    if (!spec)
      throw new NotFoundError('SECTION_NOT_FOUND', `event ${entry.record.id} has no section ${sectionId}`);
    const seatIndex = seatIndexOf(spec);
    const keySpec: SectionSpecOfKey = {
      rules: sectionRules(seatIndex),
      context: (now) => ({ now, event: entry.record, seatIndex }),
      create: () => newSection(entry.record.id, spec),
      notFound: () =>
        new NotFoundError('SECTION_NOT_FOUND', `event ${entry.record.id} has no section ${sectionId}`),
    };
    entry.keySpecs.set(sectionId, keySpec);
    return keySpec;
  }

  private async catalogEntry(eventId: string): Promise<CatalogEntry> {
    const cached = this.catalog.get(eventId);
    if (cached) return cached;
    const stored = await this.maps.events.get(eventId);
    if (!stored) throw new NotFoundError('EVENT_NOT_FOUND', `event ${eventId} not found`);
    if (this.catalog.size >= CATALOG_CACHE_LIMIT) this.catalog.delete(this.catalog.keys().next().value!);
    const entry: CatalogEntry = { record: stored.value.record, keySpecs: new Map() };
    this.catalog.set(eventId, entry);
    return entry;
  }
}
