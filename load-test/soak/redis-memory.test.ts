import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../common/redis.js';
import { TEST_REDIS_URL } from '../../test/support/test-env.js';
import { readRedisUsedMb } from './redis-memory.js';

describe('readRedisUsedMb, on the real Redis', () => {
  const redis = createRedis(TEST_REDIS_URL);
  const key = `redis-memory-test-${process.pid}`;
  afterAll(async () => {
    await redis.del(key);
    redis.disconnect();
  });

  it('reads used_memory in MiB, and sees a 4 MiB value arrive', async () => {
    const before = await readRedisUsedMb(redis);
    expect(before).toBeGreaterThan(0);
    await redis.set(key, 'x'.repeat(4 * 1024 * 1024));
    const after = await readRedisUsedMb(redis);
    expect(after! - before!).toBeGreaterThan(3.5);
  });

  it('is null when Redis does not answer', async () => {
    const gone = createRedis('redis://127.0.0.1:1', { offline: 'fail' });
    try {
      expect(await readRedisUsedMb(gone)).toBeNull();
    } finally {
      gone.disconnect();
    }
  });
});
