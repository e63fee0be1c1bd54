import { isIP } from 'node:net';
import { ConfigError } from './config.js';

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./.test(bare);
  return false;
}

/**
 * A process that serves admin routes beyond loopback must have a token: anyone who reaches an
 * open admin port can re-point all traffic. Throws a one-sentence `ConfigError` otherwise.
 */
export function assertAdminBinding(host: string, token: string | undefined): void {
  if (token === undefined && !isLoopback(host))
    throw new ConfigError(
      `refusing to serve admin routes on ${host} without ADMIN_TOKEN: set ADMIN_TOKEN, or bind ADMIN_HOST to 127.0.0.1`,
    );
}
