import { fork, type ChildProcess } from 'node:child_process';

export interface ChildServerOptions {
  /** For messages: "baseline", "no-op". */
  name: string;
  /** The compiled main module; it must send `{ type: 'ready', url }` over IPC once listening. */
  modulePath: string | URL;
  args?: string[];
  /** The child's whole environment. */
  env: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

export interface ChildServer {
  url: string;
  pid: number | undefined;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  close(): Promise<void>;
}

const TAIL_BYTES = 4096;

/** Starts a server in a child process (its own event loop, its own core) and waits until it listens. */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const child: ChildProcess = fork(options.modulePath, options.args ?? [], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString()).slice(-TAIL_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (code, signal) => resolve([code, signal])),
  );

  const close = async (): Promise<void> => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(`${options.name} server not ready within ${options.readyTimeoutMs ?? 30_000} ms\n${tail}`),
      );
    }, options.readyTimeoutMs ?? 30_000);
    child.on('message', (message: { type?: string; url?: string }) => {
      if (message?.type === 'ready' && typeof message.url === 'string') {
        clearTimeout(timer);
        resolve(message.url);
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} server could not start: ${err.message}`));
    });
    void exited.then(([code, signal]) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} server exited (${signal ?? code}) before it was ready\n${tail}`));
    });
  }).catch(async (err: unknown) => {
    await close();
    throw err;
  });
  return { url, pid: child.pid, close };
}
