import { describe, expect, it } from 'vitest';
import { assertAdminBinding, isLoopback } from './admin-binding.js';
import { ConfigError } from './config.js';

describe('admin binding', () => {
  it('knows loopback addresses', () => {
    for (const host of [
      '127.0.0.1',
      '127.3.2.1',
      '::1',
      '[::1]',
      'localhost',
      'LOCALHOST',
      '::ffff:127.0.0.1',
    ])
      expect(isLoopback(host), host).toBe(true);
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.5',
      '192.168.1.1',
      'example.com',
      '128.0.0.1',
      '::ffff:10.0.0.1',
    ])
      expect(isLoopback(host), host).toBe(false);
  });

  it('refuses a non-loopback admin address without a token, in one sentence', () => {
    expect(() => assertAdminBinding('0.0.0.0', undefined)).toThrow(ConfigError);
    expect(() => assertAdminBinding('0.0.0.0', undefined)).toThrow(
      /^refusing to serve admin routes on 0\.0\.0\.0 without ADMIN_TOKEN: [^\n]*$/,
    );
    expect(() => assertAdminBinding('0.0.0.0', 'a-long-token')).not.toThrow();
    expect(() => assertAdminBinding('127.0.0.1', undefined)).not.toThrow();
  });
});
