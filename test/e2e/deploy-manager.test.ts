/* eslint-disable @typescript-eslint/no-explicit-any -- admin answers are inspected loosely */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadOptions } from '../../load-test/load-options.js';
import { runLoad } from '../../load-test/run-load.js';
import { alive, pgrep, startManager, type ManagerUnderTest } from '../support/deploy-manager.js';
import { http } from '../support/http.js';
import { checksNotPassed } from '../support/load-checks.js';
import { waitFor } from '../support/system.js';

/** A load through the messaging grid, with the harness's invariant checks against the manager's Postgres. */
function load(manager: ManagerUnderTest, options: Partial<LoadOptions> & Pick<LoadOptions, 'scenario'>) {
  return runLoad({
    target: manager.api,
    databaseUrl: manager.databaseUrl,
    verifyTimeoutMs: 60_000,
    timeoutMs: 30_000,
    scenarioOptions: { capacity: 100_000, seats: 2_000 },
    ...options,
  });
}

const readyUnits = (status: any): string[] =>
  status.units.filter((u: any) => u.state === 'ready').map((u: any) => u.id);

/**
 * `npm start`'s manager, for real: members, reader, writer, pump, units and the messaging grid as
 * processes. Scaling by hand and by load, member and unit crashes, and a clean Ctrl-C, all under
 * load through the messaging grid, checked by the load harness's invariants against Postgres.
 */
describe('the deploy manager', { timeout: 240_000 }, () => {
  let manager: ManagerUnderTest;
  beforeAll(async () => {
    manager = await startManager({
      // Short windows, so the autoscaler's whole cycle fits in a test.
      AUTOSCALER_INTERVAL_MS: '1000',
      AUTOSCALER_SIGNAL_WINDOW_MS: '2000',
      AUTOSCALER_SCALE_DOWN_WINDOW_MS: '8000',
      AUTOSCALER_TARGET_IN_FLIGHT: '50',
      AUTOSCALER_MIN: '1',
      AUTOSCALER_MAX: '3',
    });
  });
  afterAll(() => manager?.kill());

  it('shows what runs in /admin/status, behind the token, and nothing admin on the public port', async () => {
    const status = await manager.status();
    expect(status.units).toEqual([
      expect.objectContaining({
        id: 'unit-1',
        url: `http://127.0.0.1:${manager.base + 8}`,
        state: 'ready',
        restarts: 0,
      }),
      expect.objectContaining({
        id: 'unit-2',
        url: `http://127.0.0.1:${manager.base + 9}`,
        state: 'ready',
        restarts: 0,
      }),
    ]);
    for (const unit of status.units) expect(unit.pid).toBeGreaterThan(0);
    expect(status.target).toEqual({ units: 2 });
    expect(status.autoscaler).toMatchObject({ enabled: false, min: 1, max: 3, lastDecision: null });
    expect(status.members).toEqual([
      expect.objectContaining({ address: `127.0.0.1:${manager.base}`, state: 'ready', restarts: 0 }),
      expect.objectContaining({ address: `127.0.0.1:${manager.base + 1}`, state: 'ready', restarts: 0 }),
    ]);
    expect(status.cluster).toEqual({ size: 2, safe: true });
    expect(status.processes.map((p: any) => p.name).sort()).toEqual([
      'data-pump',
      'data-reader',
      'data-writer',
      'grid',
    ]);

    for (const authorization of [undefined, 'Bearer wrong-token', manager.token]) {
      const refused = await http(
        'GET',
        `${manager.admin}/admin/status`,
        undefined,
        authorization ? { authorization } : {},
      );
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('UNAUTHORIZED');
    }
    for (const [method, path] of [
      ['GET', '/admin/status'],
      ['PUT', '/admin/units'],
      ['GET', '/admin/units'],
    ] as const) {
      const answer = await http(
        method,
        `${manager.api}${path}`,
        method === 'PUT' ? { count: 1 } : undefined,
        {
          authorization: `Bearer ${manager.token}`,
        },
      );
      expect(answer.status, `${method} ${path} on the public port`).toBe(404);
    }
    for (const bad of [
      { count: 0 },
      { count: 65 },
      { count: '2' },
      { count: 1.5 },
      {},
      { count: 2, extra: 1 },
    ]) {
      const refused = await manager.adminCall('PUT', '/admin/units', bad);
      expect(refused.status, JSON.stringify(bad)).toBe(400);
      expect(refused.body.error.code).toBe('VALIDATION_FAILED');
    }
    // The repair queue (kept by the data writer) through the manager's admin API.
    expect(await manager.adminCall('GET', '/admin/repairs')).toMatchObject({
      status: 200,
      body: { items: [] },
    });
    expect((await http('GET', `${manager.admin}/admin/repairs`)).status).toBe(401);
    const unknown = await manager.adminCall('POST', '/admin/repairs/12345/discard', { confirm: true });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('REPAIR_NOT_FOUND');

    const inverted = await manager.adminCall('PUT', '/admin/autoscaler', { enabled: true, min: 3, max: 2 });
    expect(inverted.status).toBe(400);
    expect((await manager.status()).autoscaler.enabled).toBe(false);
  });

  it('scales 2 → 4 → 1 → 2 under an open load without one failed request', async () => {
    const steps: Array<{ count: number; at: number }> = [];
    let loadDone = false;
    const scaling = (async () => {
      await new Promise((r) => setTimeout(r, 4_000));
      for (const count of [4, 1, 2]) {
        const answer = await manager.adminCall('PUT', '/admin/units', { count });
        expect(answer.status).toBe(202);
        expect(answer.body).toEqual({ target: { units: count } });
        await waitFor(
          async () => {
            const status = await manager.status();
            return status.units.length === count && readyUnits(status).length === count;
          },
          60_000,
          `${count} units ready`,
          200,
        );
        steps.push({ count, at: Date.now() });
      }
    })();
    const report = await load(manager, {
      scenario: 'mixed',
      model: { type: 'open', rate: 250 },
      durationMs: 36_000,
    });
    loadDone = true;
    await scaling;
    console.log(
      `scaling under load: ${report.totals.completed} requests, ${report.totals.rate} req/s, p99 ${report.latency.p99} ms, ` +
        `statuses ${JSON.stringify(report.statusCodes)}, steps ${JSON.stringify(steps.map((s) => s.count))}`,
    );
    expect(loadDone).toBe(true);
    // Every step was taken while the load ran.
    expect(steps.map((s) => s.count)).toEqual([4, 1, 2]);
    const loadEnded = Date.parse(report.finishedAt);
    expect(steps.at(-1)!.at).toBeLessThan(loadEnded);
    expect(report.totals.completed).toBeGreaterThan(5_000);
    expect(report.totals.errors).toBe(0);
    expect(checksNotPassed(report)).toEqual([]);
    expect((report.invariants ?? []).length).toBeGreaterThan(0);
    expect((await manager.status()).units.map((u: any) => u.id)).toEqual(['unit-1', 'unit-2']);
  });

  it('autoscales: adds a unit under sustained load, and scales back down once idle', async () => {
    const enabled = await manager.adminCall('PUT', '/admin/autoscaler', { enabled: true, min: 1, max: 3 });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ enabled: true, min: 1, max: 3 });
    // Idle first: nothing in flight, so what follows is the load's doing.
    await waitFor(
      async () => {
        const live = (await manager.adminCall('GET', '/admin/live')).body;
        return live.units.length === 2 && live.units.every((u: any) => u.inFlight === 0);
      },
      30_000,
      'idle units',
      250,
    );
    expect((await manager.status()).autoscaler.lastDecision).toBeNull();
    // Sustained overload: an open load far above what two cores can serve, so requests queue in the grid.
    const stop = new AbortController();
    const started = Date.now();
    const running = load(manager, {
      // Many keys, so every unit has work; far more connections than the grid has to its units.
      scenario: 'mixed',
      model: { type: 'open', rate: 3_000 },
      poolConnections: 1_000,
      durationMs: 40_000,
      signal: stop.signal,
      verify: false,
    });
    let up: any;
    try {
      await waitFor(
        async () => {
          const decision = (await manager.status()).autoscaler.lastDecision;
          if (decision && decision.to > decision.from) up = decision;
          return up !== undefined;
        },
        38_000,
        'the autoscaler to scale up under load (the load runs 40 s)',
        250,
      );
    } finally {
      stop.abort();
      await running;
    }
    const loadEnded = Date.now();
    console.log(`autoscaler up after ${Date.parse(up.at) - started} ms: ${up.from} → ${up.to}: ${up.reason}`);
    expect(up.reason).toMatch(/requests in flight above target/);
    await waitFor(
      async () => readyUnits(await manager.status()).length === up.to,
      60_000,
      'the new units ready',
      250,
    );

    // Idle: after the scale-down window it goes back to its minimum, saying why.
    await waitFor(
      async () => {
        const status = await manager.status();
        return status.target.units === 1 && status.units.length === 1;
      },
      60_000,
      'the autoscaler to scale down to its minimum',
      500,
    );
    const status = await manager.status();
    expect(status.autoscaler.lastDecision).toMatchObject({ to: 1 });
    expect(status.autoscaler.lastDecision.reason).toMatch(/scaling down/);
    expect(Date.parse(status.autoscaler.lastDecision.at) - Date.parse(up.at)).toBeGreaterThanOrEqual(8_000);
    // No flapping: once the load ended, every decision went one way (down).
    const since = status.autoscaler.decisions.filter((d: any) => Date.parse(d.at) > loadEnded);
    expect(since.every((d: any) => d.to < d.from)).toBe(true);

    expect((await manager.adminCall('PUT', '/admin/autoscaler', { enabled: false })).body.enabled).toBe(
      false,
    );
    expect((await manager.adminCall('PUT', '/admin/units', { count: 2 })).status).toBe(202);
    await waitFor(async () => readyUnits(await manager.status()).length === 2, 60_000, '2 units again', 250);
  });

  it('restarts a Hazelcast member killed under load: nothing acknowledged is lost', async () => {
    const before = await manager.status();
    const victim = before.members[1];
    let killedAt = 0;
    let backAt = 0;
    const crash = (async () => {
      await new Promise((r) => setTimeout(r, 4_000));
      killedAt = Date.now();
      process.kill(victim.pid, 'SIGKILL');
      await waitFor(
        async () => {
          const member = (await manager.status()).members.find((m: any) => m.address === victim.address);
          return member.state === 'ready' && member.restarts === 1 && member.pid !== victim.pid;
        },
        120_000,
        'the killed member to be back and ready',
        250,
      );
      backAt = Date.now();
    })();
    const report = await load(manager, {
      scenario: 'mixed',
      model: { type: 'open', rate: 200 },
      durationMs: 30_000,
    });
    await crash;
    console.log(
      `member killed under load: back in ${backAt - killedAt} ms; ${report.totals.completed} requests, ` +
        `statuses ${JSON.stringify(report.statusCodes)}, errors ${JSON.stringify(report.errorsByCode)}`,
    );
    expect(checksNotPassed(report)).toEqual([]);
    // The grid kept answering: the last 10 s of the load (after the kill) had answers, not failures.
    const lastSeconds = report.series.filter((p) => p.atMs > report.elapsedMs - 10_000);
    expect(lastSeconds.reduce((n, p) => n + p.ok, 0)).toBeGreaterThan(0);
    expect(
      lastSeconds.reduce((n, p) => n + p.errors, 0),
      `errors in the last 10 s (the whole run's: ${JSON.stringify(report.errorsByCategory)} ${JSON.stringify(report.errorsByCode)}, ` +
        `statuses ${JSON.stringify(report.statusCodes)}, member back in ${backAt - killedAt} ms)`,
    ).toBe(0);
    await waitFor(
      async () => (await manager.status()).cluster.safe === true,
      60_000,
      'backups restored',
      500,
    );
  });

  it('restarts a crashed unit, which then serves again', async () => {
    const unit = (await manager.status()).units.find((u: any) => u.id === 'unit-1');
    process.kill(unit.pid, 'SIGKILL');
    await waitFor(
      async () => {
        const again = (await manager.status()).units.find((u: any) => u.id === 'unit-1');
        return again.restarts >= 1 && again.pid !== unit.pid && again.state === 'ready';
      },
      60_000,
      'the crashed unit to be restarted and ready',
      250,
    );
    const created = await http('POST', `${manager.api}/events`, {
      id: 'dm',
      name: 'DM',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: 'ga', capacity: 10 }],
    });
    expect(created.status).toBe(201);
    expect(
      (await http('POST', `${manager.api}/events/dm/sections/ga/holds`, { customerId: 'c', quantity: 1 }))
        .status,
    ).toBe(201);
  });

  it('stops everything on Ctrl-C and leaves no process behind', async () => {
    const status = await manager.status();
    const pids = [...status.units, ...status.processes, ...status.members]
      .map((c: any) => c.pid)
      .filter(Boolean);
    const javaPids = pgrep(manager.namespace);
    expect(javaPids.length).toBeGreaterThanOrEqual(2);
    expect(await manager.stop()).toBe(0);
    expect(manager.output()).toContain('everything stopped');
    for (const pid of [...pids, ...javaPids]) expect(alive(pid)).toBe(false);
    expect(pgrep(manager.namespace)).toEqual([]);
  });
});
