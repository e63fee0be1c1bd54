/* eslint-disable @typescript-eslint/no-explicit-any -- admin answers are inspected loosely */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePortRange } from './child-part.js';
import { http, type HttpAnswer } from './http.js';
import { uniqueName, waitFor } from './system.js';
import { databaseUrl, TEST_REDIS_URL } from './test-env.js';

/** `npm start`'s deploy manager, started for real by a test, on ports and names of its own. */
export interface ManagerUnderTest {
  /** The messaging grid (the public API). */
  api: string;
  /** The admin API and dashboard. */
  admin: string;
  token: string;
  namespace: string;
  databaseUrl: string;
  /** The first port of the range this manager uses. */
  base: number;
  /** Everything the manager printed so far. */
  output(): string;
  /** An admin call with the token. */
  adminCall<T = any>(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<HttpAnswer<T>>;
  /** `GET /admin/status`. */
  status(): Promise<any>;
  /** SIGINT, as Ctrl-C; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, for cleanup after a failed test. */
  kill(): void;
  readonly process: ChildProcess;
}

/** Pids of every process whose command line contains `pattern`. */
export function pgrep(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', pattern]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface StartOptions {
  /** Runs before the manager starts, on the database it will use (not yet created). */
  prepare?: (databaseUrl: string) => Promise<void>;
  /** What the manager must print before this resolves: "spacegrid is running" unless told. */
  until?: string;
}

/**
 * Starts the deploy manager with two Hazelcast members of its own and `UNITS` units, and waits for
 * "spacegrid is running". Ports: members `base`, `base+1`; grid `base+2`; admin `base+3`; pump,
 * writer, reader `base+4..6`; the grid's admin port `base+7`; units from `base+8`.
 */
export async function startManager(
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<ManagerUnderTest> {
  const base = await freePortRange(24);
  const namespace = uniqueName('dm');
  const token = 'test-token-123';
  const dbUrl = databaseUrl(`spacegrid_${namespace}`);
  await options.prepare?.(dbUrl);
  const until = options.until ?? 'spacegrid is running';
  const child = spawn(process.execPath, [resolve('dist/deploy-manager/main.js')], {
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      HZ_MEMBERS: '',
      HZ_BASE_PORT: String(base),
      HZ_MEMBER_COUNT: '2',
      HZ_HEAP_MB: '256',
      HZ_CLUSTER_NAME: namespace,
      GRID_NAMESPACE: namespace,
      DATABASE_URL: dbUrl,
      REDIS_URL: TEST_REDIS_URL,
      PORT: String(base + 2),
      ADMIN_PORT: String(base + 3),
      ADMIN_TOKEN: token,
      PUMP_PORT: String(base + 4),
      WRITER_PORT: String(base + 5),
      READER_PORT: String(base + 6),
      GRID_ADMIN_PORT: String(base + 7),
      UNIT_BASE_PORT: String(base + 8),
      UNITS: '2',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code) => {
      exitCode = code;
      done(code);
    }),
  );
  await waitFor(
    () => {
      if (exitCode !== undefined)
        throw new Error(`the deploy manager exited with ${String(exitCode)}:\n${output}`);
      return output.includes(until);
    },
    180_000,
    `the manager to print "${until}"`,
  ).catch((err) => {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${output.slice(-5000)}`);
  });
  const admin = `http://127.0.0.1:${base + 3}`;
  const adminCall = <T>(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown) =>
    http<T>(method, `${admin}${path}`, body, { authorization: `Bearer ${token}` });
  return {
    api: `http://127.0.0.1:${base + 2}`,
    admin,
    token,
    namespace,
    databaseUrl: dbUrl,
    base,
    output: () => output,
    adminCall,
    status: async () => (await adminCall('GET', '/admin/status')).body,
    async stop() {
      child.kill('SIGINT');
      return exited;
    },
    kill() {
      if (exitCode === undefined) child.kill('SIGKILL');
    },
    process: child,
  };
}
