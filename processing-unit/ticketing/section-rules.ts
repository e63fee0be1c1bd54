import type { DomainEvent } from '../../common/change-record.js';
import { ConflictError, HoldExpiredError, NotFoundError, ValidationError } from '../../common/errors.js';
import {
  SEAT,
  type Hold,
  type SectionAggregate,
  type SectionSnapshot,
  type SectionSpec,
} from '../../common/ticketing-model.js';
import type { AggregateRules, Decision } from '../write-path/aggregate-rules.js';
import type { SectionCommand, SectionContext } from './section-commands.js';

export type SectionResult =
  | { kind: 'hold'; hold: Hold }
  | { kind: 'purchased'; hold: Hold; firstTime: boolean }
  | { kind: 'released' }
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
    holds: {},
    nextDeadline: null,
    outbox: [],
    outboxSince: null,
  };
}

export function available(state: SectionAggregate): number {
  return state.capacity - state.held - state.sold;
}

/**
 * Holds closed (purchased, released, expired) by events evolved into a batch draft. Their events
 * reach the outbox only when the engine commits the batch, so without this a purchase or release
 * later in the same batch (or right after `due` expired the hold) would not find them and answer
 * HOLD_NOT_FOUND instead of the same order / HOLD_NOT_ACTIVE / HOLD_EXPIRED. Keyed by the draft
 * object, so nothing is added to the stored state and each batch (a fresh draft) starts empty.
 */
const closedInBatch = new WeakMap<SectionAggregate, Map<string, Hold>>();

function rememberClosed(state: SectionAggregate, hold: Hold): void {
  let closed = closedInBatch.get(state);
  if (!closed) {
    closed = new Map();
    closedInBatch.set(state, closed);
  }
  closed.set(hold.holdId, hold);
}

/** Finds a hold that has left the section but whose closing event is still in the outbox. */
export function closedHoldInOutbox(state: SectionAggregate, holdId: string): Hold | undefined {
  for (let i = state.outbox.length - 1; i >= 0; i -= 1) {
    for (const event of state.outbox[i]!.events) {
      if (
        (event.type === 'HoldPurchased' || event.type === 'HoldReleased' || event.type === 'HoldExpired') &&
        event.hold.holdId === holdId
      ) {
        return event.hold;
      }
    }
  }
  return undefined;
}

/**
 * What a purchase or release of a hold that is no longer active means, given its final record.
 * Shared by the rules (hold found in the outbox) and the adapter (hold found in the holds map).
 */
export function decideOnClosedHold(command: SectionCommand, hold: Hold): SectionResult {
  if (command.type === 'purchase') {
    if (hold.status === 'PURCHASED') return { kind: 'purchased', hold, firstTime: false };
    if (hold.status === 'EXPIRED')
      throw new HoldExpiredError(`hold ${hold.holdId} expired at ${hold.expiresAt}`);
    throw new ConflictError('HOLD_NOT_ACTIVE', `hold ${hold.holdId} was released`);
  }
  if (command.type === 'release') {
    if (hold.status === 'PURCHASED') {
      throw new ConflictError('HOLD_NOT_ACTIVE', `hold ${hold.holdId} was purchased and cannot be released`);
    }
    return { kind: 'released' };
  }
  return { kind: 'none' };
}

function pickSeats(state: SectionAggregate, quantity: number): number[] | null {
  const states = state.seatStates ?? '';
  // Best available: the first run of `quantity` adjacent seats in the event's own order...
  let runStart = -1;
  for (let i = 0; i < states.length; i += 1) {
    if (states[i] !== SEAT.AVAILABLE) {
      runStart = -1;
      continue;
    }
    if (runStart < 0) runStart = i;
    if (i - runStart + 1 === quantity) return Array.from({ length: quantity }, (_, k) => runStart + k);
  }
  // ...otherwise the first `quantity` available seats, wherever they are.
  const picked: number[] = [];
  for (let i = 0; i < states.length && picked.length < quantity; i += 1) {
    if (states[i] === SEAT.AVAILABLE) picked.push(i);
  }
  return picked.length === quantity ? picked : null;
}

function decidePlaceHold(
  state: SectionAggregate,
  command: Extract<SectionCommand, { type: 'placeHold' }>,
  context: SectionContext,
): Decision<SectionResult> {
  const { event, now } = context;
  const spec = event.sections.find((s) => s.id === state.sectionId);
  if (!spec) throw new NotFoundError('SECTION_NOT_FOUND', `section ${state.sectionId} not found`);
  if ((command.quantity === undefined) === (command.seats === undefined)) {
    throw new ValidationError('give either quantity or seats, not both and not neither');
  }
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
    const taken = seatIdx.filter((i) => state.seatStates![i] !== SEAT.AVAILABLE).map((i) => spec.seats![i]!);
    if (taken.length > 0)
      throw new ConflictError('SEAT_UNAVAILABLE', 'seats are not available', { seats: taken });
  } else if (requested > available(state)) {
    throw new ConflictError('NOT_ENOUGH_SEATS', `only ${available(state)} seats are available`, {
      available: available(state),
    });
  } else if (state.kind === 'RESERVED') {
    seatIdx = pickSeats(state, requested) ?? undefined;
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

function decideOnHold(
  state: SectionAggregate,
  command: Extract<SectionCommand, { type: 'purchase' | 'release' }>,
  now: number,
): Decision<SectionResult> {
  const active = state.holds[command.holdId];
  if (!active) {
    const closed = closedInBatch.get(state)?.get(command.holdId) ?? closedHoldInOutbox(state, command.holdId);
    if (closed) return { result: decideOnClosedHold(command, closed), events: [] };
    throw new NotFoundError('HOLD_NOT_FOUND', `hold ${command.holdId} not found in this section`);
  }
  const at = new Date(now).toISOString();
  if (command.type === 'purchase') {
    const hold: Hold = {
      ...active,
      status: 'PURCHASED',
      orderId: command.orderId,
      purchasedAt: at,
      closedAt: at,
      version: state.version + 1,
    };
    return {
      result: { kind: 'purchased', hold, firstTime: true },
      events: [{ type: 'HoldPurchased', hold }],
    };
  }
  const hold: Hold = { ...active, status: 'RELEASED', closedAt: at, version: state.version + 1 };
  return { result: { kind: 'released' }, events: [{ type: 'HoldReleased', hold }] };
}

function setSeats(state: SectionAggregate, hold: Hold, to: string, spec: SectionSpecLookup): void {
  if (!hold.seats || state.seatStates === undefined) return;
  const chars = state.seatStates.split('');
  for (const seat of hold.seats) {
    const i = spec(seat);
    if (i !== undefined) chars[i] = to;
  }
  state.seatStates = chars.join('');
}

type SectionSpecLookup = (seat: string) => number | undefined;

/**
 * The rules of a section. Seat ids map to positions through the catalog, so `evolve` needs the
 * seat index of the section: rules are built per section with it.
 */
export function sectionRules(
  seatIndex: ReadonlyMap<string, number> | undefined,
): AggregateRules<SectionAggregate, SectionCommand, SectionResult, SectionContext, SectionSnapshot> {
  const lookup: SectionSpecLookup = (seat) => seatIndex?.get(seat);
  return {
    due(state, now) {
      const events: DomainEvent[] = [];
      const at = new Date(now).toISOString();
      for (const hold of Object.values(state.holds)) {
        if (Date.parse(hold.expiresAt) <= now) {
          events.push({
            type: 'HoldExpired',
            hold: { ...hold, status: 'EXPIRED', closedAt: at, version: state.version + 1 },
          });
        }
      }
      return events;
    },

    decide(state, command, context) {
      switch (command.type) {
        case 'placeHold':
          return decidePlaceHold(state, command, context);
        case 'purchase':
        case 'release':
          return decideOnHold(state, command, context.now);
        case 'touch':
          return { result: { kind: 'none' }, events: [] };
      }
    },

    evolve(state, event) {
      switch (event.type) {
        case 'HoldPlaced':
          state.holds[event.hold.holdId] = event.hold;
          state.held += event.hold.quantity;
          setSeats(state, event.hold, SEAT.HELD, lookup);
          return;
        case 'HoldPurchased':
          delete state.holds[event.hold.holdId];
          state.held -= event.hold.quantity;
          state.sold += event.hold.quantity;
          setSeats(state, event.hold, SEAT.SOLD, lookup);
          rememberClosed(state, event.hold);
          return;
        case 'HoldReleased':
        case 'HoldExpired':
          delete state.holds[event.hold.holdId];
          state.held -= event.hold.quantity;
          setSeats(state, event.hold, SEAT.AVAILABLE, lookup);
          rememberClosed(state, event.hold);
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

    nextDeadline(state) {
      let earliest: number | null = null;
      for (const hold of Object.values(state.holds)) {
        const at = Date.parse(hold.expiresAt);
        if (earliest === null || at < earliest) earliest = at;
      }
      return earliest;
    },
  };
}
