import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './child-part.js';

const run = promisify(execFile);

export interface OwnPostgres {
  /** A URL on this server for `database`. */
  url(database: string): string;
  /** Stops the server (fast shutdown: connections are cut), as an outage would. */
  stop(): Promise<void>;
  /** Starts it again on the same port, with the same data. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

/** The newest installed Postgres's binaries (Debian: /usr/lib/postgresql/<major>/bin). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d)) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`no Postgres server binaries under ${root}: apt-get install postgresql`);
  return join(root, newest, 'bin');
}

/**
 * A throwaway Postgres cluster of the test's own (initdb + pg_ctl on a free port of 127.0.0.1, trust
 * auth), so a test can stop it without harming any other. Postgres refuses to run as root: when
 * the test runs as root (as CI does), the server runs as the `postgres` user.
 */
export async function ownPostgres(): Promise<OwnPostgres> {
  const bin = binDir();
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'own-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const as = async (command: string, args: string[]) => {
    if (asRoot) return run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args]);
    return run(join(bin, command), args);
  };
  if (asRoot)
    await chown(
      dir,
      Number((await run('id', ['-u', 'postgres'])).stdout),
      Number((await run('id', ['-g', 'postgres'])).stdout),
    );
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=50`;
  const handle: OwnPostgres = {
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await as('pg_ctl', [
        '-D',
        data,
        '-o',
        options,
        '-l',
        join(dir, 'server.log'),
        '-w',
        '-t',
        '60',
        'start',
      ]);
    },
    async stop() {
      await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
    },
    async destroy() {
      await handle.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  await handle.start();
  return handle;
}
