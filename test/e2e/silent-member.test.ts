import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGridLink, type GridLink } from '../../common/grid-client.js';
import { startOwnCluster, type OwnCluster } from '../support/own-cluster.js';
import { testLogger, waitFor } from '../support/system.js';

/**
 * A member that stops answering without closing its connections (frozen, or its machine cut off:
 * no FIN reaches the client) is noticed by the client's heartbeat, so readiness says "unreachable"
 * within seconds. With Hazelcast's default (60 s without a read) a part kept answering /readyz 200
 * for a minute after its members were gone; CI saw it once a client missed the close of a killed
 * member's connection.
 */
describe('a member that goes silent', () => {
  let own: OwnCluster | undefined;
  let link: GridLink | undefined;
  const log = testLogger();

  beforeAll(async () => {
    own = await startOwnCluster('silent', 1, log);
    link = await openGridLink({ members: own.cluster.addresses, clusterName: own.clusterName, log });
  }, 180_000);
  afterAll(async () => {
    for (const member of own?.cluster.members ?? []) process.kill(member.pid, 'SIGCONT');
    await link?.close();
    await own?.remove();
  });

  it(
    'is noticed by the client heartbeat: the link goes down, with the reason',
    { timeout: 90_000 },
    async () => {
      expect(link!.connected).toBe(true);
      const member = own!.cluster.members[0]!;
      process.kill(member.pid, 'SIGSTOP');
      // Half of Hazelcast's default heartbeat timeout: only a shorter one gets there.
      await waitFor(() => !link!.connected, 30_000, 'the client to give the silent member up');
      expect(link!.reason).toMatch(/^the grid is unreachable/);
      process.kill(member.pid, 'SIGCONT');
      await waitFor(() => link!.connected, 60_000, 'the client to reconnect once the member answers again');
    },
  );
});
