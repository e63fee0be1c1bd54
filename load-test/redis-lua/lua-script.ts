import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ServiceUnavailableError } from '../../common/errors.js';

/**
 * A Lua script run by its SHA-1 (`EVALSHA`): the script's text crosses the wire once, at
 * `load`, and again only if Redis has forgotten it (a restart, `SCRIPT FLUSH`: `NOSCRIPT`).
 */
export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async load(redis: Redis): Promise<void> {
    await redis.script('LOAD', this.source);
  }

  async run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      try {
        return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
        await this.load(redis);
        return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
      }
    } catch (err) {
      throw new ServiceUnavailableError('Redis', `Redis failed during the ${this.name} script`, err);
    }
  }
}
