import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioName } from '../../load-test/scenarios/create-scenario.js';
import { runLoad } from '../../load-test/run-load.js';
import { BASKET_CHECKS } from '../../load-test/verify/basket-checks.js';
import { startSystem, type TestSystem } from '../support/system.js';

/**
 * Every load scenario, briefly, against the real system through the messaging grid, with the
 * harness's own invariant checks against Postgres. Figures are printed, never asserted.
 */
describe('the load scenarios against spacegrid', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ units: 2 });
  });
  afterAll(async () => {
    await system?.close();
  });

  const scenarios: ScenarioName[] = ['flash-sale', 'seat-map', 'browse', 'auction-war', 'mixed'];
  it.each(scenarios)('%s: no errors, every invariant holds', async (scenario) => {
    const report = await runLoad({
      scenario,
      target: system.gridUrl,
      model: { type: 'closed', connections: 16 },
      durationMs: 2_000,
      databaseUrl: system.databaseUrl,
      verifyTimeoutMs: 30_000,
      scenarioOptions: { capacity: 5_000, seats: 400 },
    });
    console.log(
      `${scenario}: ${report.totals.completed} requests, ${report.totals.rate} req/s, p99 ${report.latency.p99} ms`,
    );
    expect(report.totals.completed).toBeGreaterThan(0);
    expect(report.totals.errors).toBe(0);
    const invariants = report.invariants ?? [];
    expect(invariants.filter((i) => i.status === 'PASS').length).toBeGreaterThan(0);
    expect(invariants.filter((i) => i.status === 'FAIL')).toEqual([]);
  });

  it('basket-rush: baskets granted and refused, every granted basket whole, no refused one holding', async () => {
    const report = await runLoad({
      scenario: 'basket-rush',
      target: system.gridUrl,
      model: { type: 'closed', connections: 8 },
      durationMs: 3_000,
      databaseUrl: system.databaseUrl,
      verifyTimeoutMs: 30_000,
      // Room for a few baskets only (one always fits, a round of users rarely does), so refusals come early;
      // releases free seats for more grants.
      scenarioOptions: { sectionCapacity: 20, purchaseRatio: 0.3, releaseRatio: 0.4 },
    });
    const baskets = report.byKind.basket!;
    console.log(
      `basket-rush: ${baskets.ok} baskets granted, ${baskets.rejected} refused, ` +
        `${report.byKind['basket-purchase']?.ok ?? 0} bought, ${report.byKind['basket-release']?.ok ?? 0} released`,
    );
    expect(report.totals.errors).toBe(0);
    expect(baskets.ok).toBeGreaterThan(0);
    expect(baskets.rejected).toBeGreaterThan(0);
    expect(report.rejectionsByCode.BASKET_UNAVAILABLE).toBeGreaterThan(0);
    const invariants = report.invariants ?? [];
    // The whole result, so a failure shows the check's detail and failures.
    const check = (name: string) => invariants.find((i) => i.name === name);
    for (const name of [...Object.values(BASKET_CHECKS), 'no oversell (API)', 'no oversell (Postgres)'])
      expect(check(name)).toMatchObject({ name, status: 'PASS' });
    expect(invariants.filter((i) => i.status === 'FAIL')).toEqual([]);
  });

  it('auction-watch: watchers beside the bidders see every accepted bid, in order, once', async () => {
    const report = await runLoad({
      scenario: 'auction-watch',
      target: system.gridUrl,
      model: { type: 'closed', connections: 8 },
      durationMs: 3_000,
      databaseUrl: system.databaseUrl,
      verifyTimeoutMs: 30_000,
      scenarioOptions: { watchers: 20, bidders: 20 },
    });
    const streams = report.streams!;
    console.log(
      `auction-watch: ${report.byKind.bid?.ok} accepted bids, ${streams.delivered} messages to ` +
        `${streams.opened} watchers, delivery p50 ${streams.latency.p50} ms p99 ${streams.latency.p99} ms`,
    );
    expect(report.totals.errors).toBe(0);
    expect(report.byKind.bid?.ok).toBeGreaterThan(0);
    expect(streams).toMatchObject({ watchers: 20, opened: 20, gaps: 0, duplicates: 0, dropped: 0 });
    expect(streams.expectedPerWatcher).toBeGreaterThanOrEqual(report.byKind.bid!.ok);
    expect(streams.delivered).toBe(streams.expected);
    expect(streams.latency.count).toBe(streams.delivered);
    const invariants = report.invariants ?? [];
    expect(invariants.find((i) => i.name.startsWith('every watcher saw every accepted bid'))?.status).toBe(
      'PASS',
    );
    expect(invariants.filter((i) => i.status === 'FAIL')).toEqual([]);
  });
});
