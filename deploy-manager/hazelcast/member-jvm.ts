import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceUnavailableError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { readFrom, settlesWithin, tail } from './member-log.js';
import { HOST, canConnect } from './member-ports.js';

/** A running Hazelcast member JVM. */
export interface MemberHandle {
  readonly port: number;
  /** `<host>:<port>` (`127.0.0.1:<port>` by default), as clients and the other members reach it. */
  readonly address: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the JVM's exit code (null when a signal ended it); never rejects. */
  readonly exited: Promise<number | null>;
  /** What this member wrote to its log since it was started. */
  readLog(): Promise<string>;
  /** SIGTERM (graceful shutdown: partitions migrate away first), SIGKILL after the stop timeout. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would; waits for the process to be gone. */
  kill(): Promise<void>;
}

export interface StartMemberOptions {
  jarPath: string;
  clusterName: string;
  port: number;
  /**
   * The address this member binds to, and is reached at by clients and the other members: one of
   * this host's (of its network namespace, with `commandPrefix`). Default 127.0.0.1.
   */
  host?: string;
  /** The ports of every member of the cluster (this one included), all on `host`. */
  memberPorts?: readonly number[];
  /**
   * `host:port` of every member of the cluster (this one included), when they are not all on
   * `host` (a cluster across hosts). Replaces `memberPorts`.
   */
  memberAddresses?: readonly string[];
  /**
   * Members that must see each other before the data maps serve (member.yaml's split-brain
   * protection), so a minority cut off by the network refuses reads and writes. Default: a
   * majority of the members when they are 3 or more; 1 (no protection) under 3, where no side of
   * a split can hold a majority.
   */
  minClusterSize?: number;
  /**
   * Hazelcast properties (`hazelcast.*`) given to the JVM as system properties, for those that
   * member.yaml does not set: for example `hazelcast.max.no.heartbeat.seconds` (how soon a silent
   * member is dropped, 60 by default) or `hazelcast.merge.first.run.delay.seconds` (how soon
   * the halves of a split cluster look for each other, 300 by default).
   */
  hazelcastProperties?: Readonly<Record<string, string>>;
  /**
   * Words put before the command that starts the JVM, such as `['ip', 'netns', 'exec', 'hz-a']`
   * to run the member in a network namespace of its own. They must exec the rest, not fork it.
   */
  commandPrefix?: readonly string[];
  logFile: string;
  /** Maximum heap; default 512. */
  heapMb?: number;
  /** Default 90 s (a 2-core machine starting several JVMs at once is slow). */
  startTimeoutMs?: number;
  /** How long `stop()` waits for a graceful shutdown before SIGKILL; default 30 s. */
  stopTimeoutMs?: number;
  /** Default: `member.yaml` of this folder. */
  configFile?: string;
  log: Logger;
}

const POLL_MS = 100;

/** The flags Hazelcast's own start script (bin/common.sh) passes on Java 9+. */
const JDK_MODULE_FLAGS = [
  '--add-modules',
  'java.se',
  '--add-exports',
  'java.base/jdk.internal.ref=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.lang=ALL-UNNAMED',
  '--add-opens',
  'java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens',
  'java.management/sun.management=ALL-UNNAMED',
  '--add-opens',
  'jdk.management/com.sun.management.internal=ALL-UNNAMED',
];

/**
 * Starts one Hazelcast member JVM from the jar, configured by `member.yaml` through -D
 * properties, with stdout and stderr appended to `logFile`. Resolves once the member logged
 * that it is STARTED and its port accepts connections.
 *
 * On Linux the JVM is started under `setpriv --pdeathsig TERM`, so it shuts down when the
 * Node process that started it dies, even by SIGKILL.
 */
export async function startMember(opts: StartMemberOptions): Promise<MemberHandle> {
  const { port, logFile, log } = opts;
  const host = opts.host ?? HOST;
  const startTimeoutMs = opts.startTimeoutMs ?? 90_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 30_000;
  const withSetpriv = await hasSetpriv();
  if (!withSetpriv)
    log.warn({ port }, 'setpriv --pdeathsig is not available: the member outlives a killed parent');
  const [command, args] = commandLine(opts, withSetpriv);
  await mkdir(dirname(logFile), { recursive: true });

  const fd = openSync(logFile, 'a');
  const offset = fstatSync(fd).size;
  writeSync(
    fd,
    `--- spacegrid: starting hazelcast member on ${host}:${port} at ${new Date().toISOString()}\n`,
  );
  const started = Date.now();
  // A process group of its own: a Ctrl-C in the terminal reaches the manager alone, which stops
  // the members last, after the data is safe. pdeathsig (above) still ends it if the manager dies.
  const child = spawn(command, args, { stdio: ['ignore', fd, fd], env: memberEnv(), detached: true });
  closeSync(fd);

  let exitCode: number | null | undefined;
  let spawnError: NodeJS.ErrnoException | undefined;
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolveExit(code);
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      spawnError = err;
      if (child.pid === undefined) {
        exitCode = null;
        resolveExit(null);
      }
    });
  });
  const readLog = (): Promise<string> => readFrom(logFile, offset);
  const kill = async (): Promise<void> => {
    if (exitCode === undefined) child.kill('SIGKILL');
    await exited;
  };
  const stop = async (): Promise<void> => {
    if (exitCode !== undefined) return;
    child.kill('SIGTERM');
    if (await settlesWithin(exited, stopTimeoutMs)) return;
    log.warn({ port, pid: child.pid, stopTimeoutMs }, 'hazelcast member did not stop gracefully: killing it');
    await kill();
  };

  const deadline = started + startTimeoutMs;
  for (;;) {
    if (exitCode !== undefined) throw startFailure(opts, exitCode, spawnError, await readLog());
    const text = await readLog();
    if (/ is STARTED\b/.test(text) && (await canConnect(port, host))) break;
    if (Date.now() > deadline) {
      await kill();
      throw new ServiceUnavailableError(
        'Hazelcast',
        `The Hazelcast member on ${host}:${port} did not start within ${startTimeoutMs / 1000} s; last lines of ${logFile}:\n${tail(text)}`,
      );
    }
    await settlesWithin(exited, POLL_MS);
  }
  const pid = child.pid ?? 0;
  log.info({ host, port, pid, ms: Date.now() - started, logFile }, 'hazelcast member started');
  return { port, address: `${host}:${port}`, pid, logFile, exited, readLog, stop, kill };
}

function commandLine(opts: StartMemberOptions, withSetpriv: boolean): [string, string[]] {
  const host = opts.host ?? HOST;
  const members = opts.memberAddresses ?? (opts.memberPorts ?? [opts.port]).map((p) => `${host}:${p}`);
  const protection = splitBrainProtection(members.length, opts.minClusterSize);
  const hazelcastProperties = Object.entries(opts.hazelcastProperties ?? {}).map(([name, value]) => {
    if (!name.startsWith('hazelcast.')) throw new Error(`${name} is not a Hazelcast property (hazelcast.*)`);
    return `-D${name}=${value}`;
  });
  const javaArgs = [
    `-Xmx${opts.heapMb ?? 512}m`,
    '-XX:+ExitOnOutOfMemoryError',
    ...JDK_MODULE_FLAGS,
    '-Djava.net.preferIPv4Stack=true',
    `-Dhazelcast.config=${opts.configFile ?? defaultConfigFile()}`,
    `-Dspacegrid.hz.cluster-name=${opts.clusterName}`,
    `-Dspacegrid.hz.port=${opts.port}`,
    `-Dspacegrid.hz.host=${host}`,
    `-Dspacegrid.hz.members=${members.join(',')}`,
    `-Dspacegrid.hz.split-brain-protection=${protection.enabled}`,
    `-Dspacegrid.hz.min-cluster-size=${protection.minimum}`,
    '-Dhazelcast.shutdownhook.policy=GRACEFUL',
    '-Dhazelcast.phone.home.enabled=false',
    ...hazelcastProperties,
    '-jar',
    opts.jarPath,
  ];
  const java = withSetpriv
    ? ['setpriv', '--pdeathsig', 'TERM', '--', 'java', ...javaArgs]
    : ['java', ...javaArgs];
  const [command, ...args] = [...(opts.commandPrefix ?? []), ...java];
  return [command!, args];
}

/**
 * The split-brain protection member.yaml gets for a cluster of `members`: a majority by default,
 * none under 3 members. Hazelcast takes no minimum under 2, so "none" is a switch, not a size.
 */
export function splitBrainProtection(
  members: number,
  minClusterSize?: number,
): { enabled: boolean; minimum: number } {
  const minimum = minClusterSize ?? (members < 3 ? 1 : Math.floor(members / 2) + 1);
  if (!Number.isInteger(minimum) || minimum < 1 || minimum > members) {
    throw new RangeError(
      `minClusterSize must be a whole number from 1 to ${members} (the members), not ${minimum}`,
    );
  }
  return { enabled: minimum >= 2, minimum: Math.max(minimum, 2) };
}

/**
 * The environment of the member: ours without HZ_* and HZCLIENT_* variables, which Hazelcast
 * would read as overrides of member.yaml (HZ_MEMBERS, for one, means something else to us).
 */
function memberEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^HZ(CLIENT)?_/.test(name)));
}

/** member.yaml sits beside this file in the sources; from dist/ it is found in the sources. */
function defaultConfigFile(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const inSources = join(here, 'member.yaml');
  const fromDist = resolve(here, '../../../deploy-manager/hazelcast/member.yaml');
  return existsSync(inSources) || !existsSync(fromDist) ? inSources : fromDist;
}

let setprivAvailable: Promise<boolean> | undefined;
function hasSetpriv(): Promise<boolean> {
  setprivAvailable ??= new Promise((resolveCheck) => {
    execFile('setpriv', ['--pdeathsig', 'TERM', '--', 'true'], (err) => resolveCheck(err === null));
  });
  return setprivAvailable;
}

function startFailure(
  opts: StartMemberOptions,
  code: number | null,
  spawnError: NodeJS.ErrnoException | undefined,
  text: string,
): Error {
  const javaMissing = spawnError?.code === 'ENOENT' || (code === 127 && /failed to execute java/.test(text));
  if (javaMissing) {
    return new ServiceUnavailableError(
      'Java',
      'Java 17+ is needed to run Hazelcast members: install a JDK (apt-get install openjdk-17-jre-headless) or set HZ_MEMBERS to an existing cluster.',
    );
  }
  if (/UnsupportedClassVersionError/.test(text)) {
    return new ServiceUnavailableError(
      'Java',
      'Java 17+ is needed to run Hazelcast members, and `java` is older: install a newer JDK or set HZ_MEMBERS to an existing cluster.',
    );
  }
  if (/already in use/i.test(text)) {
    return new PortInUseError(
      `Port ${opts.port} is already in use, so the Hazelcast member cannot start there (is an old member still running?); see ${opts.logFile}.`,
    );
  }
  return new ServiceUnavailableError(
    'Hazelcast',
    `The Hazelcast member on port ${opts.port} exited with code ${String(code)} before it started; last lines of ${opts.logFile}:\n${tail(text)}`,
    spawnError,
  );
}

/** The member's port was taken: startCluster may try other ports. */
export class PortInUseError extends ServiceUnavailableError {
  constructor(message: string) {
    super('Hazelcast', message);
  }
}
