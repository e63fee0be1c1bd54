import { Violations, skipped, type InvariantResult } from './invariant-result.js';
import type { ObservedBasket, Observations } from './observations.js';
import { ACTIVE_HOLD_STATUSES } from './section-checks.js';
import type { DbSnapshot, GridSnapshot } from './snapshots.js';

/**
 * Basket invariants (API.md "Baskets"): a basket's holds are all held, all bought, or all gone,
 * and a basket that was refused holds nothing.
 */

const ALL_STATUSES = ['HELD', 'PURCHASED', 'RELEASED', 'EXPIRED'];

/**
 * The statuses a granted basket's holds may have, from what the harness last asked and was told:
 * HELD if nothing was asked, PURCHASED after a 201 purchase, RELEASED after a 204 release; either
 * before or after when no answer came; anything after a refusal (a failed purchase releases the
 * holds). EXPIRED is allowed once the run outlived the hold TTL.
 */
function expectedBasketStatuses(basket: ObservedBasket, outlivedTtl: boolean): string[] {
  const closing = basket.closing;
  const after = closing?.action === 'purchase' ? 'PURCHASED' : 'RELEASED';
  const statuses =
    closing === undefined
      ? ['HELD']
      : closing.outcome === 'confirmed'
        ? [after]
        : closing.outcome === 'unknown'
          ? ['HELD', after]
          : ALL_STATUSES;
  return outlivedTtl && statuses.includes('HELD') && !statuses.includes('EXPIRED')
    ? [...statuses, 'EXPIRED']
    : statuses;
}

/**
 * Every 201 basket is whole in one view: each of its holds exists there, all with the same status,
 * one the basket may have (`expectedBasketStatuses`). `statusOf` gives a hold's status in that view
 * (undefined: no such hold).
 */
function basketsWhole(
  name: string,
  observations: Observations,
  statusOf: (holdId: string) => string | undefined,
  nowMs: number,
): InvariantResult {
  if (observations.baskets.size === 0) return skipped(name, 'no basket was granted');
  const outlivedTtl = [...observations.sections.values()].some(
    (section) => nowMs - observations.loadStartedAt >= section.holdTtlSeconds * 1000,
  );
  const violations = new Violations();
  let holds = 0;
  for (const basket of observations.baskets.values()) {
    holds += basket.holdIds.length;
    const statuses = basket.holdIds.map((holdId) => statusOf(holdId)?.toUpperCase() ?? 'missing');
    const allowed = expectedBasketStatuses(basket, outlivedTtl);
    const whole = statuses.every((status) => status === statuses[0]);
    if (!whole || !allowed.includes(statuses[0] ?? 'missing')) {
      const told = basket.closing ? `${basket.closing.action} ${basket.closing.outcome}` : 'kept';
      violations.add(
        `basket ${basket.basketId} (${told}): holds ${basket.holdIds.map((id, i) => `${id} ${statuses[i]}`).join(', ')}; ` +
          `expected all ${allowed.join(' or all ')}`,
      );
    }
  }
  return violations.result(
    name,
    `${observations.baskets.size} granted basket(s), ${holds} hold(s), each basket's holds in one status`,
  );
}

/** The basket checks' names: each SKIPs when the load made no basket (or refused none). */
export const BASKET_CHECKS = {
  wholeInGrid: 'every granted basket whole (API)',
  wholeInDb: 'every granted basket whole (Postgres)',
  refusedHoldNothing: 'no refused basket holds anything (Postgres)',
} as const;

/** Every granted basket is whole as the API shows each of its holds (GET …/holds/{holdId}). */
export function basketsWholeInGrid(
  observations: Observations,
  grid: GridSnapshot,
  nowMs: number,
): InvariantResult {
  const name = BASKET_CHECKS.wholeInGrid;
  if (observations.baskets.size > 0 && !grid.basketHolds)
    return skipped(name, "the baskets' holds were not read");
  return basketsWhole(name, observations, (holdId) => grid.basketHolds?.get(holdId), nowMs);
}

/** Every granted basket is whole in the `holds` table. */
export function basketsWholeInDb(observations: Observations, db: DbSnapshot, nowMs: number): InvariantResult {
  const rows = new Map(db.holds.map((row) => [row.holdId, row.status]));
  return basketsWhole(BASKET_CHECKS.wholeInDb, observations, (holdId) => rows.get(holdId), nowMs);
}

/**
 * No refused basket holds anything, in Postgres: each basket is its own customer, so a customer's
 * active (HELD or PURCHASED) holds are its basket's. A refused basket's customer has none, but for
 * as many as its items whose code decided nothing (the basket's compensation may still be settling
 * such a hold, asked for again and then released, when the checks run); an unanswered basket's has
 * none or one per item.
 */
export function refusedBasketsHoldNothing(observations: Observations, db: DbSnapshot): InvariantResult {
  const name = BASKET_CHECKS.refusedHoldNothing;
  const notGranted = observations.basketsNotGranted;
  if (notGranted.length === 0) return skipped(name, 'no basket was refused');
  const active = new Map<string, number>();
  for (const row of db.holds) {
    if (ACTIVE_HOLD_STATUSES.has(row.status.toUpperCase()))
      active.set(row.customerId, (active.get(row.customerId) ?? 0) + 1);
  }
  const violations = new Violations();
  let lingering = 0;
  for (const basket of notGranted) {
    const count = active.get(basket.customerId) ?? 0;
    if (basket.answer === 'refused') {
      if (count > basket.undecided)
        violations.add(
          `customer ${basket.customerId}: basket refused, ${count} active hold(s)` +
            (basket.undecided > 0 ? ` (at most ${basket.undecided} undecided item(s) may linger)` : ''),
        );
      else lingering += count;
    } else if (count !== 0 && count !== basket.items) {
      violations.add(
        `customer ${basket.customerId}: basket unanswered, ${count} active hold(s) of its ${basket.items} item(s)`,
      );
    }
  }
  const refused = notGranted.filter((b) => b.answer === 'refused').length;
  return violations.result(
    name,
    `${refused} refused and ${notGranted.length - refused} unanswered basket(s) hold nothing` +
      (lingering > 0 ? ` (${lingering} hold(s) of undecided items linger)` : ''),
  );
}
