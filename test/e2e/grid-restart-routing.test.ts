/* eslint-disable @typescript-eslint/no-explicit-any -- admin answers are inspected loosely */
import { afterAll, describe, expect, it } from 'vitest';
import { startManager, type ManagerUnderTest } from '../support/deploy-manager.js';
import { http } from '../support/http.js';
import { waitFor } from '../support/system.js';

/**
 * The manager keeps the messaging grid's routing table equal to its fleet, whatever happens to the
 * grid: a grid that restarts comes back with the units it was started with, and a scale step made
 * while the grid is away cannot tell it. Neither may leave units routed that the fleet stopped, or
 * running units unrouted.
 */
describe('the routing table across a messaging grid restart', { timeout: 240_000 }, () => {
  let manager: ManagerUnderTest | undefined;
  afterAll(() => manager?.kill());

  it('follows the fleet after the grid restarts, and a scale-down made while it was away finishes', async () => {
    manager = await startManager({ UNITS: '2' });
    const m = manager;
    const gridAdmin = `http://127.0.0.1:${m.base + 7}`;
    /** The grid's routing table; empty while the grid is down. */
    const routed = async (): Promise<string[]> => {
      const answer = await http('GET', `${gridAdmin}/admin/units`, undefined, {
        authorization: `Bearer ${m.token}`,
      }).catch(() => undefined);
      return answer?.status === 200 ? answer.body.units.map((u: any) => u.url).sort() : [];
    };
    const fleet = async (): Promise<{ urls: string[]; states: string[] }> => {
      const status = await m.status();
      return {
        urls: status.units.map((u: any) => u.url).sort(),
        states: status.units.map((u: any) => u.state),
      };
    };

    // Three units, then the grid dies: the supervisor starts it again with the units it began with.
    expect((await m.adminCall('PUT', '/admin/units', { count: 3 })).status).toBe(202);
    await waitFor(
      async () => (await fleet()).states.filter((s) => s === 'ready').length === 3,
      120_000,
      'three ready units',
    );
    const grid = (await m.status()).processes.find((p: any) => p.kind === 'messaging-grid');
    process.kill(grid.pid, 'SIGKILL');
    // And while it is away, the operator scales down to two.
    expect((await m.adminCall('PUT', '/admin/units', { count: 2 })).status).toBe(202);

    const consistent = async (): Promise<boolean> => {
      const now = await fleet();
      const table = await routed();
      return (
        now.urls.length === 2 &&
        now.states.every((s) => s === 'ready') &&
        JSON.stringify(table) === JSON.stringify(now.urls)
      );
    };
    await waitFor(consistent, 60_000, 'the grid to route exactly the fleet’s two units').catch(
      () => undefined,
    );
    const now = await fleet();
    expect({ fleet: now, routed: await routed() }).toEqual({
      fleet: { urls: now.urls, states: ['ready', 'ready'] },
      routed: now.urls,
    });
    expect(now.urls).toHaveLength(2);
    expect((await http('GET', `${m.api}/readyz`)).status).toBe(200);
  });
});
