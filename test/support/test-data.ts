import { appendFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
// Brings 'vitest' into the program, so that the augmentation below has a module to augment.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { inject } from 'vitest';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './test-env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The file where this run's tests write the names they make (one per line). */
    testDataNamesFile: string;
  }
}

/**
 * Notes a name a test made (a grid namespace, or what its database is named after), so that the
 * end of the run removes what was stored under it. Writes synchronously: a worker may be killed.
 */
export function recordTestName(name: string): void {
  appendFileSync(inject('testDataNamesFile'), `${name}\n`);
}

/**
 * vitest globalSetup: at the end of the run, removes the databases and the BullMQ queues the
 * run's tests made (each test system has its own of both, named after its namespace; a stopped
 * queue keeps its completed jobs forever, so without this every run left ~17,000 keys in Redis
 * and ~30 databases in Postgres). Only names recorded by this run are touched, so another run on
 * the same services keeps its data. `KEEP_TEST_DATA=1` keeps everything, to look at afterwards.
 */
export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'spacegrid-test-run-'));
  const file = join(dir, 'names');
  await writeFile(file, '');
  provide('testDataNamesFile', file);
  return async () => {
    const names = [...new Set((await readFile(file, 'utf8')).split('\n').filter(Boolean))];
    await rm(dir, { recursive: true, force: true });
    if (process.env.KEEP_TEST_DATA === '1') {
      console.log(`KEEP_TEST_DATA=1: kept the databases and queues of ${names.length} test names`);
      return;
    }
    try {
      const removed = await removeTestData(names);
      console.log(
        `test data removed: ${removed.databases} databases, ${removed.keys} Redis keys (KEEP_TEST_DATA=1 keeps them)`,
      );
    } catch (err) {
      // Cleaning is a courtesy to the machine: it must not fail a run whose tests passed.
      console.warn(`test data not removed: ${(err as Error).message}`);
    }
  };
}

/** Drops the databases named `spacegrid_<name>` and deletes the BullMQ keys of queues `<name>-…`. */
export async function removeTestData(
  names: readonly string[],
  services: { databaseUrl?: string; redisUrl?: string } = {},
): Promise<{ databases: number; keys: number }> {
  if (names.length === 0) return { databases: 0, keys: 0 };
  const admin = new URL(services.databaseUrl ?? TEST_DATABASE_URL);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  let databases = 0;
  try {
    const found = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname = ANY($1)',
      [names.map((name) => `spacegrid_${name}`)],
    );
    for (const { datname } of found.rows) {
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
      databases += 1;
    }
  } finally {
    await client.end();
  }

  // Fails rather than waits when Redis is gone: the run is over, nothing will bring it back.
  const redis = new Redis(services.redisUrl ?? TEST_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 3_000,
    commandTimeout: 10_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  let keys = 0;
  try {
    await redis.connect();
    const ours = (key: string): boolean => {
      const queue = key.split(':')[1] ?? '';
      return names.some((name) => queue.startsWith(`${name}-`));
    };
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', 'bull:*', 'COUNT', 1000);
      cursor = next;
      const doomed = batch.filter(ours);
      if (doomed.length > 0) keys += await redis.unlink(...doomed);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return { databases, keys };
}
