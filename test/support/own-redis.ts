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

/** A Redis server of the test's own, on a port of its own, so the test can stop it. */
export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
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
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
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
