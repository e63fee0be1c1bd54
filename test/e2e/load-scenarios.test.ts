import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioName } from '../../load-test/scenarios/create-scenario.js';
import { runLoad } from '../../load-test/run-load.js';
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
});
