import type { EventView, HoldView, OrderView, SectionView } from '../../common/ticketing-api-schemas.js';
import { SEAT, type EventRecord, type Hold, type SectionAggregate } from '../../common/ticketing-model.js';

/**
 * A section's counts and seat map. A hold past its `expiresAt` frees its seats when the expiry
 * sweeper commits the expiry (within SWEEP_INTERVAL_MS); the hold's own view says EXPIRED at once.
 */
export function sectionView(
  state: SectionAggregate,
  options: { seatIds?: readonly string[] } = {},
): SectionView {
  const view: SectionView = {
    id: state.sectionId,
    kind: state.kind,
    capacity: state.capacity,
    available: state.capacity - state.held - state.sold,
    held: state.held,
    sold: state.sold,
  };
  if (options.seatIds && state.seatStates !== undefined) {
    // No prototype: a seat may be called `__proto__` or `constructor` (any id the API allows).
    const seats = Object.create(null) as Record<string, 'AVAILABLE' | 'HELD' | 'SOLD'>;
    options.seatIds.forEach((seat, i) => {
      const c = state.seatStates![i];
      seats[seat] = c === SEAT.SOLD ? 'SOLD' : c === SEAT.HELD ? 'HELD' : 'AVAILABLE';
    });
    view.seats = seats;
  }
  return view;
}

export function eventView(record: EventRecord, sections: SectionView[]): EventView {
  return {
    id: record.id,
    name: record.name,
    startsAt: record.startsAt,
    holdTtlSeconds: record.holdTtlSeconds,
    maxSeatsPerHold: record.maxSeatsPerHold,
    sections,
  };
}

export function holdView(hold: Hold, now: number): HoldView {
  const expired = hold.status === 'HELD' && Date.parse(hold.expiresAt) <= now;
  return {
    holdId: hold.holdId,
    eventId: hold.eventId,
    sectionId: hold.sectionId,
    customerId: hold.customerId,
    quantity: hold.quantity,
    ...(hold.seats ? { seats: hold.seats } : {}),
    status: expired ? 'EXPIRED' : hold.status,
    expiresAt: hold.expiresAt,
    ...(hold.orderId ? { orderId: hold.orderId } : {}),
  };
}

export function orderView(hold: Hold): OrderView {
  return {
    orderId: hold.orderId ?? '',
    holdId: hold.holdId,
    eventId: hold.eventId,
    sectionId: hold.sectionId,
    customerId: hold.customerId,
    quantity: hold.quantity,
    ...(hold.seats ? { seats: hold.seats } : {}),
    status: 'CONFIRMED',
    purchasedAt: hold.purchasedAt ?? '',
  };
}
