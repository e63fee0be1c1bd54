import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../load-test/child-server.js';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './system.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export interface ChildPart {
  url: string;
  process: ChildProcess;
  output(): string;
  /** SIGKILL, as a crash; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, a clean shutdown; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** A TCP port free on 127.0.0.1 right now (the load-test harness's helper). */
export { freePort };

/** Where a part runs, when not on this host's loopback. */
export interface SpawnPartOptions {
  /**
   * Words put before `node`, such as `['ip', 'netns', 'exec', 'h1']` to run the part in a network
   * namespace of its own. They must exec the rest, not fork it (a kill must reach the part).
   */
  commandPrefix?: readonly string[];
  /** The address the part listens on (its HOST), one this process reaches; default 127.0.0.1. */
  host?: string;
  /** Its PORT; default a port free on this host's 127.0.0.1 right now. */
  port?: number;
}

/**
 * Runs one part of the system (`processing-unit`, `data-pump`, ...) from the build in `dist/`
 * as a child process, so a test can kill it for real. Resolves when `/healthz` answers.
 */
export async function spawnPart(
  part: string,
  env: Record<string, string>,
  options: SpawnPartOptions = {},
): Promise<ChildPart> {
  const port = options.port ?? (await freePort());
  const host = options.host ?? '127.0.0.1';
  const [command, ...args] = [
    ...(options.commandPrefix ?? []),
    process.execPath,
    resolve(REPO, 'dist', part, 'main.js'),
  ];
  const child = spawn(command!, args, {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: host },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = `http://${host}:${port}`;
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor(
    async () => {
      if (gone) throw new Error(`${part} exited during start:\n${output}`);
      return fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
    },
    60_000,
    `${part} to listen (did you run \`npm run build\`?)`,
    100,
  );
  return {
    url,
    process: child,
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * `count` consecutive free ports, searched from a random start in 20000..32000: below Linux's
 * ephemeral range (32768..60999), where any outgoing connection of any test may take a port between
 * this check and the moment a child listens on it (seen in CI: EADDRINUSE for the writer's port).
 */
export async function freePortRange(count: number): Promise<number> {
  const { createServer: create } = await import('node:net');
  const isFree = (port: number) =>
    new Promise<boolean>((done) => {
      const server = create();
      server.once('error', () => done(false));
      server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
    });
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - count));
    let ok = true;
    for (let i = 0; i < count && ok; i += 1) ok = await isFree(base + i);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}
