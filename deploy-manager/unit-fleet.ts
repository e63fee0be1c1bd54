import type { Logger } from '../common/logger.js';
import type { ChildSpec, ChildSupervisor } from './child-supervisor.js';
import type { GridUnit } from './grid-admin-client.js';
import { notReadyReason } from './readiness-probe.js';

export type UnitState = 'starting' | 'ready' | 'draining' | 'stopped' | 'failed';

/** A unit as `GET /admin/status` shows it. */
export interface FleetUnitStatus {
  id: string;
  url: string;
  state: UnitState;
  pid: number | null;
  restarts: number;
  since: string;
  reason: string;
}

/** How the fleet changes the messaging grid's routing table. */
export interface RoutingTable {
  units(): Promise<GridUnit[]>;
  setUnits(urls: readonly string[]): Promise<unknown>;
}

export interface UnitFleetOptions {
  supervisor: ChildSupervisor;
  /** The process of the unit in slot `n` (1-based): `unit-n`, on its own port. */
  spec(slot: number): ChildSpec;
  log: Logger;
  /** How long a new unit may take to answer `/readyz` 200. Default 60 s. */
  readyTimeoutMs?: number;
  /** How often unit states are refreshed. Default 1 s. */
  pollMs?: number;
}

interface Member {
  slot: number;
  spec: ChildSpec;
  /** In the grid's routing table. */
  routed: boolean;
  draining: boolean;
  /** What the last look said (our own /readyz probe before routing, the grid's view after). */
  ready: boolean;
  /** When it was last seen becoming ready (a process started after this is not ready yet). */
  readyAt: number;
  reason: string;
  since: number;
}

/**
 * The processing units and how many of them there should be. `setTarget` moves the count; one
 * reconcile loop at a time gets there step by step, reading the target again after each step (so
 * a later request supersedes one in progress):
 * - up: the lowest free slots are started, supervised, and added to the grid's routing table only
 *   once their `/readyz` answers 200;
 * - down: the highest slots leave the routing table first (the grid answers once it has nothing
 *   in flight on them), then get SIGTERM, which lets them finish their batches, then are forgotten.
 * A unit that crashes is restarted by the supervisor and routed again by the grid's health checks.
 */
export class UnitFleet {
  private readonly members = new Map<number, Member>();
  private routing: RoutingTable | undefined;
  private wanted = 0;
  private reconciling: Promise<void> | undefined;
  private poller: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly readyTimeoutMs: number;
  private readonly log: Logger;

  constructor(private readonly options: UnitFleetOptions) {
    this.readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
    this.log = options.log;
  }

  get target(): number {
    return this.wanted;
  }

  /** URLs in the grid's routing table. */
  get routedUrls(): string[] {
    return this.sorted().flatMap((m) => (m.routed ? [m.spec.url] : []));
  }

  /** Units to sample: every unit with a process. */
  get running(): Array<{ id: string; url: string }> {
    return this.sorted().map((m) => ({ id: m.spec.name, url: m.spec.url }));
  }

  get readyCount(): number {
    return this.statuses().filter((s) => s.state === 'ready').length;
  }

  /**
   * Starts the first `count` units and waits until each is ready. They count as routed: the grid,
   * started next, is given `routedUrls`. Throws if one does not become ready in time.
   */
  async startInitial(count: number): Promise<void> {
    this.wanted = count;
    const starting = this.addSlots(count);
    await Promise.all(
      starting.map(async (member) => {
        if (!(await this.untilReady(member, () => false)))
          throw new Error(
            `${member.spec.name} did not become ready at ${member.spec.url} within ${this.readyTimeoutMs / 1000} s`,
          );
        member.routed = true;
        this.options.supervisor.markRunning(member.spec.name);
      }),
    );
  }

  /** From now on the fleet changes the grid's routing table itself, and follows the grid's view of unit health. */
  attach(routing: RoutingTable): void {
    this.routing = routing;
    this.poller = setInterval(() => void this.refresh(), this.options.pollMs ?? 1_000);
    this.poller.unref();
  }

  /** Aims at `count` units; returns at once (progress shows in `statuses()`). */
  setTarget(count: number): void {
    if (this.closed) return;
    if (count !== this.wanted) this.log.info({ from: this.wanted, to: count }, 'unit target changed');
    this.wanted = count;
    this.reconciling ??= this.reconcile().finally(() => (this.reconciling = undefined));
  }

  /** Resolves once the fleet has reached its target (or the loop gave up for now). */
  async settled(): Promise<void> {
    while (this.reconciling) await this.reconciling;
  }

  statuses(): FleetUnitStatus[] {
    return this.sorted().map((member) => {
      const child = this.options.supervisor.state(member.spec.name);
      let state: UnitState;
      let reason = member.reason;
      if (!child || child.status === 'stopped') state = 'stopped';
      else if (member.draining || child.status === 'stopping') state = 'draining';
      else if (child.status === 'crashed') {
        state = 'failed';
        reason = `exited (${child.lastExit?.signal ?? `code ${String(child.lastExit?.code)}`}): restarting`;
      } else if (member.ready && member.routed && !(member.readyAt < Date.parse(child.startedAt ?? ''))) {
        state = 'ready';
      } else {
        // Restarted after a crash: ready again once the grid has seen this process ready.
        state = 'starting';
        if (member.ready) reason = 'restarted: waiting for the messaging grid to see it ready';
      }
      return {
        id: member.spec.name,
        url: member.spec.url,
        state,
        pid: child?.pid ?? null,
        restarts: child?.restarts ?? 0,
        since: new Date(member.since).toISOString(),
        reason,
      };
    });
  }

  /** Stops changing anything (the units themselves are stopped by the supervisor with the rest). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poller);
    await this.settled();
  }

  private sorted(): Member[] {
    return [...this.members.values()].sort((a, b) => a.slot - b.slot);
  }

  private active(): Member[] {
    return this.sorted().filter((m) => !m.draining);
  }

  private async reconcile(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const active = this.active();
      // Units a failed step left draining (the grid could not be told, or one did not stop).
      const leaving = this.sorted().filter((m) => m.draining);
      try {
        if (active.length < this.wanted) await this.scaleUp(this.wanted - active.length);
        else if (active.length > this.wanted) await this.scaleDown(active.length - this.wanted);
        else if (leaving.length > 0) await this.finishLeaving(leaving);
        else return;
        failures = 0;
      } catch (err) {
        failures += 1;
        const pause = Math.min(1_000 * 2 ** failures, 15_000);
        this.log.error({ err, pauseMs: pause }, 'a scale step failed: trying again');
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  private addSlots(count: number): Member[] {
    const added: Member[] = [];
    for (let slot = 1; added.length < count; slot++) {
      if (this.members.has(slot)) continue;
      const spec = this.options.spec(slot);
      const member: Member = {
        slot,
        spec,
        routed: false,
        draining: false,
        ready: false,
        readyAt: 0,
        reason: 'starting',
        since: Date.now(),
      };
      this.members.set(slot, member);
      this.options.supervisor.start(spec);
      added.push(member);
    }
    return added;
  }

  private async scaleUp(count: number): Promise<void> {
    const added = this.addSlots(count);
    this.log.info({ units: added.map((m) => m.spec.name) }, 'starting units');
    // A later, lower target stops the wait: the next step drains what is not needed.
    const superseded = () => this.closed || this.active().length > this.wanted;
    const ready = await Promise.all(added.map((m) => this.untilReady(m, superseded)));
    const joining = added.filter((_, i) => ready[i]);
    for (const member of joining) {
      member.routed = true;
      this.options.supervisor.markRunning(member.spec.name);
    }
    if (joining.length > 0) {
      // Should the grid not take them now, the routing check (`refresh`) sets them again.
      await this.routing?.setUnits(this.routedUrls);
      for (const member of joining) this.mark(member, true, 'ready');
      this.log.info({ units: joining.map((m) => m.spec.name) }, 'units joined the messaging grid');
    }
    for (const member of added.filter((_, i) => !ready[i] && !superseded())) {
      // It never became ready: stop it, so the next step starts a fresh one.
      await this.remove(member, `did not become ready within ${this.readyTimeoutMs / 1000} s`);
      throw new Error(`${member.spec.name} did not become ready within ${this.readyTimeoutMs / 1000} s`);
    }
  }

  private async scaleDown(count: number): Promise<void> {
    // Units not routed yet go first (nothing to drain), then the highest slots.
    const leaving = this.active()
      .sort((a, b) => Number(a.routed) - Number(b.routed) || b.slot - a.slot)
      .slice(0, count);
    for (const member of leaving) {
      member.draining = true;
      this.mark(member, member.ready, 'draining: out of routing, finishing what it holds');
    }
    this.log.info({ units: leaving.map((m) => m.spec.name) }, 'draining units');
    for (const member of leaving) member.routed = false;
    await this.finishLeaving(leaving);
  }

  /**
   * Takes draining units out of the grid's routing (it answers once it has nothing in flight on
   * them), then stops them. Throws, leaving them draining, when the grid cannot be told: the
   * reconcile loop comes back to them, so a unit is never stopped while the grid may route to it.
   */
  private async finishLeaving(leaving: Member[]): Promise<void> {
    await this.routing?.setUnits(this.routedUrls);
    await Promise.all(leaving.map((member) => this.remove(member, 'stopped')));
  }

  private async remove(member: Member, reason: string): Promise<void> {
    member.draining = true;
    await this.options.supervisor.stop(member.spec.name);
    this.options.supervisor.forget(member.spec.name);
    this.members.delete(member.slot);
    this.log.info({ unit: member.spec.name, reason }, 'unit stopped');
  }

  /** Polls the unit's own `/readyz` until 200 (true), its timeout, or `giveUp()` (false). */
  private async untilReady(member: Member, giveUp: () => boolean): Promise<boolean> {
    const deadline = Date.now() + this.readyTimeoutMs;
    while (Date.now() < deadline && !giveUp()) {
      const why = await notReadyReason(`${member.spec.url}/readyz`);
      if (why === undefined) {
        this.mark(member, true, 'ready');
        return true;
      }
      member.reason = why;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return false;
  }

  /**
   * Follows the grid's view of the routed units' health, and keeps its routing table equal to the
   * fleet's routed units (a grid that restarted comes back with the units it was started with).
   */
  private async refresh(): Promise<void> {
    if (!this.routing || this.closed) return;
    let units: GridUnit[];
    try {
      units = await this.routing.units();
    } catch (err) {
      this.log.debug({ err }, 'cannot read the grid routing table');
      return;
    }
    const byUrl = new Map(units.map((u) => [u.url, u]));
    const wanted = this.routedUrls;
    if (!this.reconciling && (wanted.length !== byUrl.size || wanted.some((url) => !byUrl.has(url)))) {
      // A grid that restarted has the units it was started with; a step that failed told it nothing.
      this.log.warn(
        { routed: [...byUrl.keys()], units: wanted },
        'the messaging grid routes other units than the fleet has: setting them again',
      );
      await this.routing.setUnits(wanted).catch((err: unknown) => {
        this.log.warn({ err }, 'cannot set the grid routing table: will try again');
      });
      return;
    }
    for (const member of this.members.values()) {
      const seen = byUrl.get(member.spec.url);
      if (!member.routed || !seen) continue;
      this.mark(member, seen.state === 'ready', seen.reason, Date.parse(seen.since));
    }
  }

  private mark(member: Member, ready: boolean, reason: string, readyAt = Date.now()): void {
    if (member.ready !== ready) member.since = Date.now();
    member.ready = ready;
    if (ready) member.readyAt = readyAt;
    member.reason = reason;
  }
}
