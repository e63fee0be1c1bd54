import { memberHealth } from './member-health.js';
import type { MemberStatus } from './member-supervisor.js';

/**
 * Members of a cluster started elsewhere (`HZ_MEMBERS`): not ours to restart, only to watch.
 * Each one's health endpoint is asked every `intervalMs`.
 */
export class ExternalMembers {
  private readonly status: MemberStatus[];
  private safe: boolean | null = null;
  private size: number | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    addresses: readonly string[],
    private readonly intervalMs = 2_000,
  ) {
    const since = new Date().toISOString();
    this.status = addresses.map((address) => ({
      address,
      state: 'starting',
      pid: null,
      restarts: 0,
      since,
      reason: 'not asked yet',
    }));
  }

  start(): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  statuses(): MemberStatus[] {
    return this.status.map((s) => ({ ...s }));
  }

  cluster(): { size: number | null; safe: boolean | null } {
    return { size: this.size, safe: this.safe };
  }

  private async poll(): Promise<void> {
    const reports = await Promise.all(this.status.map((s) => memberHealth(s.address)));
    reports.forEach((health, i) => {
      const status = this.status[i]!;
      const state = health?.nodeState === 'ACTIVE' ? 'ready' : 'failed';
      const reason = health
        ? `${health.nodeState}, sees ${health.clusterSize} members`
        : 'its health endpoint (/hazelcast/health) does not answer';
      if (state !== status.state) status.since = new Date().toISOString();
      status.state = state;
      status.reason = reason;
    });
    const answered = reports.filter((r) => r !== undefined);
    this.safe = answered.length === 0 ? null : answered.every((r) => r.clusterSafe);
    this.size = answered.length === 0 ? null : Math.max(...answered.map((r) => r.clusterSize));
  }
}
