import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGridLink, type GridLink } from '../../common/grid-client.js';
import { ensureHazelcastJar } from '../../deploy-manager/hazelcast/hazelcast-jar.js';
import { startCluster, type ClusterHandle } from '../../deploy-manager/hazelcast/member-process.js';
import { testLogger, uniqueName, waitFor } from '../support/system.js';

/**
 * A member that stops answering without closing its connections (frozen, or its machine cut off:
 * no FIN reaches the client) is noticed by the client's heartbeat, so readiness says "unreachable"
 * within seconds. With Hazelcast's default (60 s without a read) a part kept answering /readyz 200
 * for a minute after its members were gone; CI saw it once a client missed the close of a killed
 * member's connection.
 */
describe('a member that goes silent', () => {
  let cluster: ClusterHandle | undefined;
  let link: GridLink | undefined;
  let logDir = '';
  const clusterName = uniqueName('silent-');
  const log = testLogger();

  beforeAll(async () => {
    logDir = await mkdtemp(join(tmpdir(), 'spacegrid-silent-'));
    cluster = await startCluster({
      jarPath: await ensureHazelcastJar({ cacheDir: resolve('.cache/hazelcast'), log }),
      clusterName,
      basePort: 5891,
      findFreePorts: true,
      count: 1,
      heapMb: 256,
      logDir,
      log,
    });
    link = await openGridLink({ members: cluster.addresses, clusterName, log });
  }, 180_000);
  afterAll(async () => {
    for (const member of cluster?.members ?? []) process.kill(member.pid, 'SIGCONT');
    await link?.close();
    await cluster?.kill();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  });

  it(
    'is noticed by the client heartbeat: the link goes down, with the reason',
    { timeout: 90_000 },
    async () => {
      expect(link!.connected).toBe(true);
      const member = cluster!.members[0]!;
      process.kill(member.pid, 'SIGSTOP');
      // Half of Hazelcast's default heartbeat timeout: only a shorter one gets there.
      await waitFor(() => !link!.connected, 30_000, 'the client to give the silent member up');
      expect(link!.reason).toMatch(/^the grid is unreachable/);
      process.kill(member.pid, 'SIGCONT');
      await waitFor(() => link!.connected, 60_000, 'the client to reconnect once the member answers again');
    },
  );
});
