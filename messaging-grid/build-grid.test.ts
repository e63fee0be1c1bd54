import { connect, type AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/logger.js';
import { BODY_LIMIT, buildGrid, type Grid } from './build-grid.js';
import type { GridConfig } from './grid-config.js';
import { rank } from '../common/rendezvous.js';
import { routingKey } from './routing-key.js';
import type { UnitStatus } from './unit-pool.js';

// ---------------------------------------------------------------------------------------------
// Fake processing units: real HTTP servers that echo what reached them.
// ---------------------------------------------------------------------------------------------

interface Received {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  /** base64 of the exact bytes received. */
  body: string;
}

interface FakeUnit {
  id: string;
  url: string;
  /** What `/readyz` says. */
  ready: boolean;
  /** Answer every request 503 NOT_READY, as a unit does while its readiness flips. */
  refuse: boolean;
  /** Destroy the connection of every request without answering, as a crashing unit does. */
  crash: boolean;
  received: Received[];
  /** Requests under `/slow/` wait for this. */
  release(): void;
  close(): Promise<void>;
}

/** A promise and the function that resolves it (Node 20 has no Promise.withResolvers). */
function openLater(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

async function startFakeUnit(id: string): Promise<FakeUnit> {
  const app: FastifyInstance = Fastify({ bodyLimit: 16 * 1024 * 1024 });
  let gate = openLater();
  const unit: FakeUnit = {
    id,
    url: '',
    ready: true,
    refuse: false,
    crash: false,
    received: [],
    release() {
      gate.open();
      gate = openLater();
    },
    close: () => app.close(),
  };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.get('/readyz', async (_request, reply) =>
    unit.ready
      ? { status: 'ready' }
      : reply
          .code(503)
          .header('retry-after', '1')
          .send({ error: { code: 'NOT_READY', message: `${id} warming` } }),
  );
  app.all('/*', async (request, reply) => {
    const h = request.headers;
    const pick = (name: string) => (typeof h[name] === 'string' ? (h[name] as string) : undefined);
    unit.received.push({
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(
        [
          'content-type',
          'content-length',
          'idempotency-key',
          'accept',
          'cookie',
          'x-other',
          'x-request-id',
          'keep-alive',
          'x-hop',
        ].map((n) => [n, pick(n)]),
      ),
      body: Buffer.isBuffer(request.body) ? request.body.toString('base64') : '',
    });
    if (unit.crash) {
      request.raw.socket.destroy();
      return reply;
    }
    if (unit.refuse) {
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({ error: { code: 'NOT_READY', message: 'warming' } });
    }
    if (request.url.startsWith('/slow/')) await gate.promise;
    const status = (request.query as Record<string, string | undefined>).status;
    if (status !== undefined) {
      void reply.code(Number(status)).header('retry-after', '7').header('idempotent-replayed', 'true');
    }
    void reply.header('x-unit-secret', 'not for clients');
    return reply.send({ unit: id, received: unit.received.at(-1) });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  unit.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return unit;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const TOKEN = 'test-admin-token';
const client = new Agent({ connections: 64 });

function gridConfig(unitUrls: string[], overrides: Partial<GridConfig> = {}): GridConfig {
  return Object.freeze({
    port: 0,
    host: '127.0.0.1',
    unitUrls,
    healthIntervalMs: 25,
    healthTimeoutMs: 1000,
    maxInFlight: 1000,
    requestTimeoutMs: 5000,
    unitConnections: 8,
    adminPort: 0,
    adminHost: '127.0.0.1',
    adminToken: TOKEN,
    ...overrides,
  });
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: <T = Record<string, unknown>>() => T;
}

async function call(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  options: { body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const response = await request(url, {
    method,
    dispatcher: client,
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    headers: response.headers,
    text,
    json: <T>() => JSON.parse(text) as T,
  };
}

/** The unit that answered, from the fake unit's echo. */
const answeredBy = (reply: Reply): string => reply.json<{ unit: string }>().unit;

async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function unitStates(grid: Grid): Promise<UnitStatus[]> {
  const reply = await call('GET', `${grid.adminUrl}/admin/units`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return reply.json<{ units: UnitStatus[] }>().units;
}

async function waitForStates(grid: Grid, expected: Record<string, 'ready' | 'down'>): Promise<void> {
  await waitFor(`unit states ${JSON.stringify(expected)}`, async () => {
    const states = await unitStates(grid);
    return Object.entries(expected).every(
      ([url, state]) => states.find((s) => s.url === url)?.state === state,
    );
  });
}

/** A section path whose owner (rendezvous over `units`) is `owner`. */
function sectionOwnedBy(owner: FakeUnit, units: FakeUnit[], suffix = ''): { path: string; order: string[] } {
  const urls = units.map((u) => u.url);
  for (let i = 0; ; i++) {
    const path = `/events/e-${i}/sections/s${suffix}`;
    const order = rank(routingKey(path)!, urls);
    if (order[0] === owner.url) return { path, order };
  }
}

const unitIdOf = (units: FakeUnit[], url: string | undefined) => units.find((u) => u.url === url)!.id;

afterAll(async () => {
  await client.close();
});

// ---------------------------------------------------------------------------------------------

describe('messaging grid over three units', () => {
  let units: FakeUnit[];
  let grid: Grid;
  const all = () => Object.fromEntries(units.map((u) => [u.url, 'ready' as const]));

  beforeAll(async () => {
    units = await Promise.all(['a', 'b', 'c'].map(startFakeUnit));
    grid = buildGrid(gridConfig(units.map((u) => u.url)), silentLogger);
    await grid.start();
    await waitForStates(grid, all());
  });

  afterEach(async () => {
    for (const unit of units) Object.assign(unit, { ready: true, refuse: false, crash: false });
    await waitForStates(grid, all());
  });

  afterAll(async () => {
    await grid.close();
    await Promise.all(units.map((u) => u.close()));
  });

  it('answers its own /healthz and /readyz', async () => {
    expect((await call('GET', `${grid.url}/healthz`)).status).toBe(200);
    const ready = await call('GET', `${grid.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', details: { readyUnits: 3, units: 3 } });
  });

  it('sends every request about one section to the same unit, the one rendezvous hashing picks', async () => {
    const urls = units.map((u) => u.url);
    const owners = new Set<string>();
    for (let i = 0; i < 15; i++) {
      const base = `/events/final-${i}/sections/north`;
      const expected = unitIdOf(units, rank(routingKey(base)!, urls)[0]);
      const replies = [
        await call('GET', `${grid.url}${base}`),
        await call('POST', `${grid.url}${base}/holds`, { body: '{"customerId":"c","quantity":1}' }),
        await call('GET', `${grid.url}${base}/holds/h-1`),
        await call('POST', `${grid.url}${base}/holds/h-1/purchase`, { body: '{}' }),
        await call('DELETE', `${grid.url}${base}/holds/h-2`),
      ];
      for (const reply of replies) expect(answeredBy(reply)).toBe(expected);
      owners.add(expected);
    }
    expect(owners.size).toBeGreaterThan(1);

    const auction = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call(i % 2 ? 'GET' : 'POST', `${grid.url}/auctions/lot-7${i % 2 ? '' : '/bids'}`, {
          body: i % 2 ? undefined : '{}',
        }),
      ),
    );
    expect(new Set(auction.map(answeredBy))).toEqual(
      new Set([unitIdOf(units, rank('auction:lot-7', urls)[0])]),
    );
  });

  it('spreads requests without a key round robin', async () => {
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call('POST', `${grid.url}/${i % 2 ? 'events' : 'auctions'}`, { body: `{"id":"x-${i}"}` }),
      ),
    );
    const counts = new Map<string, number>();
    for (const reply of replies) counts.set(answeredBy(reply), (counts.get(answeredBy(reply)) ?? 0) + 1);
    expect([...counts.values()]).toEqual([10, 10, 10]);
  });

  it('forwards method, path, query, body bytes and every end-to-end header, exactly', async () => {
    const body = Buffer.concat([
      Buffer.from('{"customerId":"c-17","note":"€ ü 😀"}'),
      Buffer.from([0, 0xff, 0xfe]),
    ]);
    const reply = await call('POST', `${grid.url}/events/e1/sections/s1/holds?x=%20y&z=1`, {
      body,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'idempotency-key': 'k-3!~*(a b)',
        accept: 'application/json',
        cookie: 'session=1',
        'x-other': 'kept',
        'x-request-id': 'client-req-7',
      },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['x-request-id']).toBe('client-req-7');
    const { received } = reply.json<{ received: Received }>();
    expect(received.method).toBe('POST');
    expect(received.url).toBe('/events/e1/sections/s1/holds?x=%20y&z=1');
    expect(Buffer.from(received.body, 'base64').equals(body)).toBe(true);
    expect(received.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(body.length),
      'idempotency-key': 'k-3!~*(a b)',
      accept: 'application/json',
      cookie: 'session=1',
      'x-other': 'kept',
      'x-request-id': 'client-req-7',
    });
  });

  it('keeps hop-by-hop headers, and those the Connection header names, at the grid', async () => {
    const port = new URL(grid.url).port;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(
          'GET /events/e1 HTTP/1.1\r\nHost: x\r\nConnection: close, x-hop\r\nKeep-Alive: timeout=5\r\n' +
            'X-Hop: for this connection only\r\nX-Other: kept\r\n\r\n',
        ),
      );
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    const received = (JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { received: Received }).received;
    expect(received.headers['x-other']).toBe('kept');
    expect(received.headers['x-hop']).toBeUndefined();
    expect(received.headers['keep-alive']).toBeUndefined();
  });

  it('gives a request without a usable x-request-id one of its own, passes it on and returns it', async () => {
    for (const sent of [undefined, '', 'x'.repeat(200), 'has space']) {
      const reply = await call(
        'GET',
        `${grid.url}/events/e1`,
        sent === undefined ? {} : { headers: { 'x-request-id': sent } },
      );
      const id = reply.headers['x-request-id'];
      expect(id, String(sent)).toMatch(/^[0-9a-f-]{36}$/);
      expect(reply.json<{ received: Received }>().received.headers['x-request-id']).toBe(id);
    }
  });

  it('passes bodies of any content type, and bodies that are not valid JSON, to the unit untouched', async () => {
    const cases: Array<{ body: string | Buffer; headers: Record<string, string> }> = [
      { body: '{"customerId": "c", "quantity": ', headers: { 'content-type': 'application/json' } },
      { body: 'plain words', headers: { 'content-type': 'text/plain' } },
      { body: '<hold quantity="2"/>', headers: { 'content-type': 'application/xml' } },
      { body: Buffer.from([1, 2, 3, 0, 255]), headers: { 'content-type': 'application/octet-stream' } },
      { body: 'no content type at all', headers: {} },
    ];
    for (const { body, headers } of cases) {
      const reply = await call('POST', `${grid.url}/events/e1/sections/s1/holds`, { body, headers });
      expect(reply.status, JSON.stringify(headers)).toBe(200);
      const { received } = reply.json<{ received: Received }>();
      expect(Buffer.from(received.body, 'base64').equals(Buffer.from(body))).toBe(true);
      expect(received.headers['content-type']).toBe(headers['content-type']);
    }
  });

  it('relays the status and the headers that matter, and only those', async () => {
    const reply = await call('POST', `${grid.url}/auctions/lot-1/bids?status=409`, { body: '{}' });
    expect(reply.status).toBe(409);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.headers['retry-after']).toBe('7');
    expect(reply.headers['idempotent-replayed']).toBe('true');
    expect(reply.headers['x-unit-secret']).toBeUndefined();
    expect(reply.json<{ unit: string }>().unit).toMatch(/^[abc]$/);
  });

  it('refuses a body above the limit with 413 in the API shape, without bothering a unit', async () => {
    const before = units.reduce((n, u) => n + u.received.length, 0);
    const reply = await call('POST', `${grid.url}/events/e1/sections/s1/holds`, {
      body: Buffer.alloc(BODY_LIMIT + 1, 0x20),
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(413);
    expect(reply.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) } });
    expect(units.reduce((n, u) => n + u.received.length, 0)).toBe(before);

    const atLimit = Buffer.alloc(BODY_LIMIT, 0x61);
    const ok = await call('POST', `${grid.url}/events/e1/sections/s1/holds`, {
      body: atLimit,
      headers: { 'content-type': 'text/plain' },
    });
    expect(ok.status).toBe(200);
    expect(Buffer.from(ok.json<{ received: Received }>().received.body, 'base64').equals(atLimit)).toBe(true);
  });

  it('sends nothing to a unit whose /readyz answers 503, and resumes when it is ready again', async () => {
    const [a, b, c] = units as [FakeUnit, FakeUnit, FakeUnit];
    b.ready = false;
    await waitForStates(grid, { [b.url]: 'down' });
    const before = b.received.length;
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        i % 3
          ? call('GET', `${grid.url}/events/e-${i}/sections/s`)
          : call('POST', `${grid.url}/events`, { body: '{}' }),
      ),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(b.received.length).toBe(before);
    expect(new Set(replies.map(answeredBy))).toEqual(new Set([a.id, c.id]));

    b.ready = true;
    await waitForStates(grid, { [b.url]: 'ready' });
    const { path } = sectionOwnedBy(b, units);
    expect(answeredBy(await call('GET', `${grid.url}${path}`))).toBe(b.id);
  });

  it('fails over a GET, and a POST with an Idempotency-Key, when the unit drops the connection', async () => {
    const [, b] = units as [FakeUnit, FakeUnit, FakeUnit];
    const { path, order } = sectionOwnedBy(b, units);

    b.crash = true;
    const get = await call('GET', `${grid.url}${path}`);
    expect(get.status).toBe(200);
    expect(answeredBy(get)).toBe(unitIdOf(units, order[1]));

    await waitForStates(grid, { [b.url]: 'ready' });
    const keyed = await call('POST', `${grid.url}${path}/holds`, {
      body: '{}',
      headers: { 'idempotency-key': 'k1' },
    });
    expect(keyed.status).toBe(200);
    expect(answeredBy(keyed)).toBe(unitIdOf(units, order[1]));
  });

  it('does not repeat a POST without an Idempotency-Key that a unit may have received: 502 UNIT_FAILED', async () => {
    const [, b] = units as [FakeUnit, FakeUnit, FakeUnit];
    const { path } = sectionOwnedBy(b, units);
    b.crash = true;
    const before = units.map((u) => u.received.length);
    const reply = await call('POST', `${grid.url}${path}/holds`, { body: '{}' });
    expect(reply.status).toBe(502);
    expect(reply.json()).toEqual({ error: { code: 'UNIT_FAILED', message: expect.any(String) } });
    expect(units.map((u) => u.received.length)).toEqual(before.map((n, i) => (units[i] === b ? n + 1 : n)));
  });

  it('answers 503 NOT_READY with Retry-After when no unit is ready', async () => {
    for (const unit of units) unit.ready = false;
    await waitForStates(grid, Object.fromEntries(units.map((u) => [u.url, 'down' as const])));
    const reply = await call('POST', `${grid.url}/events/e1/sections/s1/holds`, { body: '{}' });
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('1');
    expect(reply.json()).toEqual({ error: { code: 'NOT_READY', message: expect.any(String) } });
    const readyz = await call('GET', `${grid.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(readyz.json<{ error: { code: string } }>().error.code).toBe('NOT_READY');
  });

  it('exposes metrics by status and unit, latency, in-flight and ready units', async () => {
    await call('GET', `${grid.url}/events/e1/sections/s1`);
    const lines = (await call('GET', `${grid.url}/metrics`)).text.split('\n');
    const has = (name: string, labels: Record<string, string | RegExp>, value?: RegExp) =>
      lines.some((line) => {
        if (!line.startsWith(`${name}{`)) return false;
        const ok = Object.entries(labels).every(([k, v]) =>
          typeof v === 'string' ? line.includes(`${k}="${v}"`) : new RegExp(`${k}="${v.source}"`).test(line),
        );
        return ok && (value === undefined || value.test(line.slice(line.lastIndexOf(' ') + 1)));
      });
    const unit = /http:\/\/127\.0\.0\.1:\d+/;
    expect(has('spacegrid_grid_requests_total', { status_code: '200', unit }, /^[1-9]\d*$/)).toBe(true);
    expect(has('spacegrid_grid_requests_total', { status_code: '503', unit: 'none' }, /^[1-9]\d*$/)).toBe(
      true,
    );
    expect(has('spacegrid_grid_requests_total', { status_code: '413', unit: 'none' }, /^1$/)).toBe(true);
    expect(has('spacegrid_grid_request_duration_seconds_count', { unit }, /^[1-9]\d*$/)).toBe(true);
    expect(has('spacegrid_grid_request_duration_seconds_bucket', { unit, le: '0.005' })).toBe(true);
    expect(has('spacegrid_grid_requests_in_flight', {}, /^0$/)).toBe(true);
    expect(has('spacegrid_grid_ready_units', {}, /^3$/)).toBe(true);
  });

  it('protects /admin/units with the bearer token and changes the set of units with it', async () => {
    const [a, b, c] = units as [FakeUnit, FakeUnit, FakeUnit];
    const admin = `${grid.adminUrl}/admin/units`;
    const body = JSON.stringify({ urls: [a.url, `${c.url}/`] });
    const json = { 'content-type': 'application/json' };

    for (const authorization of [undefined, 'Bearer wrong', TOKEN, `Basic ${TOKEN}`]) {
      const headers = authorization ? { ...json, authorization } : json;
      const refused = await call('PUT', admin, { body, headers });
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(refused.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
    expect((await call('GET', admin)).status).toBe(401);
    expect((await unitStates(grid)).length).toBe(3);

    const auth = { ...json, authorization: `Bearer ${TOKEN}` };
    for (const bad of [
      '{"urls":["not a url"]}',
      '{"urls":["http://h:1/path"]}',
      '{"urls":"x"}',
      '{"urls":[],"x":1}',
    ]) {
      const refused = await call('PUT', admin, { body: bad, headers: auth });
      expect(refused.status, bad).toBe(400);
      expect(refused.json<{ error: { code: string } }>().error.code).toBe('VALIDATION_FAILED');
    }
    expect((await unitStates(grid)).length).toBe(3);

    try {
      const changed = await call('PUT', admin, { body, headers: auth });
      expect(changed.status).toBe(200);
      expect(changed.json<{ units: UnitStatus[] }>().units).toEqual([
        expect.objectContaining({ url: a.url, state: 'ready' }),
        expect.objectContaining({ url: c.url, state: 'ready' }),
      ]);
      const before = b.received.length;
      const replies = await Promise.all(
        Array.from({ length: 30 }, (_, i) => call('GET', `${grid.url}/events/e-${i}/sections/s`)),
      );
      expect(new Set(replies.map(answeredBy))).toEqual(new Set([a.id, c.id]));
      expect(b.received.length).toBe(before);

      const emptied = await call('PUT', admin, { body: '{"urls":[]}', headers: auth });
      expect(emptied.json()).toEqual({ units: [] });
      const none = await call('GET', `${grid.url}/events/e1`);
      expect(none.status).toBe(503);
      expect(none.json<{ error: { code: string } }>().error.code).toBe('NOT_READY');
    } finally {
      await grid.setUnits(units.map((u) => u.url));
    }
  });
});

describe('messaging grid when a unit dies between health checks', () => {
  let units: FakeUnit[];
  let grid: Grid;

  beforeAll(async () => {
    units = await Promise.all(['a', 'b', 'c', 'd'].map(startFakeUnit));
    // Health checks far apart: only the proxy itself can notice the deaths below.
    grid = buildGrid(
      gridConfig(
        units.map((u) => u.url),
        { healthIntervalMs: 60_000 },
      ),
      silentLogger,
    );
    await grid.start();
  });

  afterAll(async () => {
    await grid.close();
    await Promise.all(units.map((u) => u.close()));
  });

  it('fails over without a client-visible error', async () => {
    const [, , c, d] = units as [FakeUnit, FakeUnit, FakeUnit, FakeUnit];
    expect((await unitStates(grid)).every((s) => s.state === 'ready')).toBe(true);

    // d never served traffic: the grid holds no connection to it, so its death is a refused connection,
    // and even a POST without an Idempotency-Key may go elsewhere: it never left the grid.
    const toD = sectionOwnedBy(d, units);
    await d.close();
    const post = await call('POST', `${grid.url}${toD.path}/holds`, { body: '{"quantity":2}' });
    expect(post.status).toBe(200);
    expect(answeredBy(post)).toBe(unitIdOf(units, toD.order[1]));
    expect(post.json<{ received: Received }>().received.body).toBe(
      Buffer.from('{"quantity":2}').toString('base64'),
    );

    // c served traffic (warm keep-alive connections) and then dies.
    const toC = sectionOwnedBy(c, units, '-c');
    expect(answeredBy(await call('GET', `${grid.url}${toC.path}`))).toBe(c.id);
    await c.close();
    const gets = await Promise.all(Array.from({ length: 5 }, () => call('GET', `${grid.url}${toC.path}`)));
    expect(gets.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const survivors = toC.order.filter((u) => u !== c.url && u !== d.url);
    expect(new Set(gets.map(answeredBy))).toEqual(new Set([unitIdOf(units, survivors[0])]));

    const states = await unitStates(grid);
    expect(states.find((s) => s.url === c.url)).toMatchObject({
      state: 'down',
      reason: expect.stringMatching(/ECONNREFUSED|closed|reset/i),
    });
    expect(states.find((s) => s.url === d.url)).toMatchObject({
      state: 'down',
      reason: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('tries the next unit when the chosen one answers 503 NOT_READY, and keeps it out until a health check passes', async () => {
    // Runs after the deaths above: a and b are the live units, and health checks are a minute apart,
    // so only the refusal itself can have taken b out.
    const [a, b] = units as [FakeUnit, FakeUnit, FakeUnit, FakeUnit];
    b.refuse = true;
    const { path } = sectionOwnedBy(b, units, '-refuse');
    const before = b.received.length;
    const reply = await call('POST', `${grid.url}${path}/holds`, { body: '{"quantity":1}' });
    expect(reply.status).toBe(200);
    expect(answeredBy(reply)).toBe(a.id);
    expect(b.received.length).toBe(before + 1);
    expect((await unitStates(grid)).find((s) => s.url === b.url)?.state).toBe('down');
    const metrics = (await call('GET', `${grid.url}/metrics`)).text;
    expect(metrics).toMatch(/^spacegrid_grid_failovers_total\{[^}]*reason="not-ready"[^}]*\} [1-9]\d*$/m);

    b.refuse = false;
    const next = await call('POST', `${grid.url}${path}/holds`, { body: '{"quantity":1}' });
    expect(answeredBy(next)).toBe(a.id);
    expect(b.received.length).toBe(before + 1);
  });
});

describe('messaging grid under load and at shutdown', () => {
  let unit: FakeUnit;
  let grid: Grid;

  beforeAll(async () => {
    unit = await startFakeUnit('slow');
    grid = buildGrid(gridConfig([unit.url], { maxInFlight: 1, requestTimeoutMs: 300 }), silentLogger);
    await grid.start();
  });

  afterAll(async () => {
    unit.release();
    await grid.close();
    await unit.close();
  });

  it('answers 429 OVERLOADED with Retry-After above MAX_IN_FLIGHT', async () => {
    const first = call('GET', `${grid.url}/slow/1`);
    await waitFor('the unit to hold the first request', () => unit.received.some((r) => r.url === '/slow/1'));
    const second = await call('GET', `${grid.url}/events/e1`);
    expect(second.status).toBe(429);
    expect(second.headers['retry-after']).toBe('1');
    expect(second.json()).toEqual({ error: { code: 'OVERLOADED', message: expect.any(String) } });
    unit.release();
    expect((await first).status).toBe(200);
    expect((await call('GET', `${grid.url}/events/e1`)).status).toBe(200);
    const metrics = (await call('GET', `${grid.url}/metrics`)).text;
    expect(metrics).toMatch(/^spacegrid_grid_requests_total\{status_code="429",unit="none"[^}]*\} 1$/m);
  });

  it('answers 504 UNIT_TIMEOUT when the unit is too slow, and does not retry even a GET', async () => {
    const before = unit.received.length;
    const started = Date.now();
    const reply = await call('GET', `${grid.url}/slow/2`);
    expect(reply.status).toBe(504);
    expect(reply.json()).toEqual({ error: { code: 'UNIT_TIMEOUT', message: expect.any(String) } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(unit.received.length).toBe(before + 1);
    unit.release();
  });

  it('lets in-flight requests finish when it closes', async () => {
    const units = [await startFakeUnit('drain')];
    const closing = buildGrid(gridConfig([units[0]!.url]), silentLogger);
    await closing.start();
    const pending = call('POST', `${closing.url}/slow/3`, { body: '{"a":1}' });
    await waitFor('the unit to hold the request', () => units[0]!.received.length === 1);
    let closed = false;
    const done = closing.close().then(() => {
      closed = true;
    });
    await waitFor('the grid to stop accepting', async () => {
      try {
        await call('GET', `${closing.url}/healthz`);
        return false;
      } catch {
        return true;
      }
    });
    expect(closed).toBe(false);
    units[0]!.release();
    const reply = await pending;
    expect(reply.status).toBe(200);
    expect(Buffer.from(reply.json<{ received: Received }>().received.body, 'base64').toString()).toBe(
      '{"a":1}',
    );
    await done;
    expect(closed).toBe(true);
    await units[0]!.close();
  });
});

describe('messaging grid admin port', () => {
  it('serves no admin route on the public port, and never forwards one to a unit', async () => {
    const unit = await startFakeUnit('public');
    const grid = buildGrid(gridConfig([unit.url]), silentLogger);
    await grid.start();
    try {
      expect(grid.adminUrl).not.toBe(grid.url);
      const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
      for (const method of ['GET', 'PUT'] as const) {
        const reply = await call(method, `${grid.url}/admin/units`, {
          headers: auth,
          ...(method === 'PUT' ? { body: JSON.stringify({ urls: ['http://127.0.0.1:1'] }) } : {}),
        });
        expect(reply.status, method).toBe(404);
        expect(reply.json<{ error: { code: string } }>().error.code).toBe('NOT_FOUND');
      }
      expect(unit.received).toEqual([]);
      expect((await unitStates(grid)).map((u) => u.url)).toEqual([unit.url]);
    } finally {
      await grid.close();
      await unit.close();
    }
  });

  it('answers a PUT that removes a unit only once its in-flight requests are done', async () => {
    const [leaving, staying] = await Promise.all([startFakeUnit('leaving'), startFakeUnit('staying')]);
    const grid = buildGrid(gridConfig([leaving!.url]), silentLogger);
    await grid.start();
    try {
      const pending = call('POST', `${grid.url}/slow/9`, { body: '{}' });
      await waitFor('the leaving unit to hold the request', () => leaving!.received.length === 1);
      let answered = false;
      const put = call('PUT', `${grid.adminUrl}/admin/units`, {
        body: JSON.stringify({ urls: [staying!.url] }),
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      }).then((reply) => {
        answered = true;
        return reply;
      });
      // The new set routes at once, while the PUT still waits for the leaving unit.
      await waitFor('routing to the staying unit', async () => {
        const reply = await call('GET', `${grid.url}/events/e1`);
        return reply.status === 200 && answeredBy(reply) === 'staying';
      });
      expect(answered).toBe(false);
      leaving!.release();
      expect((await pending).status).toBe(200);
      expect((await put).status).toBe(200);
    } finally {
      await grid.close();
      await Promise.all([leaving!.close(), staying!.close()]);
    }
  });
});

describe('messaging grid without ADMIN_TOKEN', () => {
  it('leaves /admin/units open', async () => {
    const unit = await startFakeUnit('open');
    const grid = buildGrid(gridConfig([], { adminToken: undefined }), silentLogger);
    await grid.start();
    try {
      expect((await call('GET', `${grid.url}/readyz`)).status).toBe(503);
      const reply = await call('PUT', `${grid.adminUrl}/admin/units`, {
        body: JSON.stringify({ urls: [unit.url] }),
        headers: { 'content-type': 'application/json' },
      });
      expect(reply.status).toBe(200);
      expect(reply.json()).toEqual({ units: [expect.objectContaining({ url: unit.url, state: 'ready' })] });
      expect(answeredBy(await call('GET', `${grid.url}/events/e1`))).toBe('open');
    } finally {
      await grid.close();
      await unit.close();
    }
  });
});
