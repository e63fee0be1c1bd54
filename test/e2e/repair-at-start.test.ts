/* eslint-disable @typescript-eslint/no-explicit-any -- admin answers are inspected loosely */
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../common/db/postgres.js';
import { silentLogger } from '../../common/logger.js';
import { startManager, type ManagerUnderTest } from '../support/deploy-manager.js';
import { http } from '../support/http.js';
import { waitFor } from '../support/system.js';

/**
 * The data reader warms an empty grid only from a complete Postgres, so a change left in repair
 * when the system stopped holds the next start. The operator resolves it through the manager's
 * admin API, which must therefore be up while the start waits, not only once everything runs.
 */
describe('a start held by a change in repair', { timeout: 240_000 }, () => {
  let manager: ManagerUnderTest | undefined;
  afterAll(() => manager?.kill());

  it('serves the admin API while it waits, and goes on once the repair is resolved', async () => {
    manager = await startManager(
      { UNITS: '1' },
      {
        async prepare(databaseUrl) {
          const pool = await openDatabase(databaseUrl, silentLogger);
          try {
            await pool.query(
              `INSERT INTO change_repairs (aggregate, key, version, change, error, sqlstate)
               VALUES ('section', 'left-over.main', 2, $1, 'value too long for type character varying', '22001')`,
              [
                JSON.stringify({
                  aggregate: 'section',
                  key: 'left-over.main',
                  version: 2,
                  at: 0,
                  events: [],
                }),
              ],
            );
          } finally {
            await pool.end();
          }
        },
        // The manager passes on why the reader waits (every 5 s).
        until: 'wait for repair',
      },
    );
    const started = manager;

    // The start is held, and nothing serves the API yet.
    expect(started.output()).not.toContain('spacegrid is running');
    const readiness = await http('GET', `${started.admin}/readyz`);
    expect([readiness.status, readiness.body.error.code]).toEqual([503, 'NOT_READY']);

    // Meanwhile the operator sees what holds it and what runs, but cannot scale yet.
    const repairs = await started.adminCall('GET', '/admin/repairs');
    expect(repairs.status).toBe(200);
    expect(repairs.body.items).toHaveLength(1);
    expect(repairs.body.items[0]).toMatchObject({ aggregate: 'section', key: 'left-over.main', version: 2 });
    const status = await started.status();
    expect(status.processes.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(['data-reader', 'data-writer']),
    );
    const scale = await started.adminCall('PUT', '/admin/units', { count: 2 });
    expect([scale.status, scale.body.error.code]).toEqual([503, 'NOT_READY']);
    expect(scale.headers['retry-after']).toBeDefined();

    // Resolved (discarded: the change is known to be wrong), the start goes on by itself.
    const discarded = await started.adminCall('POST', `/admin/repairs/${repairs.body.items[0].id}/discard`, {
      confirm: true,
    });
    expect(discarded.status).toBe(204);
    await waitFor(() => started.output().includes('spacegrid is running'), 120_000, 'the start to finish');
    expect((await http('GET', `${started.api}/readyz`)).status).toBe(200);
    expect((await http('GET', `${started.admin}/readyz`)).status).toBe(200);
    expect(await started.stop()).toBe(0);
  });
});
