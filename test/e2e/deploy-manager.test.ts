import { execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePortRange } from '../support/child-part.js';
import { http } from '../support/http.js';
import { uniqueName, waitFor } from '../support/system.js';
import { databaseUrl, TEST_REDIS_URL } from '../support/test-env.js';

function pgrep(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', pattern]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * `npm start`'s manager, for real: members, reader, writer, pump, units and the messaging grid
 * as processes; a crashed unit comes back; Ctrl-C stops everything and leaves nothing behind.
 */
describe('the deploy manager', () => {
  let manager: ReturnType<typeof spawn> | undefined;
  afterAll(() => {
    manager?.kill('SIGKILL');
  });

  it('starts the system, restarts a crashed unit, and stops cleanly on SIGINT', async () => {
    const base = await freePortRange(12);
    const namespace = uniqueName('dm');
    const token = 'test-token-123';
    manager = spawn(process.execPath, [resolve('dist/deploy-manager/main.js')], {
      env: {
        ...process.env,
        LOG_LEVEL: 'info',
        HZ_MEMBERS: '',
        HZ_BASE_PORT: String(base),
        HZ_MEMBER_COUNT: '2',
        HZ_HEAP_MB: '256',
        HZ_CLUSTER_NAME: namespace,
        GRID_NAMESPACE: namespace,
        DATABASE_URL: databaseUrl(`spacegrid_${namespace}`),
        REDIS_URL: TEST_REDIS_URL,
        PORT: String(base + 2),
        ADMIN_PORT: String(base + 3),
        ADMIN_TOKEN: token,
        PUMP_PORT: String(base + 4),
        WRITER_PORT: String(base + 5),
        READER_PORT: String(base + 6),
        UNIT_BASE_PORT: String(base + 7),
        UNITS: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    manager.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    manager.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((done) => manager!.once('exit', (code) => done(code)));

    await waitFor(
      () => output.includes('spacegrid is running'),
      150_000,
      'the manager to start everything',
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\n${output}`);
    });
    const api = `http://127.0.0.1:${base + 2}`;
    const admin = `http://127.0.0.1:${base + 3}`;
    expect((await http('GET', `${api}/readyz`)).status).toBe(200);
    expect((await http('GET', `${admin}/admin/status`)).status).toBe(401);
    const status = async () =>
      (await http('GET', `${admin}/admin/status`, undefined, { authorization: `Bearer ${token}` })).body
        .children as Array<{
        name: string;
        pid: number | undefined;
        restarts: number;
        status: string;
      }>;
    const children = await status();
    expect(children.map((c) => c.name).sort()).toEqual(
      ['data-pump', 'data-reader', 'data-writer', 'grid', `unit-${base + 7}`, `unit-${base + 8}`].sort(),
    );
    const created = await http('POST', `${api}/events`, {
      id: 'dm',
      name: 'DM',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: 'ga', capacity: 10 }],
    });
    expect(created.status).toBe(201);

    // A unit crashes: the manager starts it again, and it serves again.
    const unit = children.find((c) => c.name === `unit-${base + 7}`)!;
    process.kill(unit.pid!, 'SIGKILL');
    await waitFor(
      async () => {
        const again = (await status()).find((c) => c.name === unit.name)!;
        return again.restarts >= 1 && again.pid !== undefined && again.pid !== unit.pid;
      },
      30_000,
      'the crashed unit to be restarted',
    );
    await waitFor(
      async () =>
        (await http('GET', `http://127.0.0.1:${base + 7}/readyz`).catch(() => ({ status: 0 }))).status ===
        200,
      30_000,
      'the restarted unit to be ready',
    );
    expect(
      (await http('POST', `${api}/events/dm/sections/ga/holds`, { customerId: 'c', quantity: 1 })).status,
    ).toBe(201);

    // Ctrl-C: everything stops, in order, and no process is left behind.
    const pids = (await status()).map((c) => c.pid!).filter(Boolean);
    // Every process whose command line names this test's cluster: the two Hazelcast members.
    const javaPids = pgrep(namespace);
    expect(javaPids.length).toBeGreaterThanOrEqual(2);
    manager.kill('SIGINT');
    expect(await exited).toBe(0);
    manager = undefined;
    expect(output).toContain('everything stopped');
    for (const pid of [...pids, ...javaPids]) expect(alive(pid)).toBe(false);
    expect(pgrep(namespace)).toEqual([]);
  });
});
