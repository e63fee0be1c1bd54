import { Violations, skipped, type InvariantResult } from './invariant-result.js';
import { sectionKey, type ObservedSection, type Observations } from './observations.js';
import type { DbHoldRow, DbSnapshot, GridSnapshot } from './snapshots.js';

interface Counts {
  capacity: number;
  held: number;
  sold: number;
}

function checkCapacity(
  where: string,
  section: ObservedSection,
  counts: Counts,
  violations: Violations,
): void {
  const name = sectionKey(section.eventId, section.sectionId);
  if (counts.held < 0 || counts.sold < 0)
    violations.add(`${where} ${name}: negative held ${counts.held} / sold ${counts.sold}`);
  if (counts.held + counts.sold > counts.capacity) {
    violations.add(
      `${where} ${name}: held ${counts.held} + sold ${counts.sold} > capacity ${counts.capacity}`,
    );
  }
  if (counts.capacity !== section.capacity) {
    violations.add(`${where} ${name}: capacity ${counts.capacity}, created with ${section.capacity}`);
  }
}

/** held + sold <= capacity in every section, as the API shows it (and the seat map agrees). */
export function noOversellInGrid(observations: Observations, grid: GridSnapshot): InvariantResult {
  const violations = new Violations();
  for (const [key, section] of observations.sections) {
    const view = grid.sections.get(key);
    if (!view) {
      violations.add(`API: section ${key} could not be read`);
      continue;
    }
    checkCapacity('API', section, view, violations);
    if (view.seats) {
      const states = Object.values(view.seats);
      const held = states.filter((s) => s === 'HELD').length;
      const sold = states.filter((s) => s === 'SOLD').length;
      if (held !== view.held || sold !== view.sold) {
        violations.add(
          `API ${key}: seat map has ${held} HELD / ${sold} SOLD, section says ${view.held} / ${view.sold}`,
        );
      }
    }
  }
  return violations.result(
    'no oversell (API)',
    `${observations.sections.size} section(s): held + sold <= capacity`,
  );
}

/** held + sold <= capacity in every section row of Postgres. */
export function noOversellInDb(observations: Observations, db: DbSnapshot): InvariantResult {
  const violations = new Violations();
  const rows = new Map(db.sections.map((row) => [sectionKey(row.eventId, row.sectionId), row]));
  for (const [key, section] of observations.sections) {
    const row = rows.get(key);
    if (!row) violations.add(`Postgres: no sections row for ${key}`);
    else checkCapacity('Postgres', section, row, violations);
  }
  return violations.result(
    'no oversell (Postgres)',
    `${observations.sections.size} section row(s): held + sold <= capacity`,
  );
}

/**
 * The API's held and sold match what clients were told: with no expiry and no other clients,
 * held + sold = the seats of every 201 hold not released since, sold = those of every confirmed
 * purchase; requests that got no answer widen the allowed range by what they asked for (a hold
 * whose release got no answer may or may not still count).
 */
export function gridAccountsForHolds(
  observations: Observations,
  grid: GridSnapshot,
  nowMs: number,
): InvariantResult {
  const name = 'API accounts for every granted hold';
  const expected = new Map<string, { held: number; sold: number; limbo: number; releasing: number }>();
  for (const key of observations.sections.keys())
    expected.set(key, { held: 0, sold: 0, limbo: 0, releasing: 0 });
  for (const hold of observations.holds.values()) {
    const counts = expected.get(sectionKey(hold.eventId, hold.sectionId));
    if (!counts) continue;
    if (hold.release === 'confirmed') continue;
    if (hold.release === 'unknown') counts.releasing += hold.quantity;
    else if (hold.purchase === 'confirmed') counts.sold += hold.quantity;
    else if (hold.purchase === 'unknown') counts.limbo += hold.quantity;
    else counts.held += hold.quantity;
  }
  const violations = new Violations();
  let checked = 0;
  for (const [key, section] of observations.sections) {
    if (nowMs - observations.loadStartedAt >= section.holdTtlSeconds * 1000) continue;
    const view = grid.sections.get(key);
    const counts = expected.get(key)!;
    if (!view) continue; // reported by "no oversell (API)"
    checked += 1;
    const unknown = (observations.unknownHoldQuantity.get(key) ?? 0) + counts.releasing;
    const minTotal = counts.held + counts.sold + counts.limbo;
    const total = view.held + view.sold;
    if (total < minTotal || total > minTotal + unknown) {
      const range = unknown === 0 ? `${minTotal}` : `${minTotal}..${minTotal + unknown}`;
      violations.add(`${key}: held + sold = ${total}, clients were granted ${range}`);
    }
    if (view.sold < counts.sold || view.sold > counts.sold + counts.limbo) {
      violations.add(
        `${key}: sold = ${view.sold}, clients bought ${counts.sold}${counts.limbo ? ` (+${counts.limbo} unknown)` : ''}`,
      );
    }
  }
  if (checked === 0) return skipped(name, 'no section to check (or the run outlived the hold TTL)');
  return violations.result(
    name,
    `${checked} section(s) match the ${observations.holds.size} granted hold(s)`,
  );
}

/** Hold statuses that keep seats taken. */
export const ACTIVE_HOLD_STATUSES: ReadonlySet<string> = new Set(['HELD', 'PURCHASED', 'CONFIRMED', 'SOLD']);

function findDoubleSeats(
  holds: Iterable<{
    holdId: string;
    eventId: string;
    sectionId: string;
    seats: readonly string[] | null | undefined;
  }>,
  where: string,
  violations: Violations,
): number {
  const owner = new Map<string, string>();
  let seats = 0;
  for (const hold of holds) {
    for (const seat of hold.seats ?? []) {
      seats += 1;
      const key = `${hold.eventId}/${hold.sectionId}/${seat}`;
      const first = owner.get(key);
      if (first !== undefined) violations.add(`${where}: seat ${key} in holds ${first} and ${hold.holdId}`);
      else owner.set(key, hold.holdId);
    }
  }
  return seats;
}

/** No reserved seat is in two granted holds (as told to clients, and among active holds in Postgres). */
export function seatsHeldOnce(
  observations: Observations,
  db: DbSnapshot | undefined,
  nowMs: number,
): InvariantResult {
  const name = 'each seat held at most once';
  const reserved = [...observations.sections.values()].filter((s) => s.kind === 'RESERVED');
  if (reserved.length === 0) return skipped(name, 'no reserved section in this scenario');
  const violations = new Violations();
  const withinTtl = reserved.every((s) => nowMs - observations.loadStartedAt < s.holdTtlSeconds * 1000);
  const told = withinTtl ? findDoubleSeats(observations.holds.values(), 'clients', violations) : 0;
  const active = (db?.holds ?? []).filter((row: DbHoldRow) =>
    ACTIVE_HOLD_STATUSES.has(row.status.toUpperCase()),
  );
  const stored = findDoubleSeats(active, 'Postgres', violations);
  return violations.result(
    name,
    `${told} granted seat(s) told to clients, ${stored} active in Postgres, no seat twice`,
  );
}
