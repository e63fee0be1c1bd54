import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, HazelcastJsonValue, JsonStringDeserializationPolicy, Predicates } from 'hazelcast-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { ensureHazelcastJar } from './hazelcast-jar.js';
import { startCluster, type ClusterHandle } from './member-process.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** Real members, no mocks: this is what `npm start` and the test cluster run. */
describe('member-process: a 2-member Hazelcast cluster', () => {
  let cluster: ClusterHandle;
  let client: Client;
  let logDir: string;

  beforeAll(async () => {
    logDir = await mkdtemp(join(tmpdir(), 'spacegrid-member-test-'));
    const jarPath = await ensureHazelcastJar({
      cacheDir: join(REPO, '.cache', 'hazelcast'),
      log: silentLogger,
    });
    cluster = await startCluster({
      jarPath,
      clusterName: `member-process-test-${process.pid}`,
      basePort: 5901,
      findFreePorts: true,
      count: 2,
      heapMb: 256,
      logDir,
      log: silentLogger,
    });
    client = await Client.newHazelcastClient({
      clusterName: cluster.clusterName,
      network: { clusterMembers: cluster.addresses },
      connectionStrategy: { connectionRetry: { clusterConnectTimeoutMillis: 15_000 } },
      // Raw JSON back from get(): replaceIfSame compares bytes, so compare against what was read.
      serialization: { jsonStringDeserializationPolicy: JsonStringDeserializationPolicy.NO_DESERIALIZATION },
      properties: { 'hazelcast.logging.level': 'ERROR' },
    });
  }, 60_000);

  afterAll(async () => {
    await client?.shutdown();
    await cluster?.stop();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  });

  it('forms one cluster of both members', () => {
    const addresses = client
      .getCluster()
      .getMembers()
      .map((m) => `${m.address.host}:${m.address.port}`)
      .sort();
    expect(addresses).toEqual([...cluster.addresses].sort());
  });

  it('compares and sets JSON values, queries them by attribute, and keeps them when a member is killed', async () => {
    const map = await client.getMap<string, HazelcastJsonValue>(`member-test-${Date.now()}`);
    const keys = Array.from({ length: 40 }, (_, i) => `section-${i}`);
    const v1 = (key: string): HazelcastJsonValue =>
      new HazelcastJsonValue(JSON.stringify({ key, version: 1, nextDeadline: 1_000 }));
    for (const key of keys) await map.put(key, v1(key));

    const read = await map.get('section-0');
    expect(read).toBeInstanceOf(HazelcastJsonValue);
    const v2 = new HazelcastJsonValue(JSON.stringify({ key: 'section-0', version: 2, nextDeadline: 5_000 }));
    const stale = new HazelcastJsonValue(
      JSON.stringify({ key: 'section-0', version: 0, nextDeadline: 1_000 }),
    );
    expect(await map.replaceIfSame('section-0', stale, v2)).toBe(false);
    expect((await map.get('section-0'))?.toString()).toBe(read?.toString());
    expect(await map.replaceIfSame('section-0', read!, v2)).toBe(true);
    expect((await map.get('section-0'))?.toString()).toBe(v2.toString());

    // JSON metadata on the members: predicates reach into the values.
    const due = await map.keySetWithPredicate(Predicates.lessThan('nextDeadline', 2_000));
    expect(due.length).toBe(keys.length - 1);
    expect(due).not.toContain('section-0');

    // kill -9 one member: with backup-count 1, each of its primaries has a backup on the other.
    const removed = new Promise<void>((resolveRemoved) => {
      client.getCluster().addMembershipListener({ memberRemoved: () => resolveRemoved() });
    });
    const victim = cluster.members[0]!;
    await victim.kill();
    expect(await victim.exited).toBeNull(); // ended by SIGKILL, not by a shutdown
    await removed;

    const entries = await map.getAll(keys);
    expect(entries.length).toBe(keys.length);
    expect((await map.get('section-0'))?.toString()).toBe(v2.toString());
    expect((await map.get('section-39'))?.toString()).toBe(v1('section-39').toString());
    expect(client.getCluster().getMembers()).toHaveLength(1);
  }, 45_000);
});
