import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { databaseUrl } from '../../test/support/test-env.js';
import { silentLogger } from '../logger.js';
import { dropDatabase, ensureDatabase } from './postgres.js';

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
