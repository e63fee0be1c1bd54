import { join } from 'node:path';
import { ServiceUnavailableError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { PortInUseError, startMember, type MemberHandle, type StartMemberOptions } from './member-jvm.js';
import { lastClusterSize, settlesWithin, tail } from './member-log.js';
import { consecutive, freePortRange } from './member-ports.js';

const POLL_MS = 100;

/** A cluster of members on consecutive ports of one address (127.0.0.1 by default). */
export interface ClusterHandle {
  readonly clusterName: string;
  /** `['127.0.0.1:5701', ...]`: what a client needs as `network.clusterMembers`. */
  readonly addresses: string[];
  readonly members: MemberHandle[];
  /** Stops the members one at a time, in reverse order of start, each gracefully. */
  stop(): Promise<void>;
  /** SIGKILLs every member at once. */
  kill(): Promise<void>;
}

export interface StartClusterOptions {
  jarPath: string;
  clusterName: string;
  /** The address every member binds to and is reached at (one of this host's); default 127.0.0.1. */
  host?: string;
  /** The first member's port; the others follow it. */
  basePort: number;
  count: number;
  /** Each member logs to `<logDir>/member-<port>.log`. */
  logDir: string;
  /** When true, `basePort` is only where the search for `count` consecutive free ports begins. */
  findFreePorts?: boolean;
  heapMb?: number;
  startTimeoutMs?: number;
  /** Default: `member.yaml` of this folder. */
  configFile?: string;
  /** See `StartMemberOptions.minClusterSize` (default: a majority from 3 members, none under). */
  minClusterSize?: number;
  /** See `StartMemberOptions.hazelcastProperties`. */
  hazelcastProperties?: Readonly<Record<string, string>>;
  log: Logger;
}

/** What every member of a cluster started from `opts` is started with, besides its own port. */
export function sharedMemberOptions(
  opts: StartClusterOptions,
  ports: readonly number[],
): Omit<StartMemberOptions, 'port' | 'logFile'> {
  return {
    jarPath: opts.jarPath,
    clusterName: opts.clusterName,
    host: opts.host,
    memberPorts: ports,
    heapMb: opts.heapMb,
    startTimeoutMs: opts.startTimeoutMs,
    configFile: opts.configFile,
    minClusterSize: opts.minClusterSize,
    hazelcastProperties: opts.hazelcastProperties,
    log: opts.log,
  };
}

/**
 * Starts `count` members in parallel and resolves once every member's log shows a member
 * list of the full size, so they formed one cluster and not several. On failure it kills
 * whatever it started before throwing.
 */
export async function startCluster(opts: StartClusterOptions): Promise<ClusterHandle> {
  if (!opts.findFreePorts) return startClusterOn(consecutive(opts.basePort, opts.count), opts);
  // Another process (a parallel test run) may take a port between our probe and the JVM's bind.
  let from = opts.basePort;
  for (let attempt = 1; ; attempt++) {
    const ports = await freePortRange(from, opts.count, opts.host);
    try {
      return await startClusterOn(ports, opts);
    } catch (err) {
      if (!(err instanceof PortInUseError) || attempt === 3) throw err;
      opts.log.warn({ ports }, 'a port was taken while the members started: trying the next ports');
      from = (ports.at(-1) ?? from) + 1;
    }
  }
}

async function startClusterOn(ports: number[], opts: StartClusterOptions): Promise<ClusterHandle> {
  const { clusterName, log } = opts;
  const startTimeoutMs = opts.startTimeoutMs ?? 90_000;
  const started = Date.now();
  const results = await Promise.allSettled(
    ports.map((port) =>
      startMember({
        ...sharedMemberOptions(opts, ports),
        port,
        logFile: join(opts.logDir, `member-${port}.log`),
        startTimeoutMs,
      }),
    ),
  );
  const members = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const killAll = async (): Promise<void> => {
    await Promise.all(members.map((m) => m.kill()));
  };
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await killAll();
    throw failed.reason;
  }
  try {
    await waitForOneCluster(members, started + startTimeoutMs);
  } catch (err) {
    await killAll();
    throw err;
  }
  log.info({ clusterName, ports, ms: Date.now() - started }, 'hazelcast cluster formed');
  return {
    clusterName,
    addresses: members.map((m) => m.address),
    members,
    stop: async () => {
      for (const member of [...members].reverse()) await member.stop();
    },
    kill: killAll,
  };
}

async function waitForOneCluster(members: MemberHandle[], deadline: number): Promise<void> {
  let dead: MemberHandle | undefined;
  for (const member of members) void member.exited.then(() => (dead ??= member));
  const anyExit = Promise.race(members.map((m) => m.exited));
  for (;;) {
    const sizes = await Promise.all(members.map(async (m) => lastClusterSize(await m.readLog())));
    if (sizes.every((size) => size === members.length)) return;
    if (dead || Date.now() > deadline) {
      const logs = await Promise.all(members.map(async (m) => `${m.logFile}:\n${tail(await m.readLog())}`));
      const why = dead
        ? `the member on port ${dead.port} exited`
        : `member list sizes are ${sizes.map((n) => n ?? 'none').join(', ')}`;
      throw new ServiceUnavailableError(
        'Hazelcast',
        `The ${members.length} Hazelcast members did not form one cluster (${why}); last lines:\n${logs.join('\n')}`,
      );
    }
    await settlesWithin(anyExit, POLL_MS);
  }
}
