import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

export interface ChildServerOptions {
  /** For messages: "baseline", "no-op". */
  name: string;
  /**
   * The compiled main module; it must send `{ type: 'ready', url }` over IPC once listening,
   * unless `readyUrl` is given.
   */
  modulePath: string | URL;
  /** The server's base URL, known beforehand: ready once its `GET /readyz` answers 200. */
  readyUrl?: string;
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
    if (options.readyUrl !== undefined) {
      const base = options.readyUrl;
      void pollReady(base, exited).then((ready) => {
        if (!ready) return;
        clearTimeout(timer);
        resolve(base);
      });
    }
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

/** Polls `GET <base>/readyz` until it answers 200 (true) or the child exits (false). */
async function pollReady(base: string, exited: Promise<unknown>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  while (!gone) {
    if (await isReady(base)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** Whether the server at `base` answers `GET /readyz` with 2xx now (not listening: false). */
export async function isReady(base: string): Promise<boolean> {
  try {
    const response = await fetch(`${base}/readyz`);
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** A TCP port free on 127.0.0.1 right now (for a child that must be told its port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
