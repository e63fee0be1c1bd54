import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, writeSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceUnavailableError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';

/** A running Hazelcast member JVM. */
export interface MemberHandle {
  readonly port: number;
  /** `127.0.0.1:<port>`, as clients and the other members reach it. */
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
  /** The ports of every member of the cluster (this one included), all on 127.0.0.1. */
  memberPorts: number[];
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

const HOST = '127.0.0.1';
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
  const startTimeoutMs = opts.startTimeoutMs ?? 90_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 30_000;
  await mkdir(dirname(logFile), { recursive: true });

  const fd = openSync(logFile, 'a');
  const offset = fstatSync(fd).size;
  writeSync(fd, `--- spacegrid: starting hazelcast member on port ${port} at ${new Date().toISOString()}\n`);
  const withSetpriv = await hasSetpriv();
  if (!withSetpriv)
    log.warn({ port }, 'setpriv --pdeathsig is not available: the member outlives a killed parent');
  const [command, args] = commandLine(opts, withSetpriv);
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
    if (/ is STARTED\b/.test(text) && (await canConnect(port))) break;
    if (Date.now() > deadline) {
      await kill();
      throw new ServiceUnavailableError(
        'Hazelcast',
        `The Hazelcast member on port ${port} did not start within ${startTimeoutMs / 1000} s; last lines of ${logFile}:\n${tail(text)}`,
      );
    }
    await settlesWithin(exited, POLL_MS);
  }
  const pid = child.pid ?? 0;
  log.info({ port, pid, ms: Date.now() - started, logFile }, 'hazelcast member started');
  return { port, address: `${HOST}:${port}`, pid, logFile, exited, readLog, stop, kill };
}

/** A cluster of members on consecutive ports of 127.0.0.1. */
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
  log: Logger;
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
    const ports = await freePortRange(from, opts.count);
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
        jarPath: opts.jarPath,
        clusterName,
        port,
        memberPorts: ports,
        logFile: join(opts.logDir, `member-${port}.log`),
        heapMb: opts.heapMb,
        startTimeoutMs,
        configFile: opts.configFile,
        log,
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

/** The size in the last `Members {size:N, ver:V} [` block a member logged. */
function lastClusterSize(log: string): number | undefined {
  const sizes = [...log.matchAll(/Members \{size:(\d+)/g)];
  const last = sizes.at(-1)?.[1];
  return last === undefined ? undefined : Number(last);
}

function commandLine(opts: StartMemberOptions, withSetpriv: boolean): [string, string[]] {
  const members = opts.memberPorts.map((p) => `${HOST}:${p}`).join(',');
  const javaArgs = [
    `-Xmx${opts.heapMb ?? 512}m`,
    '-XX:+ExitOnOutOfMemoryError',
    ...JDK_MODULE_FLAGS,
    '-Djava.net.preferIPv4Stack=true',
    `-Dhazelcast.config=${opts.configFile ?? defaultConfigFile()}`,
    `-Dspacegrid.hz.cluster-name=${opts.clusterName}`,
    `-Dspacegrid.hz.port=${opts.port}`,
    `-Dspacegrid.hz.members=${members}`,
    '-Dhazelcast.shutdownhook.policy=GRACEFUL',
    '-Dhazelcast.phone.home.enabled=false',
    '-jar',
    opts.jarPath,
  ];
  return withSetpriv ? ['setpriv', ['--pdeathsig', 'TERM', '--', 'java', ...javaArgs]] : ['java', javaArgs];
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
class PortInUseError extends ServiceUnavailableError {
  constructor(message: string) {
    super('Hazelcast', message);
  }
}

function consecutive(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

/** Finds `count` consecutive ports, from `from` upwards, that nothing listens on. */
async function freePortRange(from: number, count: number): Promise<number[]> {
  for (let base = from; base + count - 1 <= 65_535; base++) {
    const ports = consecutive(base, count);
    const free = await Promise.all(ports.map(isPortFree));
    if (free.every(Boolean)) return ports;
  }
  throw new ServiceUnavailableError('Hazelcast', `No ${count} consecutive free ports from ${from} upwards.`);
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen({ port, host: HOST, exclusive: true }, () => server.close(() => resolveFree(true)));
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = connect({ port, host: HOST });
    socket.setTimeout(1_000);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolveConnect(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** True if `promise` settles within `ms`; clears its timer either way. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size <= offset) return '';
    const buffer = Buffer.alloc(size - offset);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

function tail(text: string, lines = 25): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
