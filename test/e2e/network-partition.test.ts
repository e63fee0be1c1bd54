import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, SplitBrainProtectionError, type IMap } from 'hazelcast-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gridNames } from '../../common/map-names.js';
import { ensureHazelcastJar } from '../../deploy-manager/hazelcast/hazelcast-jar.js';
import { lastClusterSize } from '../../deploy-manager/hazelcast/member-log.js';
import { startMember, type MemberHandle } from '../../deploy-manager/hazelcast/member-process.js';
import { probeFromNamespace } from '../support/namespace-client.js';
import {
  assertCanBuildNetLab,
  createNetLab,
  FAST_FAILURE_DETECTION,
  type NetLab,
} from '../support/network-namespaces.js';
import { testLogger, uniqueName, waitFor } from '../support/system.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const PORT = 5701;
const KEYS = 60;

const FAST = FAST_FAILURE_DETECTION;

const range = (prefix: string, from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

/**
 * Three members, each on a host of its own (a network namespace), and a client on a fourth.
 * One member is unplugged from the network: the two that still see each other are a majority and
 * keep serving; the one alone refuses every read and write on the data maps (split-brain
 * protection), so nothing can be sold there. Plugged back in, it merges into the majority's
 * cluster, and the majority's entries win (PutIfAbsentMergePolicy).
 */
describe('a network partition of a 3-member cluster on 3 hosts', () => {
  const log = testLogger();
  const clusterName = uniqueName('partition-');
  const names = gridNames(uniqueName('np'));
  let lab: NetLab | undefined;
  let logDir: string | undefined;
  const members: MemberHandle[] = [];
  let client: Client | undefined;
  let sections: IMap<string, string>;
  let holds: IMap<string, string>;

  /** Retries a call the majority must take while the cluster settles (a member dropped, partitions moving). */
  async function settled<T>(call: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return await call();
      } catch (err) {
        if (err instanceof SplitBrainProtectionError || Date.now() > deadline) throw err;
        await new Promise((done) => setTimeout(done, 200));
      }
    }
  }

  const sizes = (): Promise<Array<number | undefined>> =>
    Promise.all(members.map(async (m) => lastClusterSize(await m.readLog())));

  beforeAll(async () => {
    assertCanBuildNetLab();
    lab = await createNetLab(3);
    logDir = await mkdtemp(join(tmpdir(), 'spacegrid-partition-'));
    const jarPath = await ensureHazelcastJar({ cacheDir: join(REPO, '.cache', 'hazelcast'), log });
    const addresses = lab.hosts.map((host) => `${host}:${PORT}`);
    const started = await Promise.allSettled(
      lab.hosts.map((host, i) =>
        startMember({
          jarPath,
          clusterName,
          host,
          port: PORT,
          memberAddresses: addresses,
          commandPrefix: ['ip', 'netns', 'exec', lab!.namespaces[i]!],
          logFile: join(logDir!, `member-${i + 1}.log`),
          heapMb: 256,
          hazelcastProperties: FAST,
          log,
        }),
      ),
    );
    for (const result of started) if (result.status === 'fulfilled') members.push(result.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    await waitFor(async () => (await sizes()).every((n) => n === 3), 90_000, 'one cluster of 3 members', 200);

    client = await Client.newHazelcastClient({
      clusterName,
      network: { clusterMembers: addresses },
      connectionStrategy: { connectionRetry: { clusterConnectTimeoutMillis: 20_000 } },
      properties: {
        'hazelcast.logging.level': 'ERROR',
        // Drop the connection to an unplugged member in seconds, not a minute.
        'hazelcast.client.heartbeat.interval': 1_000,
        'hazelcast.client.heartbeat.timeout': 10_000,
      },
    });
    sections = await client.getMap(names.sections);
    holds = await client.getMap(names.holds);
  }, 180_000);

  afterAll(async () => {
    await client?.shutdown().catch(() => undefined);
    await Promise.all(members.map((m) => m.kill()));
    await lab?.destroy();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  }, 60_000);

  it('takes writes from a client on another host', async () => {
    for (const key of range('k', 0, KEYS)) {
      await sections.set(key, 'v1');
      await holds.set(key, 'v1');
    }
    expect(await sections.size()).toBe(KEYS);
    expect(client!.getCluster().getMembers()).toHaveLength(3);
  });

  it('keeps serving on the majority side of a split, and refuses everything on the minority side', async () => {
    await lab!.cut(2);
    await waitFor(
      async () => (await sizes()).join() === '2,2,1',
      60_000,
      'members 1 and 2 to see 2 members and member 3 to see itself alone',
      200,
    );
    await waitFor(
      () => client!.getCluster().getMembers().length === 2,
      30_000,
      'the client to drop member 3',
    );

    for (const key of range('k', 0, KEYS / 2)) await settled(() => sections.set(key, 'v2'));
    for (const key of range('m', 0, KEYS / 2)) await settled(() => sections.set(key, 'majority'));
    await settled(() => holds.set('k0', 'v2'));
    expect(await settled(() => sections.get('k0'))).toBe('v2');
    expect(await settled(() => sections.get(`k${KEYS - 1}`))).toBe('v1');

    const probe = await probeFromNamespace(lab!.namespaces[2]!, {
      clusterName,
      member: `${lab!.hosts[2]}:${PORT}`,
      calls: [
        { map: names.sections, key: 'k0' },
        { map: names.sections, key: 'k0', value: 'minority' },
        { map: names.sections, key: 'x-minority', value: 'minority' },
        { map: names.holds, key: 'k1', value: 'minority' },
        { map: names.idempotency, key: 'x-minority', value: 'minority' },
        // A map that is not a data map has no protection: the member itself is up and serving.
        { map: `${names.sections}-scratch`, key: 'x-minority', value: 'minority' },
      ],
    });
    expect(probe.calls.map((c) => c.error ?? 'ok')).toEqual([
      'SplitBrainProtectionError',
      'SplitBrainProtectionError',
      'SplitBrainProtectionError',
      'SplitBrainProtectionError',
      'SplitBrainProtectionError',
      'ok',
    ]);
    // What a unit on that side answers: 503 NOT_READY with Retry-After, not a 500.
    expect(probe.http).toMatchObject({
      status: 503,
      retryAfter: '2',
      body: { error: { code: 'NOT_READY' } },
    });
  }, 150_000);

  it('merges back into one cluster of 3 in which every write of the majority is intact', async () => {
    await lab!.heal(2);
    await waitFor(async () => (await sizes()).join() === '3,3,3', 90_000, 'the 3 members to merge', 200);
    await waitFor(
      () => client!.getCluster().getMembers().length === 3,
      30_000,
      'the client to see 3 members',
    );
    // Member 3 rejoins, then offers its old entries to the merge policy; it logs MERGED once the
    // merge tasks are done (MERGE_FAILED if they were not).
    await waitFor(
      async () => /is MERGE(?:D|_FAILED)\b/.test(await members[2]!.readLog()),
      60_000,
      'member 3 to finish merging its entries',
      200,
    );
    expect(await members[2]!.readLog()).toMatch(/is MERGED\b/);

    const expected = new Map<string, string>([
      ...range('k', 0, KEYS / 2).map((k) => [k, 'v2'] as const),
      ...range('k', KEYS / 2, KEYS).map((k) => [k, 'v1'] as const),
      ...range('m', 0, KEYS / 2).map((k) => [k, 'majority'] as const),
    ]);
    const stored = new Map(await settled(() => sections.getAll([...expected.keys(), 'x-minority'])));
    expect(stored).toEqual(expected);
    expect(await sections.size()).toBe(expected.size);
    expect(await holds.get('k0')).toBe('v2');
    expect(await holds.get('k1')).toBe('v1');
  }, 150_000);
});
