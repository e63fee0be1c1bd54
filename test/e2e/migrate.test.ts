import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { dropDatabase } from '../../common/db/postgres.js';
import { uniqueName } from '../support/system.js';
import { databaseUrl } from '../support/test-env.js';
import { runMigrate } from '../support/migrate-process.js';

/** `npm run migrate` (its built entry point): a missing database is created and migrated, twice is harmless. */
describe('npm run migrate', () => {
  it('creates and migrates a database, and a second run changes nothing', async () => {
    const url = databaseUrl(`spacegrid_${uniqueName('mig')}`);
    try {
      const first = await runMigrate(url);
      expect(first.code, first.output).toBe(0);
      expect(first.output).toContain('the database is migrated');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const tables = await client.query<{ name: string }>(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
        );
        expect(tables.rows.map((r) => r.name)).toEqual(
          expect.arrayContaining([
            'events',
            'sections',
            'holds',
            'orders',
            'auctions',
            'bids',
            'change_repairs',
          ]),
        );
      } finally {
        await client.end();
      }
      const second = await runMigrate(url);
      expect(second.code).toBe(0);
      expect(second.output).not.toContain('applied migration');
    } finally {
      await dropDatabase(url);
    }
  });

  it('says in one sentence when Postgres cannot be reached', async () => {
    const { code, output } = await runMigrate('postgres://postgres@127.0.0.1:1/nothing');
    expect(code).toBe(1);
    expect(output).toMatch(/Postgres is unreachable at 127\.0\.0\.1:1/);
  });
});
