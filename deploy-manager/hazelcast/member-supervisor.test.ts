import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { IMap } from 'hazelcast-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectGrid, type HazelcastClient } from '../../common/grid-client.js';
import { createRootLogger, silentLogger } from '../../common/logger.js';
import { ensureHazelcastJar } from './hazelcast-jar.js';
import { canConnect } from './member-ports.js';
import { MemberSupervisor, type MemberState, type MemberStatus } from './member-supervisor.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const ENTRIES = 2_000;

/** Real member JVMs, really killed: the supervisor must bring them back with the data intact. */
describe('member-supervisor: a supervised 2-member cluster', () => {
  const clusterName = `member-supervisor-test-${process.pid}`;
  const logLines: string[] = [];
  let supervisor: MemberSupervisor;
  let client: HazelcastClient;
  let logDir: string;

  beforeAll(async () => {
    logDir = await mkdtemp(join(tmpdir(), 'spacegrid-supervisor-test-'));
    const jarPath = await ensureHazelcastJar({
      cacheDir: join(REPO, '.cache', 'hazelcast'),
      log: silentLogger,
    });
    supervisor = new MemberSupervisor({
      jarPath,
      clusterName,
      basePort: 5941,
      findFreePorts: true,
      count: 2,
      heapMb: 256,
      logDir,
      healthIntervalMs: 250,
      log: createRootLogger({ level: 'warn', destination: { write: (line) => logLines.push(line) } }),
    });
    await supervisor.start();
    client = await connectGrid({ members: supervisor.addresses, clusterName, log: silentLogger });
  }, 90_000);

  afterAll(async () => {
    await client?.shutdown();
    await supervisor?.stop();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  }, 60_000);

  it('reports both members ready and the cluster safe', async () => {
    await waitFor(() => supervisor.cluster().safe === true, 20_000, 'a safe cluster');
    expect(supervisor.statuses()).toEqual(
      supervisor.addresses.map((address) =>
        expect.objectContaining({ address, state: 'ready', restarts: 0, pid: expect.any(Number) }),
      ),
    );
    expect(supervisor.cluster()).toEqual({ size: 2, safe: true });
  });

  it('restarts a SIGKILLed member, which rejoins and takes back its share of the backups', async () => {
    const map = await client.getMap<string, string>(`supervised-${Date.now()}`);
    const keys = Array.from({ length: ENTRIES }, (_, i) => `key-${i}`);
    await map.putAll(keys.map((key) => [key, `value-of-${key}`]));
    const [first, second] = supervisor.addresses as [string, string];
    const before = statusOf(supervisor, first);

    await supervisor.kill(first);
    expect(statusOf(supervisor, first)).toMatchObject({ state: 'failed', pid: null });
    expect(supervisor.cluster().safe).toBe(false);
    const warnings = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(warnings).toContainEqual(
      expect.objectContaining({ address: first, code: null, msg: 'hazelcast member died: restarting it' }),
    );

    const seen = new Set<MemberState>();
    const survivorStates = new Set<MemberState>();
    await waitFor(
      () => {
        const status = statusOf(supervisor, first);
        seen.add(status.state);
        survivorStates.add(statusOf(supervisor, second).state);
        return status.state === 'ready';
      },
      30_000,
      `${first} ready again`,
    );
    expect(
      [...seen].filter((state) => state !== 'ready').every((s) => s === 'failed' || s === 'starting'),
    ).toBe(true);
    // The member that was never killed kept serving: it stayed ready throughout.
    expect([...survivorStates]).toEqual(['ready']);
    const after = statusOf(supervisor, first);
    expect(after.restarts).toBe(1);
    expect(after.pid).not.toBeNull();
    expect(after.pid).not.toBe(before.pid);
    await expectAllEntries(map, keys);

    // Safe again: every partition has its backup once more, so the member that was never killed
    // can go now and the restarted one alone still holds every entry.
    await waitFor(() => supervisor.cluster().safe === true, 30_000, 'the cluster safe again');
    expect(supervisor.cluster()).toEqual({ size: 2, safe: true });
    await supervisor.kill(second);
    await expectAllEntries(map, keys);
    await waitFor(() => statusOf(supervisor, second).state === 'ready', 30_000, `${second} ready again`);
    expect(statusOf(supervisor, second).restarts).toBe(1);
  }, 90_000);

  it('keeps trying, with growing pauses, a member that cannot start, and brings it back once it can', async () => {
    await waitFor(
      () => supervisor.statuses().every((s) => s.state === 'ready'),
      30_000,
      'both members ready',
    );
    const [first] = supervisor.addresses as [string];
    const restartsBefore = statusOf(supervisor, first).restarts;
    await supervisor.kill(first);
    // Its restart is due in 500 ms: take its port first, as a stray process would (dropping the
    // other member's connection attempts, so that close() does not wait on them).
    const squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((resolveListen, rejectListen) => {
      squatter.once('error', rejectListen);
      squatter.listen(portOf(first), '127.0.0.1', resolveListen);
    });

    const transitions: Array<Pick<MemberStatus, 'state' | 'since' | 'reason'>> = [];
    const note = (): void => {
      const { state, since, reason } = statusOf(supervisor, first);
      if (transitions.at(-1)?.since !== since) transitions.push({ state, since, reason });
    };
    try {
      await waitFor(
        () => {
          note();
          return transitions.filter((t) => t.state === 'failed').length === 3;
        },
        30_000,
        `${first} failing to restart twice`,
      );
    } finally {
      await new Promise((resolveClose) => squatter.close(resolveClose));
    }
    expect(transitions.map((t) => t.state)).toEqual(['failed', 'starting', 'failed', 'starting', 'failed']);
    expect(transitions[2]?.reason).toMatch(/could not be restarted \(Port \d+ is already in use/);
    const pauses = [1, 3].map(
      (i) => Date.parse(transitions[i]!.since) - Date.parse(transitions[i - 1]!.since),
    );
    expect(pauses[0]).toBeGreaterThanOrEqual(450);
    expect(pauses[1]).toBeGreaterThanOrEqual(950);

    await waitFor(
      () => statusOf(supervisor, first).state === 'ready',
      30_000,
      `${first} ready once its port is free`,
    );
    expect(statusOf(supervisor, first).restarts).toBe(restartsBefore + 3);
  }, 60_000);

  it('stop() stops every member and restarts none, not even one that has just died', async () => {
    await waitFor(
      () => supervisor.statuses().every((s) => s.state === 'ready'),
      30_000,
      'both members ready',
    );
    await client.shutdown(); // a client would only retry against members that are gone
    const pids = supervisor.statuses().map((s) => s.pid);
    const restartsBefore = supervisor.statuses().map((s) => s.restarts);
    const [first] = supervisor.addresses as [string];
    await supervisor.kill(first); // its restart is now due in 500 ms
    await supervisor.stop();

    const stopped = supervisor.statuses();
    expect(stopped.map((s) => [s.state, s.pid])).toEqual([
      ['stopped', null],
      ['stopped', null],
    ]);
    expect(stopped.map((s) => s.restarts)).toEqual(restartsBefore);
    expect(await jvmsOf(clusterName)).toEqual([]);
    for (const pid of pids) expect(isRunning(pid!)).toBe(false);
    // Longer than the first restart pause: nothing comes back on the members' ports.
    const watchUntil = Date.now() + 2_000;
    while (Date.now() < watchUntil) {
      const listening = await Promise.all(supervisor.addresses.map((a) => canConnect(portOf(a))));
      expect(listening).toEqual([false, false]);
    }
    expect(await jvmsOf(clusterName)).toEqual([]);
    expect(supervisor.statuses().every((s) => s.state === 'stopped')).toBe(true);
  }, 60_000);
});

function statusOf(supervisor: MemberSupervisor, address: string): MemberStatus {
  const status = supervisor.statuses().find((s) => s.address === address);
  if (!status) throw new Error(`no member ${address}`);
  return status;
}

async function expectAllEntries(map: IMap<string, string>, keys: string[]): Promise<void> {
  const entries = new Map(await map.getAll(keys));
  expect(entries.size).toBe(keys.length);
  for (const key of keys) expect(entries.get(key)).toBe(`value-of-${key}`);
}

/** The pids of the member JVMs of this cluster that still run (`ps`, not our own bookkeeping). */
async function jvmsOf(clusterName: string): Promise<number[]> {
  const { stdout } = await promisify(execFile)('ps', ['-ww', '-eo', 'pid=,args=']);
  return stdout
    .split('\n')
    .filter((line) => line.includes(`-Dspacegrid.hz.cluster-name=${clusterName} `))
    .map((line) => Number.parseInt(line.trim(), 10));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portOf(address: string): number {
  return Number(address.split(':')[1]);
}

/** Polls a condition until it holds, or fails after `timeoutMs` saying what it waited for. */
async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 100));
  }
}
