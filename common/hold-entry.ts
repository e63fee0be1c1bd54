import type { DomainEvent } from './change-record.js';
import { holdKey } from './map-names.js';
import type { Hold, HoldEntry } from './ticketing-model.js';

/** The holds map's form of a hold, settled (nothing pending). */
export function holdEntryOf(hold: Hold): HoldEntry {
  return {
    ...hold,
    deadline: hold.status === 'HELD' ? Date.parse(hold.expiresAt) : null,
    pendingSince: null,
  };
}

/** The domain form of a hold entry (what events and the writer carry). */
export function holdOf(entry: HoldEntry): Hold {
  const { deadline: _deadline, pendingSince: _pending, ...hold } = entry;
  return hold;
}

/** The key of a hold's entry in the holds map. */
export function holdKeyOf(hold: Pick<Hold, 'eventId' | 'sectionId' | 'holdId'>): string {
  return holdKey(hold.eventId, hold.sectionId, hold.holdId);
}

/** A hold's way out of HELD: purchased, released or expired. */
export function isHoldClosing(
  event: DomainEvent,
): event is Extract<DomainEvent, { type: 'HoldPurchased' | 'HoldReleased' | 'HoldExpired' }> {
  return event.type === 'HoldPurchased' || event.type === 'HoldReleased' || event.type === 'HoldExpired';
}
