import type { IMap } from 'hazelcast-client';
import type { GridLink } from '../common/grid-client.js';
import type { Logger } from '../common/logger.js';
import { WARM_FLAG } from '../common/map-names.js';
import type { Readiness } from '../common/ops-routes.js';

/**
 * Whether this unit may serve: the grid must be reachable and warm (the data reader sets the
 * warm flag once Postgres has been loaded). Checked on a timer, never on the request path; a lost
 * link turns it off at once (the client's own event), and it stays off, saying since when the
 * client has been reconnecting, until the members are back and warm again (if they came back
 * empty, the data reader warms them first).
 */
export class GridReadiness {
  private state: Readiness = { ready: false, reason: 'grid not checked yet' };
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly meta: IMap<string, string>,
    private readonly link: GridLink,
    private readonly log: Logger,
    private readonly intervalMs = 250,
  ) {}

  get current(): Readiness {
    return this.state;
  }

  async start(): Promise<void> {
    this.unsubscribe = this.link.onChange(() => {
      if (!this.link.connected) this.set({ ready: false, reason: this.link.reason });
      void this.check();
    });
    await this.check();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
  }

  private set(next: Readiness): void {
    if (next.ready !== this.state.ready || next.reason !== this.state.reason)
      this.log.info({ ready: next.ready, reason: next.reason }, 'readiness changed');
    this.state = next;
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      // While the link is down every grid call fails at once: say why without making one.
      if (!this.link.connected) {
        this.set({ ready: false, reason: this.link.reason });
        return;
      }
      const flag = await this.meta.get(WARM_FLAG);
      this.set(
        !this.link.connected
          ? { ready: false, reason: this.link.reason }
          : flag
            ? { ready: true }
            : { ready: false, reason: 'the grid is warming from Postgres (data reader running)' },
      );
    } catch (err) {
      if (this.state.ready) this.log.warn({ err }, 'grid unreachable: not ready');
      this.set({ ready: false, reason: this.link.reason ?? 'the grid is unreachable' });
    } finally {
      this.checking = false;
    }
  }
}
