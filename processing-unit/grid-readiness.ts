import type { IMap } from 'hazelcast-client';
import type { Logger } from '../common/logger.js';
import { WARM_FLAG } from '../common/map-names.js';
import type { Readiness } from '../common/ops-routes.js';

/**
 * Whether this unit may serve: the grid must be reachable and warm (the data reader sets the
 * warm flag once Postgres has been loaded). Checked on a timer, never on the request path.
 */
export class GridReadiness {
  private state: Readiness = { ready: false, reason: 'grid not checked yet' };
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly meta: IMap<string, string>,
    private readonly log: Logger,
    private readonly intervalMs = 250,
  ) {}

  get current(): Readiness {
    return this.state;
  }

  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const flag = await this.meta.get(WARM_FLAG);
      const next: Readiness = flag
        ? { ready: true }
        : { ready: false, reason: 'the grid is warming from Postgres (data reader running)' };
      if (next.ready !== this.state.ready)
        this.log.info({ ready: next.ready, reason: next.reason }, 'readiness changed');
      this.state = next;
    } catch (err) {
      if (this.state.ready) this.log.warn({ err }, 'grid unreachable: not ready');
      this.state = { ready: false, reason: 'the grid is unreachable' };
    } finally {
      this.checking = false;
    }
  }
}
