import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '../common/logger.js';
import type { LogFormat } from './log-lines.js';

export interface ChildSpec {
  /** Shown in logs and the admin API: `unit-8100`, `data-pump`, ... */
  name: string;
  /** What the child is: `processing-unit`, `data-pump`, ... */
  kind: string;
  /** The script to run with this Node (an absolute path to a built `main.js`). */
  script: string;
  env: Record<string, string>;
  /** Its own HTTP base URL (for health checks). */
  url: string;
  /** Restart it when it dies unexpectedly. */
  restart: boolean;
}

export interface ChildState {
  name: string;
  kind: string;
  url: string;
  pid: number | undefined;
  status: 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'crashed';
  restarts: number;
  startedAt: string | undefined;
  lastExit: { code: number | null; signal: string | null; at: string } | undefined;
}

interface Managed {
  spec: ChildSpec;
  state: ChildState;
  process: ChildProcess | undefined;
  exited: Promise<void>;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Starts child processes, prints their logs as readable lines, restarts the ones that crash
 * (with a growing pause, so a child that cannot start does not spin), and stops them in reverse
 * order of start.
 */
export class ChildSupervisor {
  private readonly children = new Map<string, Managed>();
  private stopping = false;

  constructor(
    private readonly log: Logger,
    private readonly write: (line: string) => void,
    /** How a child's output line is shown (`formatLogLine` for a terminal; as it is for JSON logs). */
    private readonly format: LogFormat,
  ) {}

  get states(): ChildState[] {
    return [...this.children.values()].map((c) => ({ ...c.state }));
  }

  start(spec: ChildSpec): void {
    const managed: Managed = {
      spec,
      state: {
        name: spec.name,
        kind: spec.kind,
        url: spec.url,
        pid: undefined,
        status: 'starting',
        restarts: 0,
        startedAt: undefined,
        lastExit: undefined,
      },
      process: undefined,
      exited: Promise.resolve(),
      timer: undefined,
    };
    this.children.set(spec.name, managed);
    this.launch(managed);
  }

  private launch(managed: Managed): void {
    const { spec } = managed;
    // Its own process group, so a Ctrl-C reaches only the manager, which stops children in order;
    // the IPC channel tells the child when the manager is gone, so none outlives it.
    const child = spawn(process.execPath, [spec.script], {
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    managed.process = child;
    managed.state.pid = child.pid;
    managed.state.startedAt = new Date().toISOString();
    managed.state.status = managed.state.restarts > 0 ? 'restarting' : 'starting';
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.write(this.format(spec.name, line)));
    }
    managed.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        managed.process = undefined;
        managed.state.pid = undefined;
        managed.state.lastExit = { code, signal, at: new Date().toISOString() };
        if (this.stopping || managed.state.status === 'stopping') {
          managed.state.status = 'stopped';
        } else {
          managed.state.status = 'crashed';
          this.log.warn({ child: spec.name, code, signal }, `${spec.name} exited unexpectedly`);
          if (spec.restart) {
            const pause = Math.min(500 * 2 ** managed.state.restarts, 10_000);
            managed.state.restarts += 1;
            managed.timer = setTimeout(() => {
              if (this.stopping) return;
              this.log.info(
                { child: spec.name, restarts: managed.state.restarts },
                `restarting ${spec.name}`,
              );
              this.launch(managed);
            }, pause);
          }
        }
        resolve();
      });
    });
  }

  /** The state of one child, if it is supervised. */
  state(name: string): ChildState | undefined {
    const managed = this.children.get(name);
    return managed ? { ...managed.state } : undefined;
  }

  /** Stops supervising a child that was stopped: it leaves the status. */
  forget(name: string): void {
    const managed = this.children.get(name);
    if (managed && managed.process === undefined) this.children.delete(name);
  }

  markRunning(name: string): void {
    const managed = this.children.get(name);
    if (managed && managed.process) managed.state.status = 'running';
  }

  /** SIGTERM (a clean shutdown), then SIGKILL if it has not gone after `timeoutMs`. */
  async stop(name: string, timeoutMs = 30_000): Promise<void> {
    const managed = this.children.get(name);
    if (!managed) return;
    clearTimeout(managed.timer);
    managed.state.status = 'stopping';
    const child = managed.process;
    if (child) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => {
        this.log.warn({ child: name }, `${name} did not stop in time: killing it`);
        child.kill('SIGKILL');
      }, timeoutMs);
      await managed.exited;
      clearTimeout(killer);
    }
    managed.state.status = 'stopped';
  }

  /** Stops every child, those of one kind at a time, in reverse order of start. */
  async stopAll(kindsInOrder: string[]): Promise<void> {
    this.stopping = true;
    for (const kind of kindsInOrder) {
      await Promise.all(
        [...this.children.values()].filter((c) => c.spec.kind === kind).map((c) => this.stop(c.spec.name)),
      );
    }
    await Promise.all([...this.children.keys()].map((name) => this.stop(name)));
  }

  /** Kills everything now: the last resort when the manager itself is dying. */
  killAll(): void {
    for (const managed of this.children.values()) managed.process?.kill('SIGKILL');
  }
}
