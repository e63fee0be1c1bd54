import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startManager, type ManagerUnderTest } from '../support/deploy-manager.js';
import { http } from '../support/http.js';

/** The local addresses listening on `port` (IPv4 and IPv6), from the kernel's socket tables. */
function listening(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [address, localPort] = (fields[1] ?? '').split(':');
      if (localPort === hexPort && fields[3] === '0A') found.push(readableAddress(address!));
    }
  }
  return found;
}

function readableAddress(hex: string): string {
  if (hex.length === 8) {
    // IPv4, in the kernel's (little-endian) byte order.
    return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  }
  return /^0+$/.test(hex) ? '::' : hex;
}

/**
 * `HOST` opens the public API beyond loopback. Only the messaging grid is public: units, pump,
 * writer and reader are reached by the grid and the manager on this machine, and some of their
 * routes (the reader's restores, a unit without the grid in front of it) are not for clients.
 */
describe('npm start with HOST=0.0.0.0', { timeout: 240_000 }, () => {
  let manager: ManagerUnderTest | undefined;
  afterAll(() => manager?.kill());

  it('serves the API on every address, and everything else on loopback only', async () => {
    manager = await startManager({ HOST: '0.0.0.0', UNITS: '1' });
    const { base } = manager;
    expect(listening(base + 2)).toEqual(['0.0.0.0']); // the messaging grid
    for (const [name, port] of [
      ['Hazelcast member 1', base],
      ['Hazelcast member 2', base + 1],
      ['admin API', base + 3],
      ['data pump', base + 4],
      ['data writer', base + 5],
      ['data reader', base + 6],
      ["the grid's admin API", base + 7],
      ['unit-1', base + 8],
    ] as const) {
      expect([name, listening(port)]).toEqual([name, ['127.0.0.1']]);
    }
    // And the system works through it.
    expect((await http('GET', `http://127.0.0.1:${base + 2}/readyz`)).status).toBe(200);
    const status = await manager.status();
    expect(status.units.map((u: { state: string }) => u.state)).toEqual(['ready']);
    expect(await manager.stop()).toBe(0);
  });
});
