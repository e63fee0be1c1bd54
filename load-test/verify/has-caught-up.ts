import { sectionKey, type Observations } from './observations.js';
import type { DbProgress } from './read-db-snapshot.js';
import type { GridSnapshot } from './snapshots.js';

/**
 * Whether Postgres has caught up with the grid: at least as many holds, purchases and bids as
 * clients were granted, every section and auction row equal to the API's view, and the hold rows
 * adding up to the sections (a hold placed and released again, as a refused basket's, may reach
 * Postgres after its section's final counts).
 */
export function hasCaughtUp(progress: DbProgress, grid: GridSnapshot, observations: Observations): boolean {
  let purchased = 0;
  for (const hold of observations.holds.values()) if (hold.purchase === 'confirmed') purchased += 1;
  if (progress.holds < observations.holds.size || progress.purchased < purchased) return false;
  if (progress.bids < observations.bids.length) return false;
  const sections = new Map(progress.sections.map((row) => [sectionKey(row.eventId, row.sectionId), row]));
  let held = 0;
  let sold = 0;
  for (const [key, view] of grid.sections) {
    const row = sections.get(key);
    if (!row || row.held !== view.held || row.sold !== view.sold) return false;
    held += view.held;
    sold += view.sold;
  }
  if (progress.heldSeats !== held || progress.soldSeats !== sold) return false;
  const auctions = new Map(progress.auctions.map((row) => [row.auctionId, row]));
  for (const [id, view] of grid.auctions) {
    const row = auctions.get(id);
    if (!row || row.highestAmount !== view.highestAmount || row.bidCount !== view.bidCount) return false;
  }
  return true;
}
