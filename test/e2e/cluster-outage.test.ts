import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectGrid, openGridLink, type GridLink } from '../../common/grid-client.js';
import { ensureHazelcastJar } from '../../deploy-manager/hazelcast/hazelcast-jar.js';
import { startCluster, type ClusterHandle } from '../../deploy-manager/hazelcast/member-process.js';
import { http, type HttpAnswer } from '../support/http.js';
import { startSystem, testLogger, uniqueName, waitFor, type TestSystem } from '../support/system.js';

const OUTAGE_MS = 60_000;
const UNREACHABLE = /^the grid is unreachable: reconnecting since \d{4}-\d\d-\d\dT/;

/**
 * Every Hazelcast member dies at once and stays down for a minute; then a fresh, empty cluster
 * starts on the same addresses. Meanwhile the system says why it cannot serve (503 NOT_READY,
 * never a hang or a 500); afterwards, untouched, it serves again by itself: the grid clients
 * reconnected (none gave up), the data reader warmed the empty members from Postgres, the units
 * waited for it, and listeners and sweepers work on the new members.
 */
describe('a full Hazelcast outage of a minute', () => {
  let cluster: ClusterHandle | undefined;
  let system: TestSystem | undefined;
  let probe: GridLink | undefined;
  let logDir = '';
  const clusterName = uniqueName('outage-');
  const log = testLogger();

  const startGrid = async (ports?: number[]): Promise<ClusterHandle> =>
    startCluster({
      jarPath: await ensureHazelcastJar({ cacheDir: resolve('.cache/hazelcast'), log }),
      clusterName,
      basePort: ports?.[0] ?? 5871,
      findFreePorts: ports === undefined,
      count: 2,
      heapMb: 256,
      logDir,
      log,
    });

  beforeAll(async () => {
    logDir = await mkdtemp(join(tmpdir(), 'spacegrid-outage-'));
    cluster = await startGrid();
    system = await startSystem({ units: 2, hzMembers: cluster.addresses, hzClusterName: clusterName });
  }, 180_000);
  afterAll(async () => {
    await system?.close();
    await probe?.close();
    await cluster?.stop();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  });

  /** A request that must be answered, and soon: a hang fails the test instead of the timeout. */
  const quickly = async (method: string, url: string, body?: unknown): Promise<HttpAnswer> => {
    const started = Date.now();
    const answer = await http(method, url, body);
    expect(Date.now() - started, `${method} ${url} answered, not hung`).toBeLessThan(30_000);
    return answer;
  };

  it('says why while the members are down, and serves again by itself when they are back', async () => {
    const sys = system!;
    const grid = sys.gridUrl;
    const create = (id: string, holdTtlSeconds: number) =>
      http('POST', `${grid}/events`, {
        id,
        name: id,
        startsAt: '2026-12-20T18:00:00Z',
        holdTtlSeconds,
        sections: [{ id: 'ga', capacity: 100 }],
      });
    expect((await create('outage', 3600)).status).toBe(201);
    expect((await create('short', 10)).status).toBe(201);
    const holds: Array<{ holdId: string }> = [];
    for (let i = 0; i < 5; i += 1) {
      const placed = await http('POST', `${grid}/events/outage/sections/ga/holds`, {
        customerId: `c${i}`,
        quantity: 2,
      });
      expect(placed.status).toBe(201);
      holds.push(placed.body);
    }
    // Expires during the outage: after it, the units' sweeper must expire it on the new members.
    const shortHold = await http('POST', `${grid}/events/short/sections/ga/holds`, {
      customerId: 's',
      quantity: 1,
    });
    expect(shortHold.status).toBe(201);
    const holdUrl = (event: string, holdId: string) => `${grid}/events/${event}/sections/ga/holds/${holdId}`;
    const before = await Promise.all(
      holds.map(async (h) => (await http('GET', holdUrl('outage', h.holdId))).body),
    );
    // What the members hold alone dies with them: the outage starts once Postgres has it all.
    await sys.drained();

    // A client of the test's own, with an entry listener that must survive the outage.
    probe = await openGridLink({ members: cluster!.addresses, clusterName, log });
    const probeMap = await probe.client.getMap<string, string>(`${sys.namespace}-probe`);
    const heard: string[] = [];
    await probeMap.addEntryListener({ added: (event) => heard.push(event.key) }, undefined, false);

    const ports = cluster!.members.map((m) => m.port);
    await cluster!.kill();
    cluster = undefined;
    const down = Date.now();

    // Every part notices at once, from its client's own event, and says why.
    let lastSeen = '';
    await waitFor(
      async () => {
        for (const url of [...sys.unitUrls, sys.pump.url, sys.reader.url]) {
          const ready = await http('GET', `${url}/readyz`);
          lastSeen = `${url}/readyz: ${ready.status} ${JSON.stringify(ready.body)}`;
          if (ready.status !== 503 || !UNREACHABLE.test(ready.body?.error?.message ?? '')) return false;
        }
        // The messaging grid learns it from the units' /readyz, on its next health check.
        const gridReady = await http('GET', `${grid}/readyz`);
        lastSeen = `${grid}/readyz: ${gridReady.status}`;
        return gridReady.status === 503;
      },
      30_000,
      'every unit, the pump and the reader answer /readyz 503 (the grid is unreachable), and so does the messaging grid',
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last seen: ${lastSeen}`);
    });
    let refused = 0;
    while (Date.now() - down < OUTAGE_MS) {
      for (const url of sys.unitUrls) {
        const ready = await quickly('GET', `${url}/readyz`);
        expect(ready.status).toBe(503);
        expect(ready.body.error.code).toBe('NOT_READY');
        expect(ready.body.error.message).toMatch(UNREACHABLE);
        const direct = await quickly('GET', holdUrl('outage', holds[0]!.holdId).replace(grid, url));
        expect(direct.status).toBe(503);
        expect(direct.body.error).toMatchObject({
          code: 'NOT_READY',
          message: expect.stringMatching(UNREACHABLE),
        });
      }
      expect((await quickly('GET', `${grid}/readyz`)).status).toBe(503);
      const place = await quickly('POST', `${grid}/events/outage/sections/ga/holds`, {
        customerId: 'during',
        quantity: 1,
      });
      expect(place.status).toBe(503);
      expect(place.body.error.code).toBe('NOT_READY');
      const read = await quickly('GET', holdUrl('outage', holds[0]!.holdId));
      expect(read.status).toBe(503);
      refused += 2;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(refused).toBeGreaterThan(20);

    // Fresh, empty members on the same addresses; nothing in the system is touched.
    cluster = await startGrid(ports);
    const back = Date.now();
    let after: HttpAnswer | undefined;
    await waitFor(
      async () => {
        const answer = await http('POST', `${grid}/events/outage/sections/ga/holds`, {
          customerId: 'after',
          quantity: 1,
        });
        // Until the grid is warm again every refusal is a clear 503, never a 5xx of another kind.
        expect([201, 503], JSON.stringify(answer.body)).toContain(answer.status);
        if (answer.status === 201) after = answer;
        return answer.status === 201;
      },
      90_000,
      'a hold placed through the messaging grid after the members came back',
      500,
    );
    console.log(
      `cluster outage: down ${Math.round((back - down) / 1000)} s, serving again ${Date.now() - back} ms after the members were back`,
    );

    // Warmed from Postgres: the holds placed before the outage are back as they were.
    const again = await Promise.all(holds.map(async (h) => await http('GET', holdUrl('outage', h.holdId))));
    expect(again.map((a) => a.status)).toEqual(holds.map(() => 200));
    expect(again.map((a) => a.body)).toEqual(before);
    expect((await http('GET', `${grid}/events/outage/sections/ga`)).body).toMatchObject({
      held: 11,
      available: 89,
    });
    // The pump carries the new hold to Postgres (its listeners and sweeper work on the new members).
    await waitFor(
      async () =>
        (await sys.db.query('SELECT 1 FROM holds WHERE hold_id = $1', [after!.body.holdId])).rowCount === 1,
      20_000,
      'the hold placed after the outage in Postgres',
    );
    // The units' sweeper expires the hold whose time ran out while the members were down.
    await waitFor(
      async () => (await http('GET', holdUrl('short', shortHold.body.holdId))).body?.status === 'EXPIRED',
      20_000,
      'the short hold expired by a sweeper after the outage',
    );
    // The client re-registered the entry listener on the new members by itself.
    const writer = await connectGrid({ members: cluster.addresses, clusterName, log });
    try {
      await (await writer.getMap<string, string>(`${sys.namespace}-probe`)).set('after-outage', 'x');
    } finally {
      await writer.shutdown();
    }
    await waitFor(() => heard.includes('after-outage'), 10_000, 'the probe listener hears the new members');
    expect(probe.connections).toBe(2);
  }, 300_000);
});
