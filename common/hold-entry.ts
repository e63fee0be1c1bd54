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
