import type { Redis } from 'ioredis';

const MIB = 1024 * 1024;

/**
 * What Redis holds in memory, MiB (`INFO memory`'s `used_memory`): the change queue's jobs live
 * there, and a queue whose depth stays flat can still grow Redis (completed jobs kept with their
 * whole change did, ~1 MiB a second in a flash sale). Null when Redis does not answer.
 */
export async function readRedisUsedMb(redis: Redis): Promise<number | null> {
  try {
    const used = /^used_memory:(\d+)\r?$/m.exec(await redis.info('memory'))?.[1];
    return used === undefined ? null : Number(used) / MIB;
  } catch {
    return null;
  }
}
