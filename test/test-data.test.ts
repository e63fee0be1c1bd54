import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createPool, ensureDatabase } from '../common/db/postgres.js';
import { silentLogger } from '../common/logger.js';
import { createRedis } from '../common/redis.js';
import { gridNames } from '../common/map-names.js';
import { removeTestData } from './support/test-data.js';
import { uniqueName } from './support/system.js';
import { databaseUrl, TEST_DATABASE_URL, TEST_REDIS_URL } from './support/test-env.js';

describe('the end-of-run cleanup of test data', () => {
  it("drops a recorded name's database and queue keys, and leaves another name's alone", async () => {
    const [ours, theirs] = [uniqueName('clean'), uniqueName('keep')];
    await ensureDatabase(databaseUrl(`spacegrid_${ours}`), silentLogger);
    await ensureDatabase(databaseUrl(`spacegrid_${theirs}`), silentLogger);
    const redis = createRedis(TEST_REDIS_URL);
    for (const name of [ours, theirs]) {
      // Shares `redis`: closing the queue leaves it open.
      const queue = new Queue(gridNames(name).changeQueue, { connection: redis });
      await queue.add('change', { n: 1 });
      await queue.close();
    }
    const keysOf = async (name: string) => (await redis.keys(`bull:${name}-*`)).length;
    try {
      // Nothing recorded, nothing touched.
      await removeTestData([]);
      expect(await keysOf(ours)).toBeGreaterThan(0);
      expect(await exists([`spacegrid_${ours}`])).toEqual([`spacegrid_${ours}`]);
      await removeTestData([ours]);
      expect(await keysOf(ours)).toBe(0);
      expect(await keysOf(theirs)).toBeGreaterThan(0);
      const left = await exists([`spacegrid_${ours}`, `spacegrid_${theirs}`]);
      expect(left).toEqual([`spacegrid_${theirs}`]);
    } finally {
      await removeTestData([theirs]);
      redis.disconnect();
    }
    expect(await exists([`spacegrid_${theirs}`])).toEqual([]);
  });
});

async function exists(names: string[]): Promise<string[]> {
  const pool = createPool(TEST_DATABASE_URL, 1);
  try {
    const found = await pool.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname = ANY($1) ORDER BY datname',
      [names],
    );
    return found.rows.map((row) => row.datname);
  } finally {
    await pool.end();
  }
}
