import pg from 'pg';
import {
  DatabaseMissingError,
  ServiceCredentialsError,
  ServiceTlsError,
  ServiceUnavailableError,
  ServiceUnreachableError,
  socketFailure,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { MIGRATIONS } from './migrations.js';

export type Pool = pg.Pool;

/** How long a connection may take to open before Postgres counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;

/** SQLSTATEs met on the way in (pg's DatabaseError `code`). */
const SQLSTATE = {
  invalidPassword: '28P01',
  /** A role that does not exist, or no pg_hba.conf line that lets it in. */
  invalidAuthorization: '28000',
  noSuchDatabase: '3D000',
  startingUp: '57P03',
  insufficientPrivilege: '42501',
  duplicateDatabase: '42P04',
} as const;

/** pg's own error, with no `code`, when the URL asks for TLS and the server offers none. */
const SERVER_WITHOUT_TLS = 'The server does not support SSL connections';

function describe(url: string): { host: string; database: string; user: string } {
  const parsed = new URL(url);
  return {
    host: `${parsed.hostname}:${parsed.port || '5432'}`,
    database: decodeURIComponent(parsed.pathname.slice(1)) || 'postgres',
    user: decodeURIComponent(parsed.username) || String(pg.defaults.user ?? ''),
  };
}

/**
 * Why a connection to the Postgres at `url` failed, as the error to throw: unreachable (refused, host
 * not found, starting up, no answer within `timedOutMs`), credentials refused, no such database, or a
 * TLS handshake that failed. Anything else keeps the driver's words. The password never appears.
 */
export function postgresConnectionError(
  url: string,
  err: unknown,
  timedOutMs?: number,
): ServiceUnavailableError {
  const { host, database, user } = describe(url);
  const code = (err as { code?: unknown } | null)?.code;
  const said = err instanceof Error ? err.message : String(err);
  const socket = socketFailure(err);
  const unreachable = (why: string) =>
    new ServiceUnreachableError(
      'Postgres',
      `Postgres is unreachable at ${host} (${why}): start it (for example ` +
        '`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`) or set DATABASE_URL.',
      err,
    );
  if (timedOutMs !== undefined) return unreachable(`no answer within ${timedOutMs / 1000} s`);
  if (code === SQLSTATE.startingUp) return unreachable('it is starting up');
  if (socket?.kind === 'unreachable') return unreachable(socket.why);
  if (socket?.kind === 'tls' || said === SERVER_WITHOUT_TLS)
    return new ServiceTlsError(
      'Postgres',
      `the TLS handshake with Postgres at ${host} failed (${said}): check sslmode and the certificates in DATABASE_URL.`,
      err,
    );
  if (code === SQLSTATE.invalidPassword || code === SQLSTATE.invalidAuthorization)
    return new ServiceCredentialsError(
      'Postgres',
      `Postgres at ${host} refused the credentials for user "${user}" (${said}): ` +
        'fix the user or password in DATABASE_URL.',
      err,
    );
  if (code === SQLSTATE.noSuchDatabase)
    return new DatabaseMissingError(
      database,
      `Postgres at ${host} has no database "${database}": create it, or name another in DATABASE_URL.`,
      err,
    );
  return new ServiceUnavailableError(
    'Postgres',
    `could not connect to Postgres at ${host} as "${user}": ${said}`,
    err,
  );
}

/**
 * Runs `connect` against the Postgres at `url`, which pg gives up after `timeoutMs` (0: never); its
 * failure is thrown as `postgresConnectionError` says.
 */
async function connecting<T>(url: string, timeoutMs: number, connect: () => Promise<T>): Promise<T> {
  // Set before pg's own timer of the same length, so it has fired by the time pg gives up.
  let timedOut = false;
  const deadline = timeoutMs > 0 ? setTimeout(() => (timedOut = true), timeoutMs) : undefined;
  try {
    return await connect();
  } catch (err) {
    throw postgresConnectionError(url, err, timedOut ? timeoutMs : undefined);
  } finally {
    clearTimeout(deadline);
  }
}

export interface PoolTimeouts {
  /** Postgres cancels a statement running longer (`statement_timeout`); the client gives up a little later. */
  statementTimeoutMs?: number;
}

export function createPool(url: string, max = 10, timeouts: PoolTimeouts = {}): Pool {
  const statement = timeouts.statementTimeoutMs;
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...(statement === undefined
      ? {}
      : {
          statement_timeout: statement,
          idle_in_transaction_session_timeout: statement * 2,
          // A server that stops answering (not just a slow statement) is given up on by the client.
          query_timeout: statement + 5_000,
        }),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs `work` on a client checked out of `pool`, and gives it back. pg-pool removes its own 'error'
 * listener from a client while it is checked out, so a server that goes away mid-work (a restart, an
 * outage) would end the process with an unhandled 'error' event: one is attached for the duration
 * (the work's own query fails with that error anyway). A client whose work failed is discarded.
 */
export async function withPooledClient<T>(
  pool: Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } catch (err) {
    // The connection may be gone even when the error came first and the event later: a new one is cheap.
    broken ??= err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/**
 * Runs `work` on a connection to the server's `postgres` database (where databases are created and
 * dropped), with the name of the database `url` points at. A failed connection says what failed.
 */
async function withServerAdmin<T>(
  url: string,
  work: (client: pg.Client, database: string) => Promise<T>,
): Promise<T> {
  const { database } = describe(url);
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const client = new pg.Client({
    connectionString: adminUrl.toString(),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  await connecting(adminUrl.toString(), CONNECT_TIMEOUT_MS, () => client.connect());
  try {
    return await work(client, database);
  } finally {
    await client.end();
  }
}

/** Creates the database named in `url` if it does not exist yet. */
export async function ensureDatabase(url: string, log: Logger): Promise<void> {
  await withServerAdmin(url, async (client, database) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount !== 0) return;
    try {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
      log.info({ database }, 'created database');
    } catch (err) {
      const code = (err as { code?: string }).code;
      // Another process created it between our check and our CREATE.
      if (code === SQLSTATE.duplicateDatabase) return;
      if (code === SQLSTATE.insufficientPrivilege) {
        const { host, user } = describe(url);
        throw new ServiceUnavailableError(
          'Postgres',
          `Postgres at ${host} has no database "${database}", and user "${user}" may not create it: ` +
            'create it, or grant that user CREATEDB.',
          err,
        );
      }
      throw err;
    }
  });
}

/** Drops the database named in `url`, with any session still on it (for a benchmark that owns it). */
export async function dropDatabase(url: string): Promise<void> {
  await withServerAdmin(url, async (client, database) => {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
  });
}

/** Applies the migrations not applied yet, under an advisory lock so concurrent starters take turns. */
export async function migrate(pool: Pool, log: Logger): Promise<number> {
  const { connectionString, connectionTimeoutMillis } = pool.options;
  const client = await connecting(String(connectionString), connectionTimeoutMillis ?? 0, () =>
    pool.connect(),
  );
  try {
    await client.query('SELECT pg_advisory_lock(7304417)');
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    let applied = 0;
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
      applied += 1;
      log.info({ version: migration.version, name: migration.name }, 'applied migration');
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock(7304417)').catch(() => undefined);
    client.release();
  }
}

/** Creates the database if needed, opens a pool and migrates: what every Postgres-using process does at start. */
export async function openDatabase(
  url: string,
  log: Logger,
  max = 10,
  timeouts: PoolTimeouts = {},
): Promise<Pool> {
  await ensureDatabase(url, log);
  const pool = createPool(url, max, timeouts);
  try {
    await migrate(pool, log);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return pool;
}
