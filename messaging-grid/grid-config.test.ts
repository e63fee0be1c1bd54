import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '../common/config.js';
import { GridEnv, gridConfigFromEnv } from './grid-config.js';

const configOf = (env: Record<string, string | undefined>) => gridConfigFromEnv(parseEnv(GridEnv, env));

describe('grid configuration', () => {
  it('has the documented defaults', () => {
    expect(configOf({})).toEqual({
      port: 8080,
      host: '127.0.0.1',
      unitUrls: ['http://127.0.0.1:8100', 'http://127.0.0.1:8101'],
      unitDiscovery: 'off',
      unitDiscoveryIntervalMs: 2000,
      healthIntervalMs: 500,
      healthTimeoutMs: 2000,
      maxInFlight: 20_000,
      maxConnections: 10_000,
      clientHeadersTimeoutMs: 10_000,
      clientRequestTimeoutMs: 30_000,
      clientIdleTimeoutMs: 5_000,
      requestTimeoutMs: 10_000,
      unitConnections: 64,
      adminPort: 8082,
      adminHost: '127.0.0.1',
      adminToken: undefined,
    });
  });

  it('refuses to serve its admin port beyond loopback without a token', () => {
    expect(() => configOf({ ADMIN_HOST: '0.0.0.0' })).toThrow(/refusing to serve admin routes on 0\.0\.0\.0/);
    expect(configOf({ ADMIN_HOST: '0.0.0.0', ADMIN_TOKEN: 'a-long-token' }).adminHost).toBe('0.0.0.0');
  });

  it('reads and normalizes the unit list, and is frozen', () => {
    const config = configOf({
      UNIT_URLS: ' http://127.0.0.1:8100/ , http://Unit-B:80,http://127.0.0.1:8100,https://u.example:8443',
      PORT: '9090',
      MAX_IN_FLIGHT: '5',
      ADMIN_TOKEN: 's3cret',
    });
    expect(config.unitUrls).toEqual(['http://127.0.0.1:8100', 'http://unit-b', 'https://u.example:8443']);
    expect(config.port).toBe(9090);
    expect(config.maxInFlight).toBe(5);
    expect(config.adminToken).toBe('s3cret');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.unitUrls)).toBe(true);
  });

  it('refuses unit URLs it cannot route to, saying which', () => {
    for (const bad of ['not a url', 'ftp://h:1', 'http://h:1/prefix', 'http://u:p@h:1', 'http://h:1/?q=1']) {
      expect(() => configOf({ UNIT_URLS: bad }), bad).toThrow(ConfigError);
    }
    expect(() => configOf({ UNIT_URLS: 'http://h:1/prefix' })).toThrow(/UNIT_URLS.*prefix/);
  });

  it('reads the unit discovery mode, and refuses one it does not know', () => {
    const config = configOf({ UNIT_DISCOVERY: 'dns', UNIT_DISCOVERY_INTERVAL_MS: '750' });
    expect(config.unitDiscovery).toBe('dns');
    expect(config.unitDiscoveryIntervalMs).toBe(750);
    expect(() => configOf({ UNIT_DISCOVERY: 'kubernetes' })).toThrow(/UNIT_DISCOVERY/);
    expect(() => configOf({ UNIT_DISCOVERY_INTERVAL_MS: '99' })).toThrow(/UNIT_DISCOVERY_INTERVAL_MS/);
  });

  it('refuses out-of-range numbers', () => {
    expect(() => configOf({ MAX_IN_FLIGHT: '0' })).toThrow(ConfigError);
    expect(() => configOf({ PORT: '70000' })).toThrow(ConfigError);
    expect(() => configOf({ HEALTH_INTERVAL_MS: 'often' })).toThrow(ConfigError);
    expect(() => configOf({ MAX_CONNECTIONS: '0' })).toThrow(ConfigError);
    expect(() => configOf({ CLIENT_IDLE_TIMEOUT_MS: '0' })).toThrow(ConfigError);
  });

  it('wants the whole-request timeout at least as long as the headers one', () => {
    expect(() => configOf({ CLIENT_HEADERS_TIMEOUT_MS: '5000', CLIENT_REQUEST_TIMEOUT_MS: '4999' })).toThrow(
      /CLIENT_REQUEST_TIMEOUT_MS.*CLIENT_HEADERS_TIMEOUT_MS/,
    );
    const config = configOf({ CLIENT_HEADERS_TIMEOUT_MS: '5000', CLIENT_REQUEST_TIMEOUT_MS: '5000' });
    expect(config.clientRequestTimeoutMs).toBe(5000);
  });
});
