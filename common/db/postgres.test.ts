import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { databaseUrl } from '../../test/support/test-env.js';
import { silentLogger } from '../logger.js';
import { createPool, dropDatabase, ensureDatabase, withPooledClient } from './postgres.js';

async function exists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('ensureDatabase and dropDatabase (real Postgres)', () => {
  it('creates a database once, and drops it even with a session still open on it', async () => {
    const name = `spacegrid_dbtest_${process.pid}`;
    const url = databaseUrl(name);
    await dropDatabase(url);
    await ensureDatabase(url, silentLogger);
    await ensureDatabase(url, silentLogger);
    expect(await exists(name)).toBe(true);

    const session = new pg.Client({ connectionString: url });
    session.on('error', () => undefined);
    await session.connect();
    await dropDatabase(url);
    expect(await exists(name)).toBe(false);
    await session.end().catch(() => undefined);

    // Dropping what is not there is not an error.
    await expect(dropDatabase(url)).resolves.toBeUndefined();
  });

  it('says which service is down and how to start it when Postgres cannot be reached', async () => {
    await expect(dropDatabase('postgres://postgres@127.0.0.1:1/nothing')).rejects.toThrow(/Postgres/);
  });
});

describe('withPooledClient (real Postgres)', () => {
  it('survives the server closing a checked-out connection, and discards that client', async () => {
    const url = databaseUrl('postgres');
    const pool = createPool(url, 1);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // Without an 'error' listener on the checked-out client, this kills the test process.
      await expect(
        withPooledClient(pool, async (client) => {
          const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
          await admin.query('SELECT pg_terminate_backend($1)', [pid]);
          await client.query('SELECT pg_sleep(5)');
        }),
      ).rejects.toThrow();
      // The pool gives a fresh, working connection next.
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    } finally {
      await admin.end();
      await pool.end();
    }
  });
});
