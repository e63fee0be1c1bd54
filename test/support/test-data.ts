import { appendFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
// Brings 'vitest' into the program, so that the augmentation below has a module to augment.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { inject } from 'vitest';
import { dropDatabase } from '../../common/db/postgres.js';
import { gridNames } from '../../common/map-names.js';
import { databaseUrl, TEST_REDIS_URL } from './test-env.js';

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
      await removeTestData(names);
      console.log(
        `test data removed: the databases and change queues of ${names.length} test names (KEEP_TEST_DATA=1 keeps them)`,
      );
    } catch (err) {
      // Cleaning is a courtesy to the machine: it must not fail a run whose tests passed.
      console.warn(`test data not removed: ${(err as Error).message}`);
    }
  };
}

/**
 * Drops the database `spacegrid_<name>` and obliterates the change queue of namespace `<name>`, for
 * each name (either may never have been made: both are no-ops then).
 */
export async function removeTestData(names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  for (const name of names) await dropDatabase(databaseUrl(`spacegrid_${name}`));
  // Fails rather than waits when Redis is gone: the run is over, nothing will bring it back.
  const redis = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 3_000,
    commandTimeout: 10_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    for (const name of names) {
      // A queue given a connection shares it: closing the queue leaves it open for the next.
      const queue = new Queue(gridNames(name).changeQueue, { connection: redis });
      await queue.obliterate({ force: true });
      await queue.close();
    }
  } finally {
    redis.disconnect();
  }
}
