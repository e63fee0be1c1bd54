import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Hosts made of Linux network namespaces, for tests of a cluster that spans hosts: one namespace
 * per host, each with a veth into a bridge that lives in a namespace of its own, and a veth from
 * this process's namespace into the same bridge, so the test reaches every host. Addresses are
 * `10.200.<n>.0/24`, on interfaces the lab made; the only thing it adds to this process's
 * namespace is that one veth end (and the route to its own /24 that comes with its address).
 * Needs root (CAP_NET_ADMIN) and `ip`.
 */
export interface NetLab {
  /** The namespace of each host, to run a command there (`ip netns exec <ns> ...`). */
  readonly namespaces: readonly string[];
  /** The address of each host, in the order of `namespaces`. */
  readonly hosts: readonly string[];
  /** This process's address on the lab's network. */
  readonly ownAddress: string;
  /** Unplugs host `i` from the bridge (its bridge-side veth goes down): it reaches nobody, nobody reaches it. */
  cut(i: number): Promise<void>;
  /** Plugs host `i` back in. */
  heal(i: number): Promise<void>;
  /** Kills whatever still runs in the lab's namespaces, deletes them and the veth; never throws. */
  destroy(): Promise<void>;
}

/** Fails, with a sentence that says why, unless this process may create network namespaces. */
export function assertCanBuildNetLab(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'this test builds network namespaces, veth pairs and a bridge (ip netns, ip link): run it as root (CI does)',
    );
  }
}

async function ip(...args: string[]): Promise<string> {
  try {
    return (await run('ip', args)).stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`, { cause: err });
  }
}

/** A /24 of 10.200.0.0/16 that nothing in this namespace uses (no address, no route). */
async function freeSubnet(): Promise<string> {
  const used = (await ip('-4', '-o', 'addr', 'show')) + (await ip('-4', 'route', 'show', 'table', 'all'));
  for (let i = 0; i < 200; i++) {
    const subnet = `10.200.${(process.pid + i) % 200}`;
    if (!used.includes(`${subnet}.`)) return subnet;
  }
  throw new Error('no free /24 in 10.200.0.0/16 for the test network');
}

/** Builds `count` hosts (see `NetLab`). On failure it removes what it made before throwing. */
export async function createNetLab(count: number): Promise<NetLab> {
  assertCanBuildNetLab();
  const id = `sgnp${process.pid}`;
  const bridgeNs = `${id}-br`;
  const namespaces = Array.from({ length: count }, (_, i) => `${id}-h${i + 1}`);
  const ownVeth = `${id}c`;
  const subnet = await freeSubnet();
  const hosts = namespaces.map((_, i) => `${subnet}.${11 + i}`);
  const ownAddress = `${subnet}.2`;
  const made: string[] = [];
  let vethMade = false;

  const destroy = async (): Promise<void> => {
    if (vethMade) await ip('link', 'del', ownVeth).catch(() => undefined);
    for (const ns of [...made].reverse()) {
      const pids = await ip('netns', 'pids', ns).catch(() => '');
      for (const pid of pids.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
      await ip('netns', 'del', ns).catch(() => undefined);
    }
  };

  try {
    made.push(bridgeNs);
    await ip('netns', 'add', bridgeNs);
    await ip('-n', bridgeNs, 'link', 'set', 'lo', 'up');
    await ip('-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', bridgeNs, 'link', 'set', 'br0', 'up');
    for (const [i, ns] of namespaces.entries()) {
      made.push(ns);
      await ip('netns', 'add', ns);
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      await ip(
        '-n',
        bridgeNs,
        'link',
        'add',
        `h${i + 1}`,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        ns,
      );
      await ip('-n', bridgeNs, 'link', 'set', `h${i + 1}`, 'master', 'br0', 'up');
      await ip('-n', ns, 'addr', 'add', `${hosts[i]}/24`, 'dev', 'eth0');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
    }
    vethMade = true;
    await ip('link', 'add', ownVeth, 'type', 'veth', 'peer', 'name', 'own', 'netns', bridgeNs);
    await ip('-n', bridgeNs, 'link', 'set', 'own', 'master', 'br0', 'up');
    await ip('addr', 'add', `${ownAddress}/24`, 'dev', ownVeth);
    await ip('link', 'set', ownVeth, 'up');
  } catch (err) {
    await destroy();
    throw err;
  }

  const port = (i: number): string => {
    if (!namespaces[i]) throw new RangeError(`no host ${i}: the lab has ${count}`);
    return `h${i + 1}`;
  };
  return {
    namespaces,
    hosts,
    ownAddress,
    cut: async (i) => void (await ip('-n', bridgeNs, 'link', 'set', port(i), 'down')),
    heal: async (i) => void (await ip('-n', bridgeNs, 'link', 'set', port(i), 'up')),
    destroy,
  };
}

/**
 * Hazelcast properties for tests that split a cluster, so they wait seconds, not minutes: a silent
 * member is dropped after 10 s (60 s by default), and the halves of a split cluster look for each
 * other every 5 s (first after 300 s by default).
 */
export const FAST_FAILURE_DETECTION: Readonly<Record<string, string>> = {
  'hazelcast.heartbeat.interval.seconds': '1',
  'hazelcast.max.no.heartbeat.seconds': '10',
  'hazelcast.merge.first.run.delay.seconds': '5',
  'hazelcast.merge.next.run.delay.seconds': '5',
};
