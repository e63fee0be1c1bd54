import { Violations, skipped, type InvariantResult } from './invariant-result.js';
import { sectionKey, type Observations } from './observations.js';
import type { DbSnapshot, GridSnapshot } from './snapshots.js';

/** Every 201 hold is in Postgres, in its section, with its quantity; every confirmed purchase as PURCHASED. */
export function holdsPersisted(observations: Observations, db: DbSnapshot): InvariantResult {
  const name = 'every granted hold in Postgres';
  if (observations.holds.size === 0) return skipped(name, 'no hold was granted');
  const rows = new Map(db.holds.map((row) => [row.holdId, row]));
  const violations = new Violations();
  let purchased = 0;
  for (const hold of observations.holds.values()) {
    const row = rows.get(hold.holdId);
    if (!row) {
      violations.add(`hold ${hold.holdId} (${hold.eventId}/${hold.sectionId}) missing`);
      continue;
    }
    if (row.eventId !== hold.eventId || row.sectionId !== hold.sectionId || row.quantity !== hold.quantity) {
      violations.add(
        `hold ${hold.holdId}: Postgres has ${row.eventId}/${row.sectionId} ×${row.quantity}, ` +
          `client got ${hold.eventId}/${hold.sectionId} ×${hold.quantity}`,
      );
    }
    if (hold.purchase === 'confirmed') {
      purchased += 1;
      if (row.status.toUpperCase() !== 'PURCHASED')
        violations.add(`hold ${hold.holdId}: purchased, Postgres says ${row.status}`);
    }
  }
  return violations.result(name, `${observations.holds.size} hold(s), ${purchased} purchased, all present`);
}

/** Every accepted bid is in Postgres with its auction and amount. */
export function bidsPersisted(observations: Observations, db: DbSnapshot): InvariantResult {
  const name = 'every accepted bid in Postgres';
  if (observations.bids.length === 0) return skipped(name, 'no bid was accepted');
  const rows = new Map(db.bids.map((row) => [row.bidId, row]));
  const violations = new Violations();
  for (const bid of observations.bids) {
    const row = rows.get(bid.bidId);
    if (!row) violations.add(`bid ${bid.bidId} (${bid.amount}) missing`);
    else if (row.auctionId !== bid.auctionId || row.amount !== bid.amount) {
      violations.add(
        `bid ${bid.bidId}: Postgres has ${row.auctionId} ${row.amount}, client got ${bid.auctionId} ${bid.amount}`,
      );
    }
  }
  return violations.result(name, `${observations.bids.length} bid(s) present`);
}

/** The grid (the API's views) and Postgres agree: section held/sold, auction highest amount and bid count. */
export function gridEqualsDb(
  observations: Observations,
  grid: GridSnapshot,
  db: DbSnapshot,
): InvariantResult {
  const violations = new Violations();
  const sections = new Map(db.sections.map((row) => [sectionKey(row.eventId, row.sectionId), row]));
  for (const key of observations.sections.keys()) {
    const view = grid.sections.get(key);
    const row = sections.get(key);
    if (!view || !row) {
      violations.add(`section ${key}: ${view ? '' : 'no API view '}${row ? '' : 'no Postgres row'}`.trim());
    } else if (view.held !== row.held || view.sold !== row.sold) {
      violations.add(
        `section ${key}: API held/sold ${view.held}/${view.sold}, Postgres ${row.held}/${row.sold}`,
      );
    }
  }
  const auctions = new Map(db.auctions.map((row) => [row.auctionId, row]));
  for (const id of observations.auctions.keys()) {
    const view = grid.auctions.get(id);
    const row = auctions.get(id);
    if (!view || !row) {
      violations.add(`auction ${id}: ${view ? '' : 'no API view '}${row ? '' : 'no Postgres row'}`.trim());
    } else if (view.highestAmount !== row.highestAmount || view.bidCount !== row.bidCount) {
      violations.add(
        `auction ${id}: API highest/count ${view.highestAmount}/${view.bidCount}, ` +
          `Postgres ${row.highestAmount}/${row.bidCount}`,
      );
    }
  }
  return violations.result(
    'grid equals Postgres',
    `${observations.sections.size} section(s), ${observations.auctions.size} auction(s) agree`,
  );
}
