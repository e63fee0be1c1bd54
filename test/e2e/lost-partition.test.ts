import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectGrid, type HazelcastClient } from '../../common/grid-client.js';
import { openGridMaps, type GridMaps } from '../../common/grid-maps.js';
import { gridNames, sectionKey } from '../../common/map-names.js';
import { buildWriter, type DataWriter } from '../../data-writer/build-writer.js';
import { ensureHazelcastJar } from '../../deploy-manager/hazelcast/hazelcast-jar.js';
import {
  startCluster,
  startMember,
  type ClusterHandle,
  type MemberHandle,
} from '../../deploy-manager/hazelcast/member-process.js';
import { http } from '../support/http.js';
import { startSystem, testLogger, uniqueName, waitFor, type TestSystem } from '../support/system.js';

const SECTIONS = 24;
const CAPACITY = 10;

/**
 * Two of three members die together (kill -9), so every partition that had both copies on them is
 * lost: its sections, their holds, their pump marks, gone from the grid while the event and the rest
 * survive. A section must never come back empty (every seat sold again): units refuse it with 503
 * RESTORING while Postgres may be behind (here: the writer is stopped, changes wait on the queue),
 * then the data reader restores it from Postgres, live holds included, and it sells only what is left.
 */
describe('a lost partition (two of three members killed at once)', () => {
  const log = testLogger();
  const clusterName = uniqueName('lost-');
  let logDir = '';
  let cluster: ClusterHandle | undefined;
  const replacements: MemberHandle[] = [];
  let system: TestSystem | undefined;
  let client: HazelcastClient | undefined;
  let maps: GridMaps;
  let writer: DataWriter | undefined;
  let jarPath = '';

  beforeAll(async () => {
    logDir = await mkdtemp(join(tmpdir(), 'spacegrid-lost-'));
    jarPath = await ensureHazelcastJar({ cacheDir: resolve('.cache/hazelcast'), log });
    cluster = await startCluster({
      jarPath,
      clusterName,
      basePort: 5911,
      findFreePorts: true,
      count: 3,
      heapMb: 256,
      logDir,
      log,
    });
    system = await startSystem({ units: 2, hzMembers: cluster.addresses, hzClusterName: clusterName });
    client = await connectGrid({ members: cluster.addresses, clusterName, log });
    maps = await openGridMaps(client, gridNames(system.namespace));
  }, 240_000);

  afterAll(async () => {
    await writer?.close();
    await system?.close();
    await client?.shutdown().catch(() => undefined);
    await Promise.all(replacements.map((m) => m.kill()));
    await cluster?.kill();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  }, 120_000);

  it('refuses a lost section until Postgres has it, restores it, and never sells a seat twice', async () => {
    const sys = system!;
    const grid = sys.gridUrl;
    const ids = Array.from({ length: SECTIONS }, (_, i) => `s${i}`);
    const path = (section: string) => `${grid}/events/lost/sections/${section}`;
    const created = await http('POST', `${grid}/events`, {
      id: 'lost',
      name: 'Lost partitions',
      startsAt: '2026-12-20T18:00:00Z',
      holdTtlSeconds: 3600,
      sections: ids.map((id) => ({ id, capacity: CAPACITY })),
    });
    expect(created.status).toBe(201);
    // Every section: 2 seats sold, 3 held, all stored in Postgres.
    const liveHolds = new Map<string, string>();
    for (const id of ids) {
      const bought = await http('POST', `${path(id)}/holds`, { customerId: 'buyer', quantity: 2 });
      expect(bought.status).toBe(201);
      expect((await http('POST', `${path(id)}/holds/${bought.body.holdId}/purchase`)).status).toBe(201);
      const held = await http('POST', `${path(id)}/holds`, { customerId: 'holder', quantity: 3 });
      expect(held.status).toBe(201);
      liveHolds.set(id, held.body.holdId);
    }
    await sys.drained();

    // Then the writer stops, and one more seat per section is held: acknowledged, on the queue, not
    // in Postgres.
    await sys.writer!.close();
    for (const id of ids) {
      expect((await http('POST', `${path(id)}/holds`, { customerId: 'late', quantity: 1 })).status).toBe(201);
    }
    await waitFor(async () => (sys.pump.stats?.dirtyKeys ?? 1) === 0, 10_000, 'the late holds on the queue');

    // Two members die together; two fresh ones take their places.
    const doomed = cluster!.members.slice(1);
    await Promise.all(doomed.map((m) => m.kill()));
    for (const member of doomed) {
      replacements.push(
        await startMember({
          jarPath,
          clusterName,
          port: member.port,
          memberPorts: cluster!.members.map((m) => m.port),
          logFile: join(logDir, `replacement-${member.port}.log`),
          heapMb: 256,
          log,
        }),
      );
    }
    await waitFor(
      async () => client!.getCluster().getMembers().length === 3,
      120_000,
      'three members again',
      500,
    );
    const present = await maps.sections.getAll(ids.map((id) => sectionKey('lost', id)));
    const lost = ids.filter((id) => !present.has(sectionKey('lost', id)));
    // Each partition has both copies on the two dead members with odds of 1 in 3.
    expect(lost.length, 'sections whose partition was lost').toBeGreaterThan(0);
    expect(lost.length).toBeLessThan(SECTIONS);

    // While Postgres lacks the late hold, a lost section is refused, never recreated.
    await waitFor(
      async () => (await http('GET', path(lost[0]!))).body?.error?.code === 'RESTORING',
      60_000,
      'a lost section answered with RESTORING',
      500,
    );
    const refused = await http('POST', `${path(lost[0]!)}/holds`, { customerId: 'eager', quantity: 1 });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('RESTORING');
    expect(refused.headers['retry-after']).toBeDefined();
    expect(await maps.sections.get(sectionKey('lost', lost[0]!))).toBeNull();

    // The writer comes back and stores the late holds: the lost sections are restored with them.
    writer = buildWriter(
      {
        port: 0,
        host: '127.0.0.1',
        databaseUrl: sys.databaseUrl,
        redisUrl: sys.redisUrl,
        namespace: sys.namespace,
        concurrency: 128,
        maxBatch: 500,
        statementTimeoutMs: 15_000,
        adminToken: undefined,
      },
      log,
    );
    await writer.start();
    for (const id of ids) {
      await waitFor(
        async () => (await http('GET', path(id))).status === 200,
        60_000,
        `section ${id} served`,
        250,
      );
      const view = await http('GET', path(id));
      expect(view.body, `section ${id}${lost.includes(id) ? ' (lost)' : ''}`).toMatchObject({
        capacity: CAPACITY,
        held: 4,
        sold: 2,
      });
      const live = await http('GET', `${path(id)}/holds/${liveHolds.get(id)}`);
      expect(live.status).toBe(200);
      expect(live.body.status).toBe('HELD');
    }

    // Sell out every section: exactly the 4 seats left, lost or not.
    for (const id of ids) {
      let granted = 0;
      for (let i = 0; i < CAPACITY; i += 1) {
        const answer = await http('POST', `${path(id)}/holds`, { customerId: `last${i}`, quantity: 1 });
        if (answer.status === 201) granted += 1;
        else expect(answer.body.error.code).toBe('NOT_ENOUGH_SEATS');
      }
      expect(granted, `seats granted in section ${id}`).toBe(4);
    }
    await sys.drained(60_000);
    const { rows } = await sys.db.query<{ section_id: string; taken: string; held: number; sold: number }>(
      `SELECT s.section_id, s.held, s.sold,
              (SELECT coalesce(sum(quantity), 0) FROM holds h
                WHERE h.event_id = s.event_id AND h.section_id = s.section_id
                  AND h.status IN ('HELD', 'PURCHASED')) AS taken
         FROM sections s WHERE s.event_id = 'lost'`,
    );
    expect(rows).toHaveLength(SECTIONS);
    for (const row of rows) {
      expect(Number(row.taken), `seats taken in Postgres, section ${row.section_id}`).toBe(CAPACITY);
      expect(row.held + row.sold).toBe(CAPACITY);
    }
  }, 600_000);
});
