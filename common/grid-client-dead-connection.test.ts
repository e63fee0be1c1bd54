/* eslint-disable @typescript-eslint/no-explicit-any -- the client's partition owners are not public API */
import { readdirSync, readFile, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwnCluster, type OwnCluster } from '../test/support/own-cluster.js';
import { waitFor } from '../test/support/system.js';
import { openGridLink, type GridLink } from './grid-client.js';
import { silentLogger } from './logger.js';

/** The process's state letter in /proc (R, S, T stopped, Z zombie), or undefined once it is gone. */
function state(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
  } catch {
    return undefined;
  }
}

/** True once the process has exited and the kernel has closed its sockets (its last thread is gone). */
function exited(pid: number): boolean {
  if (!['Z', undefined].includes(state(pid))) return false;
  try {
    return readdirSync(`/proc/${pid}/task`).length <= 1 && readdirSync(`/proc/${pid}/fd`).length === 0;
  } catch {
    return true;
  }
}

/**
 * A member killed while a client is writing to it. When the client's write fails before it has
 * read the connection's end, hazelcast-client 5.6 destroys the socket without closing its
 * connection: the connection stays registered as alive, calls waiting on it hang until the
 * heartbeat timeout (15 s), and a cluster-view listener moved onto it spins without pause (a
 * worker that ran out of heap in CI). The grid client closes such a connection at once.
 */
describe('a member killed in the middle of a write', () => {
  let own: OwnCluster | undefined;
  let link: GridLink | undefined;

  beforeAll(async () => {
    own = await startOwnCluster('deadconn', 2, silentLogger);
    link = await openGridLink({
      members: own.cluster.addresses,
      clusterName: own.clusterName,
      log: silentLogger,
    });
  }, 180_000);
  afterAll(async () => {
    await link?.close();
    await own?.remove();
  });

  it('closes the connection whose write failed: calls waiting on it end at once, not after the heartbeat timeout', async () => {
    const client = link!.client;
    const map = await client.getMap<string, string>('dead-connection');
    // The member whose connection carries the client's cluster-view listener: when that
    // connection dies unnoticed, nothing tells the client that the member left either.
    const listenerOn = (client as any).clusterViewListenerService.listenerAddedConnection;
    const victim = own!.cluster.members.find((m) => m.port === listenerOn.getRemoteAddress().port)!;
    const victimMember = client
      .getCluster()
      .getMembers()
      .find((m) => m.address.port === victim.port);
    expect(victimMember, 'the client knows the member to kill').toBeDefined();
    const partitions = (client as any).getPartitionService();
    const victimOwns = (key: string): boolean =>
      partitions.getPartitionOwner(partitions.getPartitionId(key))?.toString() ===
      victimMember!.uuid.toString();
    // Connections to both members are open, and the client knows the partitions' owners.
    let ownedByVictim: string[] = [];
    await waitFor(
      async () => {
        await map.put('warm', 'up');
        ownedByVictim = Array.from({ length: 1000 }, (_, i) => `k${i}`)
          .filter(victimOwns)
          .slice(0, 2);
        return ownedByVictim.length === 2;
      },
      30_000,
      'the client to know which keys the member to kill owns',
    );

    // The member stops (SIGSTOP) with a call of ours unread in its socket, so that its death
    // resets the connection. Then, in an I/O callback (so that the client reads none of its
    // sockets before the write below goes out), it is killed, and the client writes to it: the
    // write fails before the client has read the reset.
    process.kill(victim.pid, 'SIGSTOP');
    await waitFor(() => state(victim.pid) === 'T', 10_000, 'the member to stop');
    const unread = map.put(ownedByVictim[0]!, 'unread');
    await new Promise((r) => setTimeout(r, 300));
    const calls = await new Promise<Array<Promise<unknown>>>((done) =>
      readFile('/proc/self/stat', () => {
        process.kill(victim.pid, 'SIGKILL');
        const deadline = Date.now() + 10_000;
        while (!exited(victim.pid) && Date.now() < deadline) {
          /* wait for the kernel to close the member's sockets */
        }
        done([unread, map.put(ownedByVictim[1]!, 'written')]);
      }),
    );
    // Unanswered on a dead connection: they end when the client closes it (an error or, retried
    // on the member that took the partition over, a success). Before the fix: after 15 s.
    const outcome = await Promise.race([
      Promise.allSettled(calls).then(() => 'ended'),
      sleep(8_000, 'still waiting after 8 s', { ref: false }),
    ]);
    expect(outcome, 'the calls on the dead connection end well before the 15 s heartbeat timeout').toBe(
      'ended',
    );
    // And the client goes on with the member left.
    await map.put('after', 'z');
    expect(await map.get('after')).toBe('z');
  });
});
