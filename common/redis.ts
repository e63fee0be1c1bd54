import { Redis, ReplyError } from 'ioredis';
import {
  ServiceCredentialsError,
  ServiceTlsError,
  ServiceUnavailableError,
  ServiceUnreachableError,
  socketFailure,
} from './errors.js';

function address(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '6379'}`;
}

function redisUnreachable(url: string, cause?: unknown, why?: string): ServiceUnavailableError {
  return new ServiceUnreachableError(
    'Redis',
    `Redis is unreachable at ${address(url)}${why ? ` (${why})` : ''}: start it (for example ` +
      '`redis-server --daemonize yes --port 6379 --save ""`) or set REDIS_URL.',
    cause,
  );
}

/**
 * Why a connection to the Redis at `url` failed, as the error to throw: unreachable (refused, host
 * not found, no answer within `timedOutMs`), a password wanted or refused, or a TLS handshake that
 * failed. Anything else keeps the client's words. The password never appears.
 */
export function redisConnectionError(
  url: string,
  err: unknown,
  timedOutMs?: number,
): ServiceUnavailableError {
  const parsed = new URL(url);
  const at = address(url);
  const socket = socketFailure(err);
  if (timedOutMs !== undefined) {
    const tls =
      parsed.protocol === 'rediss:' ? ': REDIS_URL asks for TLS (rediss://), does the server speak it?' : '';
    return redisUnreachable(url, err, `no answer within ${timedOutMs / 1000} s${tls}`);
  }
  if (socket?.kind === 'unreachable') return redisUnreachable(url, err, socket.why);
  if (socket?.kind === 'tls')
    return new ServiceTlsError(
      'Redis',
      `the TLS handshake with Redis at ${at} failed (${socket.why}): check REDIS_URL (rediss://) and the server's certificate.`,
      err,
    );
  // A Redis error reply starts with its code, in capitals.
  const reply = err instanceof ReplyError ? String((err as Error).message).split(' ', 1)[0] : undefined;
  if (reply === 'NOAUTH')
    return new ServiceCredentialsError(
      'Redis',
      `Redis at ${at} wants a password, and REDIS_URL gives none: put it in REDIS_URL (redis://:PASSWORD@${at}).`,
      err,
    );
  if (reply === 'WRONGPASS')
    return new ServiceCredentialsError(
      'Redis',
      `Redis at ${at} refused the credentials for user "${decodeURIComponent(parsed.username) || 'default'}": ` +
        'fix the user or password in REDIS_URL.',
      err,
    );
  const said = err instanceof Error ? err.message : String(err);
  return new ServiceUnavailableError('Redis', `could not use Redis at ${at}: ${said}`, err);
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

/** Fails, saying what failed (see `redisConnectionError`), unless Redis answers a PING within `timeoutMs`. */
export async function checkRedis(url: string, timeoutMs = 5_000): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The client's first 'error' is the cause; connect() itself only says "Connection is closed."
  let cause: unknown;
  redis.on('error', (err: unknown) => (cause ??= err));
  const answered = redis.connect().then(() => redis.ping());
  // When the deadline comes first, the check's own failure comes later, to nobody.
  answered.catch(() => undefined);
  let timedOut = false;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, fail) => {
    deadline = setTimeout(() => {
      timedOut = true;
      fail(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([answered, late]);
  } catch (err) {
    throw redisConnectionError(url, cause ?? err, timedOut ? timeoutMs : undefined);
  } finally {
    clearTimeout(deadline);
    redis.disconnect();
  }
}
