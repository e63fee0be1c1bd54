import { NotFoundError } from '../../common/errors.js';
import { sharedMemberOptions, startCluster, type StartClusterOptions } from './member-cluster.js';
import { memberHealth, type MemberHealth } from './member-health.js';
import { startMember, type MemberHandle } from './member-jvm.js';

export type MemberState = 'starting' | 'ready' | 'stopped' | 'failed';

/** One member as the supervisor sees it: what the admin API shows an operator. */
export interface MemberStatus {
  /** `127.0.0.1:5701` (`<host>:<port>`). */
  address: string;
  /**
   * `ready`: the JVM runs, and its health endpoint says it is ACTIVE and saw every member since it
   * started (a member that was ready stays ready while another one is missing).
   * `starting`: the JVM is starting, or runs but has not yet seen the whole cluster.
   * `failed`: it died, or could not be started; it is started again after a pause.
   * `stopped`: stopped by `stop()`; it stays down.
   */
  state: MemberState;
  /** The JVM's pid; null while none runs. */
  pid: number | null;
  /** Restart attempts since `start()`, successful or not. */
  restarts: number;
  /** When `state` last changed (ISO 8601). */
  since: string;
  /** Why it is in this state, in words for an operator. */
  reason: string;
}

export interface MemberSupervisorOptions extends StartClusterOptions {
  /** How often each member is asked for its health; default 1000 ms. */
  healthIntervalMs?: number;
}

/** The pause before the first restart attempt; it doubles with each failed one, up to the most. */
const FIRST_PAUSE_MS = 500;
const MOST_PAUSE_MS = 10_000;
const HEALTH_TIMEOUT_MS = 1_000;
/** Health reports a running member may miss in a row before it no longer counts as ready. */
const MISSES_ALLOWED = 2;

interface Member {
  readonly port: number;
  readonly address: string;
  readonly logFile: string;
  /** The JVM, while one runs. */
  handle: MemberHandle | undefined;
  status: MemberStatus;
  /** Its latest health report; undefined while it has none (or missed too many). */
  health: MemberHealth | undefined;
  misses: number;
  /** Failed starts since it was last ready: the pause before the next attempt grows with them. */
  failures: number;
  restartTimer: NodeJS.Timeout | undefined;
  restarting: Promise<void> | undefined;
}

/**
 * What the members say of the cluster. `size` is the most members any member sees (null when none
 * answered). `safe` is true when every member answered, sees all the others and says no partition
 * lacks its backup nor waits for a migration; false when one of them says otherwise, or when a
 * member's JVM is not running (its backups are missing for certain, whatever the others answer);
 * null when every JVM runs and none has answered yet.
 */
export function clusterSafety(
  members: ReadonlyArray<{ running: boolean; health: MemberHealth | undefined }>,
): { size: number | null; safe: boolean | null } {
  const reports = members.flatMap((m) => (m.health ? [m.health] : []));
  const size = reports.length === 0 ? null : Math.max(...reports.map((h) => h.clusterSize));
  if (members.some((m) => !m.running)) return { size, safe: false };
  if (reports.length === 0) return { size, safe: null };
  const count = members.length;
  const safe =
    reports.length === count &&
    reports.every((h) => h.clusterSafe && h.migrationQueueSize === 0 && h.clusterSize === count);
  return { size, safe };
}

/**
 * Starts the cluster's members and keeps them. A member whose JVM exits unexpectedly (a crash,
 * SIGKILL, an OutOfMemoryError) is started again on the same port with the same member list, with
 * a growing pause between failed attempts so one that cannot start does not spin; it rejoins the
 * cluster, and Hazelcast re-creates the missing backups by itself. Every member's health endpoint
 * is polled, which is what makes a member `ready` and what `cluster()` reports.
 */
export class MemberSupervisor {
  private members: Member[] = [];
  private stopping = false;
  private readonly healthIntervalMs: number;
  private healthTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(private readonly options: MemberSupervisorOptions) {
    this.healthIntervalMs = options.healthIntervalMs ?? 1_000;
  }

  /** Starts the cluster (throws as `startCluster` does) and resolves after its first health poll. */
  async start(): Promise<void> {
    const cluster = await startCluster(this.options);
    this.members = cluster.members.map((handle) => ({
      port: handle.port,
      address: handle.address,
      logFile: handle.logFile,
      handle,
      status: {
        address: handle.address,
        state: 'starting',
        pid: handle.pid,
        restarts: 0,
        since: new Date().toISOString(),
        reason: 'started; waiting for its first health report',
      },
      health: undefined,
      misses: 0,
      failures: 0,
      restartTimer: undefined,
      restarting: undefined,
    }));
    for (const member of this.members) this.watch(member, member.handle!);
    await this.pollHealth();
    this.scheduleHealthPoll();
  }

  /** `['127.0.0.1:5701', ...]`, in the order the members were started. */
  get addresses(): string[] {
    return this.members.map((m) => m.address);
  }

  statuses(): MemberStatus[] {
    return this.members.map((m) => ({ ...m.status }));
  }

  /** See `clusterSafety`. */
  cluster(): { size: number | null; safe: boolean | null } {
    return clusterSafety(this.members.map((m) => ({ running: m.handle !== undefined, health: m.health })));
  }

  /** SIGKILLs the member at `address`, as a crash would; it is then restarted like any other. */
  async kill(address: string): Promise<void> {
    const member = this.members.find((m) => m.address === address);
    if (!member) {
      throw new NotFoundError(
        'NOT_FOUND',
        `No Hazelcast member at ${address}: the members are ${this.addresses.join(', ') || 'not started'}.`,
      );
    }
    await member.handle?.kill();
  }

  /**
   * Stops every member gracefully, one at a time in reverse order of start (each hands its
   * partitions to the others first); no member is restarted from here on. A restart under way
   * is let finish, then stopped.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.healthTimer);
    await this.polling;
    for (const member of this.members) clearTimeout(member.restartTimer);
    await Promise.all(this.members.map((m) => m.restarting));
    for (const member of [...this.members].reverse()) {
      await member.handle?.stop();
      member.health = undefined;
      member.status.pid = null;
      this.enter(member, 'stopped', 'stopped by the deploy manager');
    }
  }

  /** Restarts the member when this JVM exits, unless we are stopping or it was replaced. */
  private watch(member: Member, handle: MemberHandle): void {
    void handle.exited.then((code) => {
      if (member.handle !== handle) return;
      member.handle = undefined;
      member.health = undefined;
      member.status.pid = null;
      if (this.stopping) {
        this.enter(member, 'stopped', 'stopped by the deploy manager');
        return;
      }
      this.options.log.warn({ address: member.address, code }, 'hazelcast member died: restarting it');
      const how = code === null ? 'was killed by a signal' : `exited with code ${code}`;
      this.enter(member, 'failed', `its JVM ${how}; restarting it`);
      this.scheduleRestart(member);
    });
  }

  private scheduleRestart(member: Member): void {
    const pause = Math.min(FIRST_PAUSE_MS * 2 ** member.failures, MOST_PAUSE_MS);
    member.restartTimer = setTimeout(() => {
      member.restartTimer = undefined;
      member.restarting = this.restart(member).finally(() => {
        member.restarting = undefined;
      });
    }, pause);
  }

  private async restart(member: Member): Promise<void> {
    if (this.stopping) return;
    const { options } = this;
    member.failures += 1;
    member.status.restarts += 1;
    this.enter(member, 'starting', `restart ${member.status.restarts}: starting its JVM`);
    try {
      const handle = await startMember({
        ...sharedMemberOptions(
          options,
          this.members.map((m) => m.port),
        ),
        port: member.port,
        logFile: member.logFile,
      });
      member.handle = handle;
      member.misses = 0;
      member.status.pid = handle.pid;
      this.enter(member, 'starting', 'its JVM runs again; waiting until it sees the whole cluster');
      this.watch(member, handle);
    } catch (err) {
      if (this.stopping) {
        this.enter(member, 'stopped', 'stopped by the deploy manager');
        return;
      }
      options.log.error({ err, address: member.address }, 'hazelcast member did not restart: trying again');
      const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
      this.enter(member, 'failed', `it could not be restarted (${message}); trying again`);
      this.scheduleRestart(member);
    }
  }

  private scheduleHealthPoll(): void {
    this.healthTimer = setTimeout(() => {
      this.polling = this.pollHealth().finally(() => {
        this.polling = undefined;
        if (!this.stopping) this.scheduleHealthPoll();
      });
    }, this.healthIntervalMs);
  }

  private async pollHealth(): Promise<void> {
    await Promise.all(
      this.members.map(async (member) => {
        const handle = member.handle;
        if (!handle) return;
        const health = await memberHealth(member.address, HEALTH_TIMEOUT_MS);
        // It died or was replaced while we asked: the answer is about a JVM that is gone.
        if (member.handle !== handle || this.stopping) return;
        this.judge(member, health);
      }),
    );
  }

  /** `ready` or `starting`, from a running member's health report (or its silence). */
  private judge(member: Member, health: MemberHealth | undefined): void {
    member.misses = health ? 0 : member.misses + 1;
    if (health || member.misses > MISSES_ALLOWED) member.health = health;
    const report = member.health;
    const count = this.members.length;
    if (report?.nodeState === 'ACTIVE' && report.clusterSize === count) {
      if (member.status.state !== 'ready' && member.status.restarts > 0) {
        this.options.log.info(
          { address: member.address, restarts: member.status.restarts },
          'hazelcast member is back in the cluster',
        );
      }
      member.failures = 0;
      this.enter(member, 'ready', `ACTIVE in a cluster of all ${count} members`);
    } else if (!report) {
      this.enter(member, 'starting', 'its JVM runs, but its health endpoint does not answer');
    } else if (report.nodeState !== 'ACTIVE') {
      this.enter(member, 'starting', `its JVM runs, but its node state is ${report.nodeState}`);
    } else if (member.status.state === 'ready') {
      // A member that joined the whole cluster stays ready when another one dies: it serves, and
      // cluster().safe says the backups are short until the other one is back.
      this.enter(member, 'ready', `ACTIVE, but it sees ${report.clusterSize} of ${count} members`);
    } else {
      this.enter(member, 'starting', `its JVM runs, but it sees ${report.clusterSize} of ${count} members`);
    }
  }

  private enter(member: Member, state: MemberState, reason: string): void {
    if (member.status.state !== state) member.status.since = new Date().toISOString();
    member.status.state = state;
    member.status.reason = reason;
  }
}
