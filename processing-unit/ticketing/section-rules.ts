import type { DomainEvent } from '../../common/change-record.js';
import {
  ConflictError,
  IdempotencyKeyReusedError,
  NotFoundError,
  ValidationError,
} from '../../common/errors.js';
import type { OutboxEntry } from '../../common/outbox.js';
import {
  SEAT,
  type Hold,
  type SectionAggregate,
  type SectionSnapshot,
  type SectionSpec,
} from '../../common/ticketing-model.js';
import type { AggregateRules, Decision } from '../write-path/aggregate-rules.js';
import { editSeats, seatsOf, type SeatState } from './seat-map.js';
import type { SectionCommand, SectionContext } from './section-commands.js';

export type SectionResult =
  | { kind: 'hold'; hold: Hold }
  /** The closing as the section applied it (the first one, if this settle was a duplicate). */
  | { kind: 'settled'; hold: Hold; applied: boolean }
  | { kind: 'none' };

/** A fresh, empty section aggregate for a section of the catalog. */
export function newSection(eventId: string, spec: SectionSpec): SectionAggregate {
  return {
    eventId,
    sectionId: spec.id,
    kind: spec.kind,
    capacity: spec.capacity,
    held: 0,
    sold: 0,
    version: 0,
    ...(spec.kind === 'RESERVED' ? { seatStates: SEAT.AVAILABLE.repeat(spec.capacity) } : {}),
    nextDeadline: null,
    outbox: [],
    outboxSince: null,
  };
}

export function available(state: SectionAggregate): number {
  return state.capacity - state.held - state.sold;
}

type ClosingEvent = Extract<DomainEvent, { type: 'HoldPurchased' | 'HoldReleased' | 'HoldExpired' }>;

function isClosing(event: DomainEvent): event is ClosingEvent {
  return event.type === 'HoldPurchased' || event.type === 'HoldReleased' || event.type === 'HoldExpired';
}

/** The hold as placed, if its HoldPlaced event is still in the outbox (not yet in the holds map for sure). */
export function placedHoldInOutbox(state: SectionAggregate, holdId: string): Hold | undefined {
  for (const entry of state.outbox) {
    for (const event of entry.events) {
      if (event.type === 'HoldPlaced' && event.hold.holdId === holdId) return event.hold;
    }
  }
  return undefined;
}

/** The hold as closed, if its closing event is still in the outbox. */
export function closedHoldInOutbox(state: SectionAggregate, holdId: string): Hold | undefined {
  for (let i = state.outbox.length - 1; i >= 0; i -= 1) {
    for (const event of state.outbox[i]!.events) {
      if (isClosing(event) && event.hold.holdId === holdId) return event.hold;
    }
  }
  return undefined;
}

/**
 * Closings applied earlier in the batch being built: they are not in the outbox until the batch
 * commits, and a second settle of the same hold in the same batch must see them. Keyed by the
 * batch-private draft, so every batch (and every retry) starts empty.
 */
const closedInBatch = new WeakMap<SectionAggregate, Map<string, Hold>>();

/** Placements applied earlier in the batch being built (as `closedInBatch`, for a repeated placement). */
const placedInBatch = new WeakMap<SectionAggregate, Map<string, Hold>>();

/**
 * The outbox's placements by hold id, built the first time a batch places a hold and kept while
 * the outbox array is the same with the same length (a batch trims into a new array and only
 * appends after its last decision): one pass over the outbox per batch, not one per placement.
 */
const outboxPlacements = new WeakMap<
  readonly OutboxEntry<SectionSnapshot>[],
  { entries: number; byId: Map<string, Hold> }
>();

function placedInOutbox(state: SectionAggregate): Map<string, Hold> {
  const cached = outboxPlacements.get(state.outbox);
  if (cached && cached.entries === state.outbox.length) return cached.byId;
  const byId = new Map<string, Hold>();
  for (const entry of state.outbox) {
    for (const event of entry.events)
      if (event.type === 'HoldPlaced') byId.set(event.hold.holdId, event.hold);
  }
  outboxPlacements.set(state.outbox, { entries: state.outbox.length, byId });
  return byId;
}

/**
 * The hold already placed with this id, if any: its entry in the holds map (the hold as it is now),
 * a placement earlier in this batch, or one still in the outbox. Between them they know every hold
 * the section ever placed: the pump files a hold before its placement may leave the outbox.
 */
function placedBefore(state: SectionAggregate, holdId: string, context: SectionContext): Hold | undefined {
  return (
    context.filedHolds.get(holdId) ??
    placedInBatch.get(state)?.get(holdId) ??
    placedInOutbox(state).get(holdId)
  );
}

/** A hold (or a basket's item) asks for a quantity or for seats by id: never both, never neither. */
export const QUANTITY_OR_SEATS = 'give either quantity or seats, not both and not neither';
export const asksQuantityOrSeats = (ask: { quantity?: number; seats?: readonly string[] }): boolean =>
  (ask.quantity === undefined) !== (ask.seats === undefined);

/** Whether a placed hold is what this placement asks for: same customer, and same seats or quantity. */
export function isSamePlacement(
  hold: Hold,
  command: Pick<Extract<SectionCommand, { type: 'placeHold' }>, 'customerId' | 'quantity' | 'seats'>,
): boolean {
  if (hold.customerId !== command.customerId) return false;
  if (command.seats === undefined) return hold.quantity === command.quantity;
  const wanted = [...command.seats].sort();
  const held = [...(hold.seats ?? [])].sort();
  return wanted.length === held.length && wanted.every((seat, i) => seat === held[i]);
}

function decidePlaceHold(
  state: SectionAggregate,
  command: Extract<SectionCommand, { type: 'placeHold' }>,
  context: SectionContext,
): Decision<SectionResult> {
  const { event, now } = context;
  const spec = event.sections.find((s) => s.id === state.sectionId);
  if (!spec) throw new NotFoundError('SECTION_NOT_FOUND', `section ${state.sectionId} not found`);
  // A repeat of a placement (a retry under the same Idempotency-Key, whose first attempt may have
  // committed) is answered with the hold it placed, whatever the section looks like now.
  const earlier = placedBefore(state, command.holdId, context);
  if (earlier) {
    if (!isSamePlacement(earlier, command)) {
      throw new IdempotencyKeyReusedError(`hold ${command.holdId} was placed for a different request`);
    }
    return { result: { kind: 'hold', hold: earlier }, events: [] };
  }
  if (!asksQuantityOrSeats(command)) throw new ValidationError(QUANTITY_OR_SEATS);
  const requested = command.quantity ?? command.seats?.length ?? 0;
  if (requested < 1 || requested > event.maxSeatsPerHold) {
    throw new ValidationError(`a hold takes 1 to ${event.maxSeatsPerHold} seats in this event`, {
      maxSeatsPerHold: event.maxSeatsPerHold,
    });
  }
  let seatIdx: number[] | undefined;
  if (command.seats !== undefined) {
    if (state.kind !== 'RESERVED') {
      throw new ValidationError(
        `section ${state.sectionId} is general admission: ask for a quantity, not seats`,
      );
    }
    if (new Set(command.seats).size !== command.seats.length)
      throw new ValidationError('seats are listed twice');
    const unknown = command.seats.filter((seat) => !context.seatIndex?.has(seat));
    if (unknown.length > 0) {
      throw new ValidationError(`unknown seats in section ${state.sectionId}`, { seats: unknown });
    }
    seatIdx = command.seats.map((seat) => context.seatIndex!.get(seat)!);
    const seats = seatsOf(state);
    const taken = seatIdx.filter((i) => !seats?.is(i, SEAT.AVAILABLE)).map((i) => spec.seats![i]!);
    if (taken.length > 0)
      throw new ConflictError('SEAT_UNAVAILABLE', 'seats are not available', { seats: taken });
  } else if (requested > available(state)) {
    throw new ConflictError('NOT_ENOUGH_SEATS', `only ${available(state)} seats are available`, {
      available: available(state),
    });
  } else if (state.kind === 'RESERVED') {
    seatIdx = seatsOf(state)?.bestAvailable(requested) ?? undefined;
    if (!seatIdx) {
      throw new ConflictError('NOT_ENOUGH_SEATS', `only ${available(state)} seats are available`, {
        available: available(state),
      });
    }
  }
  const hold: Hold = {
    holdId: command.holdId,
    eventId: state.eventId,
    sectionId: state.sectionId,
    customerId: command.customerId,
    quantity: requested,
    ...(seatIdx ? { seats: seatIdx.map((i) => spec.seats![i]!) } : {}),
    status: 'HELD',
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + event.holdTtlSeconds * 1000).toISOString(),
    version: state.version + 1,
  };
  return { result: { kind: 'hold', hold }, events: [{ type: 'HoldPlaced', hold }] };
}

function decideSettle(
  state: SectionAggregate,
  command: Extract<SectionCommand, { type: 'settle' }>,
  context: SectionContext,
): Decision<SectionResult> {
  const { hold } = command;
  if (hold.eventId !== state.eventId || hold.sectionId !== state.sectionId) {
    throw new NotFoundError('HOLD_NOT_FOUND', `hold ${hold.holdId} is not in section ${state.sectionId}`);
  }
  const already = closedInBatch.get(state)?.get(hold.holdId) ?? closedHoldInOutbox(state, hold.holdId);
  if (already) return { result: { kind: 'settled', hold: already, applied: false }, events: [] };
  if (context.settledLongAgo.has(hold.holdId))
    return { result: { kind: 'settled', hold, applied: false }, events: [] };
  // A last line of defence: seats that are not held by this hold cannot be moved by it.
  const seats = hold.seats?.length ? seatsOf(state) : undefined;
  const seatsHeld = (hold.seats ?? []).every((seat) => {
    const i = context.seatIndex?.get(seat);
    return i !== undefined && seats?.is(i, SEAT.HELD) === true;
  });
  if (state.held < hold.quantity || !seatsHeld) {
    return { result: { kind: 'settled', hold, applied: false }, events: [] };
  }
  const closed: Hold = { ...hold, version: state.version + 1 };
  switch (hold.status) {
    case 'PURCHASED':
      return {
        result: { kind: 'settled', hold: closed, applied: true },
        events: [{ type: 'HoldPurchased', hold: closed }],
      };
    case 'RELEASED':
      return {
        result: { kind: 'settled', hold: closed, applied: true },
        events: [{ type: 'HoldReleased', hold: closed }],
      };
    case 'EXPIRED':
      return {
        result: { kind: 'settled', hold: closed, applied: true },
        events: [{ type: 'HoldExpired', hold: closed }],
      };
    case 'HELD':
      throw new ConflictError('HOLD_NOT_ACTIVE', `hold ${hold.holdId} is still held: nothing to settle`);
  }
}

/** Moves a hold's seats in the batch's seat map (decoded once per batch, encoded when stored). */
function setSeats(
  state: SectionAggregate,
  hold: Hold,
  to: SeatState,
  seatIndex: ReadonlyMap<string, number> | undefined,
): void {
  if (!hold.seats) return;
  const seats = editSeats(state);
  if (!seats) return;
  for (const seat of hold.seats) {
    const i = seatIndex?.get(seat);
    if (i !== undefined) seats.set(i, to);
  }
}

function rememberPlaced(state: SectionAggregate, hold: Hold): void {
  let placed = placedInBatch.get(state);
  if (!placed) placedInBatch.set(state, (placed = new Map()));
  placed.set(hold.holdId, hold);
}

function rememberClosed(state: SectionAggregate, hold: Hold): void {
  let closed = closedInBatch.get(state);
  if (!closed) closedInBatch.set(state, (closed = new Map()));
  closed.set(hold.holdId, hold);
}

/**
 * The rules of a section: seat counts and the seat map. Seat ids map to positions through the
 * catalog, so the rules are built per section with its seat index.
 */
export function sectionRules(
  seatIndex: ReadonlyMap<string, number> | undefined,
): AggregateRules<SectionAggregate, SectionCommand, SectionResult, SectionContext, SectionSnapshot> {
  return {
    due() {
      return [];
    },

    decide(state, command, context) {
      switch (command.type) {
        case 'placeHold':
          return decidePlaceHold(state, command, context);
        case 'settle':
          return decideSettle(state, command, context);
        case 'touch':
          return { result: { kind: 'none' }, events: [] };
      }
    },

    evolve(state, event) {
      switch (event.type) {
        case 'HoldPlaced':
          rememberPlaced(state, event.hold);
          state.held += event.hold.quantity;
          setSeats(state, event.hold, SEAT.HELD, seatIndex);
          return;
        case 'HoldPurchased':
          rememberClosed(state, event.hold);
          state.held -= event.hold.quantity;
          state.sold += event.hold.quantity;
          setSeats(state, event.hold, SEAT.SOLD, seatIndex);
          return;
        case 'HoldReleased':
        case 'HoldExpired':
          rememberClosed(state, event.hold);
          state.held -= event.hold.quantity;
          setSeats(state, event.hold, SEAT.AVAILABLE, seatIndex);
          return;
        default:
          return;
      }
    },

    snapshot(state) {
      return {
        eventId: state.eventId,
        sectionId: state.sectionId,
        kind: state.kind,
        capacity: state.capacity,
        held: state.held,
        sold: state.sold,
        version: state.version,
      };
    },

    nextDeadline() {
      return null;
    },
  };
}
