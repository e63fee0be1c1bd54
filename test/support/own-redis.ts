import { spawn, type ChildProcess } from 'node:child_process';
import { checkRedis } from '../../common/redis.js';
import { freePort } from './child-part.js';
import { waitFor } from './system.js';

export interface OwnRedis {
  url: string;
  /** Kills the server: every job it held is gone, as after a crash of a Redis that keeps nothing. */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port. */
  start(): Promise<void>;
}

/**
 * A Redis server of the test's own, on a port of its own, so the test can stop it. It listens on
 * `host` (default 127.0.0.1): an address of this host that other hosts reach, for a test of many.
 */
export async function ownRedis(options: { host?: string } = {}): Promise<OwnRedis> {
  const host = options.host ?? '127.0.0.1';
  const port = await freePort();
  const url = `redis://${host}:${port}`;
  let child: ChildProcess | undefined;
  const handle: OwnRedis = {
    url,
    async kill() {
      if (!child) return;
      const exited = new Promise((done) => child!.once('exit', done));
      child.kill('SIGKILL');
      await exited;
      child = undefined;
    },
    async start() {
      child = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no'],
          // Redis takes only loopback clients without a password unless told otherwise.
          ...(host === '127.0.0.1' ? [] : ['--protected-mode', 'no']),
        ],
        {
          stdio: 'ignore',
        },
      );
      child.once('error', () => undefined);
      await waitFor(
        () =>
          checkRedis(url, 500).then(
            () => true,
            () => false,
          ),
        10_000,
        `redis-server on port ${port} (is redis-server installed?)`,
      );
    },
  };
  await handle.start();
  return handle;
}
