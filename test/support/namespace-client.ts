import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** One grid call: `get` when `value` is absent, else `set`. */
export interface GridCall {
  map: string;
  key: string;
  value?: string;
}

export interface GridCallResult extends GridCall {
  ok: boolean;
  /** The class of the error it failed with (`SplitBrainProtectionError`), when it failed. */
  error?: string;
  message?: string;
}

export interface NamespaceProbe {
  calls: GridCallResult[];
  /** The first call, made again in a route of a units' HTTP server: what a client of a unit gets. */
  http: { status: number; retryAfter: string | null; body: { error?: { code: string } } };
}

/**
 * The child's program: a Hazelcast client of one member only (no smart routing), the calls in
 * order, then the first call again inside a route of `createHttpServer` from the build (the
 * server every unit runs, with the one error mapping of common/http-errors.ts).
 */
const PROGRAM = `
import { Client } from 'hazelcast-client';
const input = JSON.parse(process.env.SPACEGRID_PROBE);
const { createHttpServer } = await import(input.dist + '/common/http-server.js');
const { silentLogger } = await import(input.dist + '/common/logger.js');
const client = await Client.newHazelcastClient({
  clusterName: input.clusterName,
  network: { clusterMembers: [input.member], smartRouting: false },
  connectionStrategy: { connectionRetry: { clusterConnectTimeoutMillis: 20000 } },
  properties: { 'hazelcast.logging.level': 'ERROR' },
});
const calls = [];
for (const call of input.calls) {
  const map = await client.getMap(call.map);
  try {
    if (call.value === undefined) await map.get(call.key);
    else await map.set(call.key, call.value);
    calls.push({ ...call, ok: true });
  } catch (err) {
    calls.push({ ...call, ok: false, error: err.constructor.name, message: String(err.message).split('\\n')[0] });
  }
}
const first = input.calls[0];
const app = createHttpServer({ log: silentLogger });
app.get('/probe', async () => {
  await (await client.getMap(first.map)).get(first.key);
  return {};
});
const res = await app.inject({ method: 'GET', url: '/probe' });
const http = { status: res.statusCode, retryAfter: res.headers['retry-after'] ?? null, body: res.json() };
await app.close();
await client.shutdown();
process.stdout.write(JSON.stringify({ calls, http }) + '\\n');
`;

/**
 * Runs a Hazelcast client in network namespace `ns` (a child process: this one cannot change its
 * namespace), connected to `member` alone, and reports what each call did. Uses the build in
 * `dist/` for the HTTP part.
 */
export async function probeFromNamespace(
  ns: string,
  opts: { clusterName: string; member: string; calls: GridCall[] },
): Promise<NamespaceProbe> {
  const dist = resolve(REPO, 'dist');
  const built = await readFile(resolve(dist, 'common', 'http-errors.js'), 'utf8').catch(() => '');
  if (!built.includes('SplitBrainProtectionError')) {
    throw new Error('dist/ is missing or older than common/http-errors.ts: run `npm run build` first');
  }
  const env = { ...process.env, SPACEGRID_PROBE: JSON.stringify({ ...opts, dist }) };
  const { stdout } = await run(
    'ip',
    ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', PROGRAM],
    { cwd: REPO, env, timeout: 60_000, killSignal: 'SIGKILL' },
  ).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`the client in ${ns} failed:\n${err.stderr ?? ''}${err.stdout ?? ''}`, { cause: err });
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as NamespaceProbe;
}
