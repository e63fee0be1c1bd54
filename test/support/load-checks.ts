import type { LoadReport } from '../../load-test/load-report.js';
import { BASKET_CHECKS } from '../../load-test/verify/basket-checks.js';

const BASKET_CHECK_NAMES = new Set<string>(Object.values(BASKET_CHECKS));

/**
 * The invariant checks of a load run that did not pass: a FAIL, or a SKIP of a check the load should
 * have exercised. Loads without baskets skip the basket checks, with nothing to check.
 */
export function checksNotPassed(report: LoadReport): NonNullable<LoadReport['invariants']> {
  return (report.invariants ?? []).filter(
    (r) => r.status === 'FAIL' || (r.status === 'SKIP' && !BASKET_CHECK_NAMES.has(r.name)),
  );
}
