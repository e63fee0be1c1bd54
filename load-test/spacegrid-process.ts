import { spawn } from 'node:child_process';
import { dropDatabase } from '../common/db/postgres.js';
import { isReady } from './child-server.js';

/** The benchmark's own spacegrid database: dropped and created afresh by every run that starts spacegrid. */
export const DEFAULT_BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/spacegrid_bench';

export interface SpacegridProcess {
  /** The deploy manager's pid, when this started it (undefined for one already running). */
  pid: number | undefined;
  /** SIGINT (the same clean, ordered stop as Ctrl-C) and wait for it to exit. */
  close(): Promise<void>;
}

/**
 * Makes sure a spacegrid answers at `url`: if one is already running there it is used as it is;
 * otherwise the deploy manager (`npm start`'s process) is started with the port of `url`, a
 * grid namespace and an empty database of its own (`BENCH_DATABASE_URL`), and stopped by `close()`.
 */
export async function ensureSpacegrid(
  url: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<SpacegridProcess> {
  if (await isReady(url)) {
    log(`using the spacegrid already running at ${url}`);
    return { pid: undefined, close: async () => undefined };
  }
  const databaseUrl = env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL;
  // Every run starts from an empty grid and database: holds left by an earlier run would be warmed
  // into the grid and then expire during the rounds, charging their expiry to this run.
  log(
    `starting spacegrid for the benchmark (deploy manager, port ${new URL(url).port}, empty ${databaseUrl})...`,
  );
  await dropDatabase(databaseUrl);
  const child = spawn(process.execPath, [new URL('../deploy-manager/main.js', import.meta.url).pathname], {
    env: {
      ...env,
      PORT: new URL(url).port || '8080',
      LOG_LEVEL: 'warn',
      GRID_NAMESPACE: 'bench',
      DATABASE_URL: databaseUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4096));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 300_000;
  while (!(await isReady(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`spacegrid did not start:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  log('spacegrid is ready');
  return {
    pid: child.pid,
    async close() {
      if (child.exitCode !== null) return;
      child.kill('SIGINT');
      await exited;
    },
  };
}

/**
 * Sets spacegrid's unit count through the deploy manager's admin API (`PUT /admin/units`) and
 * waits until exactly that many units run and are ready.
 */
export async function setUnitCount(adminUrl: string, token: string, count: number): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const put = await fetch(`${adminUrl}/admin/units`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ count }),
  });
  if (put.status !== 202)
    throw new Error(`PUT ${adminUrl}/admin/units answered ${put.status}: ${await put.text()}`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const status = (await (await fetch(`${adminUrl}/admin/status`, { headers })).json()) as {
      units: Array<{ state: string }>;
    };
    if (status.units.length === count && status.units.every((u) => u.state === 'ready')) return;
    if (Date.now() > deadline) throw new Error(`${count} units were not ready within 120 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
