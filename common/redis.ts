import { Redis } from 'ioredis';
import { ServiceUnavailableError } from './errors.js';

export function redisUnreachable(url: string, cause?: unknown): ServiceUnavailableError {
  const parsed = new URL(url);
  return new ServiceUnavailableError(
    'Redis',
    `Redis is unreachable at ${parsed.hostname}:${parsed.port || '6379'}: start it (for example ` +
      '`redis-server --daemonize yes --port 6379 --save ""`) or set REDIS_URL.',
    cause,
  );
}

/**
 * A Redis connection for BullMQ. `maxRetriesPerRequest: null` is what BullMQ workers require;
 * producers pass `offline: 'fail'` so a Redis outage fails fast instead of queueing forever.
 */
export function createRedis(url: string, options: { offline?: 'queue' | 'fail' } = {}): Redis {
  const failFast = options.offline === 'fail';
  const redis = new Redis(url, {
    maxRetriesPerRequest: failFast ? 1 : null,
    enableOfflineQueue: !failFast,
    connectTimeout: 3_000,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(200 * times, 2_000),
  });
  // Connection errors are reported by the commands that fail; keep them from crashing the process.
  redis.on('error', () => undefined);
  return redis;
}

/** Fails with a clear message if Redis does not answer a PING within a few seconds. */
export async function checkRedis(url: string, timeoutMs = 5_000): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw redisUnreachable(url, err);
  } finally {
    redis.disconnect();
  }
}
