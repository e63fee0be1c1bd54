import type { Logger } from '../common/logger.js';

export interface ProgressState {
  phase: string;
  loaded: number;
  total: number;
  ratePerSecond: number;
}

/** Counts what is loaded and logs it, with a rate, at most once a second and at each phase's end. */
export class Progress {
  private phaseStarted = 0;
  private lastLog = 0;
  readonly state: ProgressState = { phase: 'idle', loaded: 0, total: 0, ratePerSecond: 0 };

  constructor(private readonly log: Logger) {}

  begin(phase: string, total: number): void {
    this.finishPhase();
    Object.assign(this.state, { phase, loaded: 0, total, ratePerSecond: 0 });
    this.phaseStarted = performance.now();
    this.log.info({ phase, total }, `loading ${phase}`);
  }

  advance(count: number): void {
    this.state.loaded += count;
    const elapsed = (performance.now() - this.phaseStarted) / 1000;
    this.state.ratePerSecond = elapsed > 0 ? Math.round(this.state.loaded / elapsed) : 0;
    if (performance.now() - this.lastLog >= 1000) {
      this.lastLog = performance.now();
      this.log.info({ ...this.state }, `${this.state.phase}: ${this.state.loaded}/${this.state.total}`);
    }
  }

  finishPhase(): void {
    if (this.state.phase === 'idle') return;
    this.log.info({ ...this.state }, `${this.state.phase} loaded`);
  }
}
