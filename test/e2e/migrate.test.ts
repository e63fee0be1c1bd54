import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { dropDatabase } from '../../common/db/postgres.js';
import { uniqueName } from '../support/system.js';
import { databaseUrl } from '../support/test-env.js';

function migrate(url: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [resolve('dist/deploy-manager/migrate-main.js')], {
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => done({ code, output }));
  });
}

/** `npm run migrate` (its built entry point): a missing database is created and migrated, twice is harmless. */
describe('npm run migrate', () => {
  it('creates and migrates a database, and a second run changes nothing', async () => {
    const url = databaseUrl(`spacegrid_${uniqueName('mig')}`);
    try {
      const first = await migrate(url);
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
      const second = await migrate(url);
      expect(second.code).toBe(0);
      expect(second.output).not.toContain('applied migration');
    } finally {
      await dropDatabase(url);
    }
  });

  it('says in one sentence when Postgres cannot be reached', async () => {
    const { code, output } = await migrate('postgres://postgres@127.0.0.1:1/nothing');
    expect(code).toBe(1);
    expect(output).toMatch(/Postgres is unreachable at 127\.0\.0\.1:1/);
  });
});
