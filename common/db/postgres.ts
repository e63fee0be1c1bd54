import pg from 'pg';
import { ServiceUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import { MIGRATIONS } from './migrations.js';

export type Pool = pg.Pool;

function describe(url: string): { host: string; database: string } {
  const parsed = new URL(url);
  return {
    host: `${parsed.hostname}:${parsed.port || '5432'}`,
    database: parsed.pathname.slice(1) || 'postgres',
  };
}

function unreachable(url: string, err: unknown): ServiceUnavailableError {
  const { host } = describe(url);
  return new ServiceUnavailableError(
    'Postgres',
    `Postgres is unreachable at ${host}: start it (for example ` +
      '`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`) or set DATABASE_URL.',
    err,
  );
}

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'ETIMEDOUT' ||
    code === 'ECONNRESET' ||
    code === '57P03' // the database system is starting up
  );
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
    connectionTimeoutMillis: 5_000,
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
 * dropped), with the name of the database `url` points at. An unreachable server says so plainly.
 */
async function withServerAdmin<T>(
  url: string,
  work: (client: pg.Client, database: string) => Promise<T>,
): Promise<T> {
  const { database } = describe(url);
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const client = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    throw unreachable(url, err);
  }
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
      // Another process created it between our check and our CREATE.
      if ((err as { code?: string }).code !== '42P04') throw err;
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
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    if (isConnectionError(err)) throw unreachable(String(pool.options.connectionString), err);
    throw err;
  }
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
