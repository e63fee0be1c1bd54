import { ServiceUnavailableError } from '../../common/errors.js';
import { ensureDatabase } from '../../common/db/postgres.js';
import { checkRedis } from '../../common/redis.js';
import { silentLogger } from '../../common/logger.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './test-env.js';

/**
 * vitest globalSetup: the tests talk to a real Postgres and a real Redis. If one is down the run
 * stops here with a sentence that names it, instead of a hundred timeouts.
 */
export default async function setup(): Promise<void> {
  const problems: string[] = [];
  try {
    await ensureDatabase(TEST_DATABASE_URL, silentLogger);
  } catch (err) {
    problems.push(err instanceof ServiceUnavailableError ? err.message : `Postgres: ${String(err)}`);
  }
  try {
    await checkRedis(TEST_REDIS_URL);
  } catch (err) {
    problems.push(err instanceof ServiceUnavailableError ? err.message : `Redis: ${String(err)}`);
  }
  if (problems.length > 0) throw new Error(`the tests need these services:\n- ${problems.join('\n- ')}`);
}
