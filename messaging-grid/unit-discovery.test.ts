import { createSocket, type Socket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/logger.js';
import { buildGrid, type Grid } from './build-grid.js';
import type { GridConfig } from './grid-config.js';
import { lookupAll, unitUrlsAt, type ResolveHost } from './unit-discovery.js';
import type { UnitStatus } from './unit-pool.js';

// ---------------------------------------------------------------------------------------------
// A DNS server: answers A queries for the names it is given, from what they are set to right now.
// ---------------------------------------------------------------------------------------------

/** What a name answers: its IPv4 addresses, SERVFAIL, or no records at all. */
type Answer = string[] | 'servfail' | 'empty';

interface DnsServer {
  readonly port: number;
  /** Names it knows, lower case; any other name is NXDOMAIN. */
  readonly names: Map<string, Answer>;
  close(): Promise<void>;
}

const A = 1;
const IN = 1;

/** The name of the first question (labels joined by dots, lower case) and where the question ends. */
function readQuestion(query: Buffer): { name: string; end: number } {
  const labels: string[] = [];
  let at = 12;
  while (query[at]! !== 0) {
    const length = query[at]!;
    labels.push(query.toString('latin1', at + 1, at + 1 + length));
    at += 1 + length;
  }
  return { name: labels.join('.').toLowerCase(), end: at + 1 + 4 };
}

function answerFor(query: Buffer, names: Map<string, Answer>): Buffer {
  const { name, end } = readQuestion(query);
  const type = query.readUInt16BE(end - 4);
  const answer = names.get(name);
  const rcode = answer === undefined ? 3 : answer === 'servfail' ? 2 : 0;
  const addresses = Array.isArray(answer) && type === A ? answer : [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header[2] = 0x80 | 0x04 | (query[2]! & 0x01); // response, authoritative, recursion desired as asked
  header[3] = 0x80 | rcode; // recursion available
  header.writeUInt16BE(1, 4); // the question, as asked
  header.writeUInt16BE(addresses.length, 6);
  const records = addresses.map((address) => {
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    record.writeUInt16BE(A, 2);
    record.writeUInt16BE(IN, 4);
    record.writeUInt32BE(0, 6); // TTL 0
    record.writeUInt16BE(4, 10);
    address.split('.').forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
    return record;
  });
  return Buffer.concat([header, query.subarray(12, end), ...records]);
}

async function startDnsServer(): Promise<DnsServer> {
  const names = new Map<string, Answer>();
  const socket: Socket = createSocket('udp4');
  socket.on('message', (query, from) => {
    socket.send(answerFor(query, names), from.port, from.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return {
    port: (socket.address() as AddressInfo).port,
    names,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

// ---------------------------------------------------------------------------------------------
// Unit-like servers: one per 127.0.0.x address, all on the same port, as containers are.
// ---------------------------------------------------------------------------------------------

interface FakeUnit {
  readonly address: string;
  readonly url: string;
  /** What `/readyz` says. */
  ready: boolean;
}

interface FakeUnits {
  readonly port: number;
  readonly units: Map<string, FakeUnit>;
  close(): Promise<void>;
}

function unitServer(unit: FakeUnit): Server {
  return createServer((req, res) => {
    const ready = req.url !== '/readyz' || unit.ready;
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/readyz' ? { ready } : { unit: unit.address }));
  });
}

async function listen(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Listens on each address with one port: the first address picks it, the others follow. */
async function startUnits(addresses: readonly string[]): Promise<FakeUnits> {
  for (let attempt = 1; ; attempt++) {
    const servers: Server[] = [];
    const units = new Map<string, FakeUnit>();
    let port = 0;
    try {
      for (const address of addresses) {
        const unit: FakeUnit = { address, url: '', ready: true };
        const server = unitServer(unit);
        servers.push(server);
        await listen(server, port, address);
        port = (server.address() as AddressInfo).port;
        units.set(address, Object.assign(unit, { url: `http://${address}:${port}` }));
      }
      const close = async () => {
        for (const server of servers) server.closeAllConnections();
        await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
      };
      return { port, units, close };
    } catch (err) {
      for (const server of servers) server.close();
      // Another process had the port on one of the addresses: pick another.
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 5) throw err;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const NAME = 'units.spacegrid.test';
const OTHER_NAME = 'other-units.spacegrid.test';
const ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
const TOKEN = 'test-admin-token';
const client = new Agent({ connections: 16 });

let dns: DnsServer;
let fakes: FakeUnits;
const url = (address: string) => `http://${address}:${fakes.port}`;

/**
 * The real resolver pointed at the test's DNS server, and a way to wait for rounds: resolutions
 * start one at a time, so when the second one after a change starts, a whole round that saw the
 * change has been applied (its units set and health-checked).
 */
function testResolver(): { resolveHost: ResolveHost; afterResolutions(n: number): Promise<void> } {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([`127.0.0.1:${dns.port}`]);
  const waiting: Array<{ left: number; done: () => void }> = [];
  return {
    resolveHost: (hostname) => {
      for (const waiter of [...waiting]) {
        if (--waiter.left > 0) continue;
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.done();
      }
      return resolver.resolve4(hostname);
    },
    afterResolutions: (n) => new Promise((done) => waiting.push({ left: n, done })),
  };
}

function gridConfig(unitUrls: string[]): GridConfig {
  return Object.freeze({
    port: 0,
    host: '127.0.0.1',
    unitUrls,
    unitDiscovery: 'dns',
    unitDiscoveryIntervalMs: 20,
    healthIntervalMs: 25,
    healthTimeoutMs: 1000,
    maxInFlight: 1000,
    requestTimeoutMs: 5000,
    unitConnections: 4,
    adminPort: 0,
    adminHost: '127.0.0.1',
    adminToken: TOKEN,
  });
}

async function units(grid: Grid): Promise<Record<string, UnitStatus['state']>> {
  const response = await request(`${grid.adminUrl}/admin/units`, {
    dispatcher: client,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const { units } = (await response.body.json()) as { units: UnitStatus[] };
  return Object.fromEntries(units.map((unit) => [unit.url, unit.state]));
}

/** The units that answered requests about 64 different events, each asked twice (the same unit both times). */
async function answeringUnits(grid: Grid): Promise<string[]> {
  const answered = new Set<string>();
  for (let i = 0; i < 64; i++) {
    const owners = new Set<string>();
    for (let time = 0; time < 2; time++) {
      const response = await request(`${grid.url}/events/event-${i}`, { dispatcher: client });
      expect(response.statusCode).toBe(200);
      owners.add(((await response.body.json()) as { unit: string }).unit);
    }
    expect([...owners], `event-${i} stays with one unit`).toHaveLength(1);
    answered.add([...owners][0]!);
  }
  return [...answered].sort();
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  dns = await startDnsServer();
  fakes = await startUnits(ADDRESSES);
});

afterAll(async () => {
  await fakes.close();
  await dns.close();
  await client.close();
});

describe('unit discovery by DNS', () => {
  let grid: Grid | undefined;

  afterEach(async () => {
    await grid?.close();
    grid = undefined;
    dns.names.clear();
    for (const unit of fakes.units.values()) unit.ready = true;
  });

  it('routes to every address the name has, and follows the answer as it changes', async () => {
    dns.names.set(NAME, ['127.0.0.2', '127.0.0.3']);
    const resolver = testResolver();
    grid = buildGrid(gridConfig([`http://${NAME}:${fakes.port}`]), silentLogger, resolver);
    await grid.start();
    expect(await units(grid)).toEqual({ [url('127.0.0.2')]: 'ready', [url('127.0.0.3')]: 'ready' });
    expect(await answeringUnits(grid)).toEqual(['127.0.0.2', '127.0.0.3']);

    dns.names.set(NAME, ['127.0.0.5', '127.0.0.3', '127.0.0.4']);
    await resolver.afterResolutions(2);
    expect(await units(grid)).toEqual({
      [url('127.0.0.3')]: 'ready',
      [url('127.0.0.4')]: 'ready',
      [url('127.0.0.5')]: 'ready',
    });
    expect(await answeringUnits(grid)).toEqual(['127.0.0.3', '127.0.0.4', '127.0.0.5']);
  });

  it('keeps the units it had while the name fails to resolve or resolves to nothing', async () => {
    dns.names.set(NAME, ['127.0.0.2', '127.0.0.3']);
    const resolver = testResolver();
    grid = buildGrid(gridConfig([`http://${NAME}:${fakes.port}`]), silentLogger, resolver);
    await grid.start();
    const before = { [url('127.0.0.2')]: 'ready', [url('127.0.0.3')]: 'ready' };

    for (const answer of ['servfail', 'empty'] as const) {
      dns.names.set(NAME, answer);
      await resolver.afterResolutions(2);
      expect(await units(grid), answer).toEqual(before);
      expect(await answeringUnits(grid), answer).toEqual(['127.0.0.2', '127.0.0.3']);
    }
    dns.names.delete(NAME); // NXDOMAIN
    await resolver.afterResolutions(2);
    expect(await units(grid)).toEqual(before);

    dns.names.set(NAME, ['127.0.0.4']);
    await resolver.afterResolutions(2);
    expect(await answeringUnits(grid)).toEqual(['127.0.0.4']);
  });

  it('routes to the URL as written until its name has ever resolved', async () => {
    dns.names.set(NAME, 'servfail');
    const resolver = testResolver();
    grid = buildGrid(gridConfig([`http://${NAME}:${fakes.port}`]), silentLogger, resolver);
    await grid.start();
    expect(Object.keys(await units(grid))).toEqual([`http://${NAME}:${fakes.port}`]);

    dns.names.set(NAME, ['127.0.0.2']);
    await resolver.afterResolutions(2);
    expect(await units(grid)).toEqual({ [url('127.0.0.2')]: 'ready' });
  });

  it('sends nothing to a unit that appears until it is ready', async () => {
    dns.names.set(NAME, ['127.0.0.2']);
    const resolver = testResolver();
    grid = buildGrid(gridConfig([`http://${NAME}:${fakes.port}`]), silentLogger, resolver);
    await grid.start();

    fakes.units.get('127.0.0.3')!.ready = false;
    dns.names.set(NAME, ['127.0.0.2', '127.0.0.3']);
    await resolver.afterResolutions(2);
    expect(await units(grid)).toEqual({ [url('127.0.0.2')]: 'ready', [url('127.0.0.3')]: 'down' });
    expect(await answeringUnits(grid)).toEqual(['127.0.0.2']);
  });

  it('takes the names to resolve from PUT /admin/units, and applies them before answering', async () => {
    dns.names.set(NAME, ['127.0.0.2']);
    dns.names.set(OTHER_NAME, ['127.0.0.4', '127.0.0.5']);
    grid = buildGrid(gridConfig([`http://${NAME}:${fakes.port}`]), silentLogger, testResolver());
    await grid.start();

    const response = await request(`${grid.adminUrl}/admin/units`, {
      method: 'PUT',
      dispatcher: client,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ urls: [`http://${OTHER_NAME}:${fakes.port}`, url('127.0.0.3')] }),
    });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
    expect(await units(grid)).toEqual({
      [url('127.0.0.3')]: 'ready',
      [url('127.0.0.4')]: 'ready',
      [url('127.0.0.5')]: 'ready',
    });
  });
});

describe('unitUrlsAt', () => {
  it('puts each address in the URL, keeping scheme and port, sorted and without duplicates', () => {
    expect(unitUrlsAt('http://unit:8100', ['10.0.0.9', '10.0.0.10', '10.0.0.9'])).toEqual([
      'http://10.0.0.10:8100',
      'http://10.0.0.9:8100',
    ]);
    expect(unitUrlsAt('https://unit', ['10.0.0.9'])).toEqual(['https://10.0.0.9']);
  });

  it('uses IPv4 when the name has any, so a dual-stack unit is one unit, and IPv6 otherwise', () => {
    expect(unitUrlsAt('http://unit:8100', ['fd00::7', '10.0.0.7'])).toEqual(['http://10.0.0.7:8100']);
    expect(unitUrlsAt('http://unit:8100', ['fd00::7', 'FD00::8'])).toEqual([
      'http://[fd00::7]:8100',
      'http://[fd00::8]:8100',
    ]);
  });

  it('leaves out what is not an address a URL can carry', () => {
    expect(unitUrlsAt('http://unit:8100', ['fe80::1%eth0', 'not-an-address'])).toEqual([]);
  });
});

describe('lookupAll', () => {
  it('resolves through /etc/hosts as the rest of the process does', async () => {
    const addresses = await lookupAll('localhost');
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((address) => address === '::1' || address.startsWith('127.'))).toBe(true);
  });
});
