import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Client } from 'hazelcast-client';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createPool } from '../../common/db/postgres.js';
import { gridNames } from '../../common/map-names.js';
import { createRedis } from '../../common/redis.js';
import { ensureHazelcastJar } from '../../deploy-manager/hazelcast/hazelcast-jar.js';
import { lastClusterSize } from '../../deploy-manager/hazelcast/member-log.js';
import { startMember, type MemberHandle } from '../../deploy-manager/hazelcast/member-process.js';
import { spawnPart, type ChildPart } from '../support/child-part.js';
import { http, type HttpAnswer } from '../support/http.js';
import {
  assertCanBuildNetLab,
  createNetLab,
  FAST_FAILURE_DETECTION,
  type NetLab,
} from '../support/network-namespaces.js';
import { ownRedis, type OwnRedis } from '../support/own-redis.js';
import { testLogger, uniqueName, waitFor } from '../support/system.js';
import { databaseUrl } from '../support/test-env.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const HZ_PORT = 5701;
/** Every unit listens on the same port, as it would on hosts of its own. */
const UNIT_PORT = 8100;
const GRID_PORT = 8080;
const PUMP_PORT = 8092;
const CAPACITY = 300;

const FAST = FAST_FAILURE_DETECTION;

/** The lab's hosts, by index. */
const MEMBERS = [0, 1, 2];
const UNITS = [3, 4];
const PUMP = 5;
const GRID = 6;
const CUT = 2;

/** Answers a client repeats with the same Idempotency-Key (docs/API.md, "Every code"). */
function worthRepeating(answer: HttpAnswer): boolean {
  if (answer.status === 409) return answer.body?.error?.code === 'IDEMPOTENCY_KEY_IN_FLIGHT';
  return answer.status === 0 || answer.status === 429 || answer.status >= 500;
}

/**
 * The whole system on hosts of its own, each a network namespace on one network: three Hazelcast
 * members, two processing units, the data pump and the messaging grid; this process's namespace is
 * the database host (Postgres, Redis, the data writer and the data reader) and the client. Single
 * seats are held from many workers through the messaging grid while one member is unplugged and
 * plugged back in: no seat is sold twice, and Postgres ends up with exactly what the grid granted.
 */
describe('the whole system on 8 hosts, with a member cut off and back', () => {
  const log = testLogger();
  const namespace = uniqueName('mh');
  const clusterName = uniqueName('multi-host-');
  const dbUrl = databaseUrl(`spacegrid_${namespace}`);
  let lab: NetLab | undefined;
  let logDir: string | undefined;
  let redis: OwnRedis | undefined;
  let queue: Queue | undefined;
  let db: pg.Pool | undefined;
  let client: Client | undefined;
  const members: MemberHandle[] = [];
  const parts = new Map<string, ChildPart>();
  let gridUrl = '';
  let pumpUrl = '';

  const sizes = (): Promise<Array<number | undefined>> =>
    Promise.all(members.map(async (m) => lastClusterSize(await m.readLog())));

  /** Prints the end of every part's output when a test fails, for the one who reads the failure. */
  const explainFailure = (): void =>
    onTestFailed(() => {
      for (const [name, part] of parts) console.log(`--- ${name}:\n${part.output().slice(-3000)}`);
    });

  beforeAll(async () => {
    assertCanBuildNetLab();
    lab = await createNetLab(7);
    const { hosts, namespaces, ownAddress } = lab;
    const inHost = (i: number) => ({
      commandPrefix: ['ip', 'netns', 'exec', namespaces[i]!],
      host: hosts[i]!,
    });
    logDir = await mkdtemp(join(tmpdir(), 'spacegrid-multi-host-'));
    const jarPath = await ensureHazelcastJar({ cacheDir: join(REPO, '.cache', 'hazelcast'), log });
    const memberAddresses = MEMBERS.map((i) => `${hosts[i]}:${HZ_PORT}`);
    const started = await Promise.allSettled(
      MEMBERS.map((i) =>
        startMember({
          jarPath,
          clusterName,
          host: hosts[i]!,
          port: HZ_PORT,
          memberAddresses,
          commandPrefix: inHost(i).commandPrefix,
          logFile: join(logDir!, `member-${i + 1}.log`),
          heapMb: 256,
          startTimeoutMs: 180_000,
          hazelcastProperties: FAST,
          log,
        }),
      ),
    );
    for (const result of started) if (result.status === 'fulfilled') members.push(result.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    await waitFor(
      async () => (await sizes()).every((n) => n === 3),
      120_000,
      'one cluster of 3 members',
      200,
    );

    redis = await ownRedis({ host: ownAddress });
    const common = {
      HZ_MEMBERS: memberAddresses.join(','),
      HZ_CLUSTER_NAME: clusterName,
      GRID_NAMESPACE: namespace,
      REDIS_URL: redis.url,
      DATABASE_URL: dbUrl,
    };
    // The database host: Postgres answers on this namespace's loopback only, so its writer and
    // reader run here; the reader listens on the lab's network, where the units call it.
    const reader = await spawnPart(
      'data-reader',
      { ...common, READER_CHECK_INTERVAL_MS: '200' },
      { host: ownAddress },
    );
    parts.set('data-reader', reader);
    parts.set('data-writer', await spawnPart('data-writer', common));
    parts.set(
      'data-pump',
      await spawnPart(
        'data-pump',
        { ...common, PUMP_SWEEP_INTERVAL_MS: '200', PUMP_STALE_MS: '500', GRID_JANITOR_INTERVAL_MS: '500' },
        { ...inHost(PUMP), port: PUMP_PORT },
      ),
    );
    pumpUrl = parts.get('data-pump')!.url;
    const units = await Promise.all(
      UNITS.map((i) =>
        spawnPart(
          'processing-unit',
          { ...common, READER_URL: reader.url, SWEEP_INTERVAL_MS: '200' },
          { ...inHost(i), port: UNIT_PORT },
        ),
      ),
    );
    units.forEach((unit, n) => parts.set(`processing-unit ${n + 1}`, unit));
    for (const unit of units)
      await waitFor(
        async () => (await http('GET', `${unit.url}/readyz`).catch(() => ({ status: 0 }))).status === 200,
        120_000,
        `unit ${unit.url} ready`,
        200,
      );
    const grid = await spawnPart(
      'messaging-grid',
      { UNIT_URLS: units.map((u) => u.url).join(','), HEALTH_INTERVAL_MS: '200' },
      { ...inHost(GRID), port: GRID_PORT },
    );
    parts.set('messaging-grid', grid);
    gridUrl = grid.url;
    await waitFor(
      async () => (await http('GET', `${gridUrl}/readyz`)).status === 200,
      60_000,
      'messaging grid ready',
      200,
    );

    queue = new Queue(gridNames(namespace).changeQueue, { connection: createRedis(redis.url) });
    db = createPool(dbUrl, 2);
    client = await Client.newHazelcastClient({
      clusterName,
      network: { clusterMembers: memberAddresses },
      connectionStrategy: { connectionRetry: { clusterConnectTimeoutMillis: 20_000 } },
      properties: { 'hazelcast.logging.level': 'ERROR' },
    });
  }, 600_000);

  afterAll(async () => {
    await client?.shutdown().catch(() => undefined);
    await queue?.close().catch(() => undefined);
    await db?.end().catch(() => undefined);
    for (const part of [...parts.values()].reverse()) await part.kill().catch(() => undefined);
    await Promise.all(members.map((m) => m.kill()));
    await redis?.kill();
    await lab?.destroy();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  }, 120_000);

  it('runs each part on its own host: the units, on the same port, are both in the registry', async () => {
    explainFailure();
    const units = UNITS.map((i) => `http://${lab!.hosts[i]}:${UNIT_PORT}`);
    const registry = await client!.getMap<string, string>(gridNames(namespace).units);
    await waitFor(
      async () => new Set((await registry.values()).toArray()).size === units.length,
      30_000,
      'both units in the registry of live units',
      200,
    );
    expect(new Set((await registry.values()).toArray())).toEqual(new Set(units));
  });

  it('sells no seat twice while a member is cut off and back, and Postgres ends up with what was granted', async () => {
    explainFailure();
    const eventId = 'far-apart';
    const section = `${gridUrl}/events/${eventId}/sections/floor`;
    const created = await http('POST', `${gridUrl}/events`, {
      id: eventId,
      name: 'Far apart',
      startsAt: '2026-12-20T18:00:00Z',
      holdTtlSeconds: 3600,
      sections: [{ id: 'floor', capacity: CAPACITY }],
    });
    expect(created.status).toBe(201);

    const granted: string[] = [];
    const refused: HttpAnswer[] = [];
    const purchased: string[] = [];
    let repeats = 0;

    /** POSTs until the answer is final, always with the same key, so nothing happens twice. */
    async function untilFinal(url: string, body: unknown, key: string): Promise<HttpAnswer> {
      const deadline = Date.now() + 180_000;
      for (;;) {
        const answer = await http('POST', url, body, { 'idempotency-key': key }).catch(
          (err: unknown): HttpAnswer => ({ status: 0, headers: {}, body: String(err) }),
        );
        if (!worthRepeating(answer)) return answer;
        if (Date.now() > deadline)
          throw new Error(
            `${url} (key ${key}) still answered ${answer.status} ${JSON.stringify(answer.body)}`,
          );
        repeats += 1;
        await sleep(250);
      }
    }

    /** Holds one seat; every fourth granted hold is bought as well. */
    async function customer(n: number): Promise<void> {
      const held = await untilFinal(`${section}/holds`, { customerId: `c${n}`, quantity: 1 }, `hold-${n}`);
      if (held.status !== 201) {
        refused.push(held);
        return;
      }
      const holdId = held.body.holdId as string;
      granted.push(holdId);
      if (granted.length % 4 !== 0) return;
      const order = await untilFinal(`${section}/holds/${holdId}/purchase`, {}, `buy-${n}`);
      expect(order.status, JSON.stringify(order.body)).toBe(201);
      purchased.push(holdId);
    }

    /** Customers `from` to `to` - 1, from 20 workers at once. */
    let next = 0;
    async function crowd(from: number, to: number): Promise<void> {
      next = from;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          for (let n = next++; n < to; n = next++) await customer(n);
        }),
      );
    }

    await crowd(0, 80);
    expect(granted).toHaveLength(80);

    // Member 3 is unplugged with holds in flight; more arrive while the others notice it is gone.
    await lab!.cut(CUT);
    await Promise.all([
      crowd(80, 160),
      waitFor(
        async () => (await sizes()).join() === '2,2,1',
        90_000,
        'members 1 and 2 to see 2 members and member 3 to see itself alone',
        200,
      ),
    ]);
    // The majority serves on its own.
    await crowd(160, 240);
    expect(granted).toHaveLength(240);

    await lab!.heal(CUT);
    await waitFor(async () => (await sizes()).join() === '3,3,3', 120_000, 'the 3 members to merge', 200);
    await waitFor(
      async () => /is MERGE(?:D|_FAILED)\b/.test(await members[CUT]!.readLog()),
      90_000,
      'member 3 to finish merging its entries',
      200,
    );
    expect(await members[CUT]!.readLog()).toMatch(/is MERGED\b/);
    // Demand beyond the seats left, after the merge.
    await crowd(240, 400);

    expect(granted).toHaveLength(CAPACITY);
    expect(new Set(granted).size).toBe(CAPACITY);
    expect(refused).toHaveLength(400 - CAPACITY);
    expect(new Set(refused.map((r) => `${r.status} ${r.body?.error?.code}`))).toEqual(
      new Set(['409 NOT_ENOUGH_SEATS']),
    );
    expect(purchased).toHaveLength(CAPACITY / 4);
    const view = await http('GET', section);
    expect(view.body).toMatchObject({
      capacity: CAPACITY,
      available: 0,
      held: CAPACITY - purchased.length,
      sold: purchased.length,
    });
    console.log(`${repeats} requests were repeated with their Idempotency-Key during the cut`);

    // Every change reaches Postgres once the pump has nothing left and the queue is empty.
    await waitFor(
      async () => {
        const status = await http('GET', `${pumpUrl}/status`);
        if (status.status !== 200 || status.body.dirtyKeys !== 0) return false;
        const counts = await queue!.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        if (!Object.values(counts).every((n) => n === 0)) return false;
        const rows = await db!.query('SELECT count(*)::int AS n FROM holds WHERE event_id = $1', [eventId]);
        return rows.rows[0].n >= CAPACITY;
      },
      120_000,
      'the change queue drained into Postgres',
      500,
    );
    const holds = await db!.query<{ hold_id: string; status: string }>(
      'SELECT hold_id, status FROM holds WHERE event_id = $1',
      [eventId],
    );
    expect(holds.rows).toHaveLength(CAPACITY);
    expect(new Map(holds.rows.map((r) => [r.hold_id, r.status]))).toEqual(
      new Map(granted.map((id) => [id, purchased.includes(id) ? 'PURCHASED' : 'HELD'])),
    );
    const stored = await db!.query('SELECT capacity, held, sold FROM sections WHERE event_id = $1', [
      eventId,
    ]);
    const inGrid = (await http('GET', section)).body;
    expect(stored.rows).toEqual([{ capacity: inGrid.capacity, held: inGrid.held, sold: inGrid.sold }]);
    const orders = await db!.query('SELECT count(*)::int AS n FROM orders');
    expect(orders.rows[0].n).toBe(purchased.length);
  }, 900_000);
});
