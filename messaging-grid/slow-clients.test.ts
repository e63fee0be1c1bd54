import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/logger.js';
import { buildGrid, type Grid } from './build-grid.js';
import type { GridConfig } from './grid-config.js';

// Slowloris-style clients (raw sockets that trickle headers or bodies, or send nothing) against a
// real grid in front of a real fake unit, while a normal client keeps asking.

const HEADERS_TIMEOUT_MS = 400;
const REQUEST_TIMEOUT_MS = 900;
const IDLE_TIMEOUT_MS = 400;
/** Past a timeout, how late the cut may come on a busy machine (Node checks every 100 ms here). */
const SLACK_MS = 1500;

async function startFakeUnit(): Promise<{ url: string; close: () => Promise<void> }> {
  const app: FastifyInstance = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.get('/readyz', async () => ({ status: 'ready' }));
  app.all('/*', async (req) => ({ ok: true, url: req.url }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}

async function startGrid(unitUrl: string, overrides: Partial<GridConfig>): Promise<Grid> {
  const grid = buildGrid(
    Object.freeze({
      port: 0,
      host: '127.0.0.1',
      unitUrls: [unitUrl],
      healthIntervalMs: 25,
      healthTimeoutMs: 1000,
      maxInFlight: 1000,
      requestTimeoutMs: 5000,
      unitConnections: 8,
      adminPort: 0,
      adminHost: '127.0.0.1',
      adminToken: 'test-admin-token',
      clientHeadersTimeoutMs: HEADERS_TIMEOUT_MS,
      clientRequestTimeoutMs: REQUEST_TIMEOUT_MS,
      clientIdleTimeoutMs: IDLE_TIMEOUT_MS,
      maxConnections: 1000,
      ...overrides,
    }),
    silentLogger,
  );
  await grid.start();
  const pool = new Pool(grid.url, { connections: 1 });
  try {
    await waitFor('the grid to be ready', async () => (await get(pool, '/readyz')).status === 200);
  } finally {
    await pool.close();
  }
  return grid;
}

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

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

async function get(pool: Pool, path: string): Promise<Answer> {
  const response = await pool.request({ method: 'GET', path });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/** A normal client: one request after another until `until` settles; the statuses it got. */
async function keepAsking(pool: Pool, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  const statuses: number[] = [];
  let i = 0;
  while (!done) {
    statuses.push((await get(pool, `/events/e-${i++ % 50}/sections/s`)).status);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return statuses;
}

interface RawClient {
  socket: Socket;
  /** Every byte the grid sent, once the grid closed the connection; and when, after opening. */
  closed: Promise<{ text: string; afterMs: number }>;
  /** Writes `bytes` one at a time, `everyMs` apart, for as long as the connection is open. */
  trickle(bytes: string, everyMs: number): void;
}

async function openRaw(grid: Grid): Promise<RawClient> {
  const { hostname, port } = new URL(grid.url);
  const socket = connect(Number(port), hostname);
  const opened = Date.now();
  let text = '';
  let timer: NodeJS.Timeout | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  // A reset after the grid's answer (EPIPE, ECONNRESET on a trickled byte) is expected.
  socket.on('error', () => {});
  const closed = new Promise<{ text: string; afterMs: number }>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ text, afterMs: Date.now() - opened });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    closed,
    trickle(bytes, everyMs) {
      let at = 0;
      timer = setInterval(() => {
        if (at >= bytes.length || !socket.writable) clearInterval(timer);
        else socket.write(bytes[at++]!);
      }, everyMs);
    },
  };
}

/** Status, headers (lower case) and JSON body of the first HTTP answer in `text`. */
function parseAnswer(text: string): { status: number; headers: Record<string, string>; body: unknown } {
  const end = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  const length = Number(headers['content-length']);
  return {
    status: Number(statusLine!.split(' ')[1]),
    headers,
    body: JSON.parse(text.slice(end + 4, end + 4 + length)),
  };
}

const metric = async (pool: Pool, name: string): Promise<number> => {
  const line = (await get(pool, '/metrics')).text.split('\n').find((l) => l.startsWith(`${name}{`));
  return Number(line?.split(' ')[1]);
};

const GET_HEADERS = 'GET /events/e1/sections/s HTTP/1.1\r\nHost: grid\r\nAccept: application/json\r\n\r\n';
const uploadHeaders = (length: number) =>
  `POST /events/e1/sections/s/holds HTTP/1.1\r\nHost: grid\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${length}\r\n\r\n`;

const requestTimeout = { status: 408, code: 'REQUEST_TIMEOUT' };

describe('messaging grid under slow clients', () => {
  let unit: { url: string; close: () => Promise<void> };
  let grid: Grid;
  let normal: Pool;

  beforeAll(async () => {
    unit = await startFakeUnit();
    grid = await startGrid(unit.url, {});
    normal = new Pool(grid.url, { connections: 2 });
  });

  afterAll(async () => {
    await normal.close();
    await grid.close();
    await unit.close();
  });

  it('cuts off clients that trickle their headers or send nothing, with 408, while a normal client gets 200s', async () => {
    const trickling = await Promise.all(Array.from({ length: 15 }, () => openRaw(grid)));
    const silent = await Promise.all(Array.from({ length: 15 }, () => openRaw(grid)));
    // One byte every 40 ms: the headers would take about 3 s to arrive.
    for (const client of trickling) client.trickle(GET_HEADERS, 40);
    const allClosed = Promise.all([...trickling, ...silent].map((c) => c.closed));
    const statuses = await keepAsking(normal, allClosed);
    for (const { text, afterMs } of await allClosed) {
      const answer = parseAnswer(text);
      expect({
        status: answer.status,
        code: (answer.body as { error: { code: string } }).error.code,
      }).toEqual(requestTimeout);
      expect(answer.headers.connection).toBe('close');
      expect(afterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
      expect(afterMs).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
    }
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('cuts off clients that send their body too slowly, with 408, and frees their in-flight slots', async () => {
    const body = JSON.stringify({ customerId: 'c-1', quantity: 1, padding: 'x'.repeat(100) });
    const uploads = await Promise.all(Array.from({ length: 15 }, () => openRaw(grid)));
    for (const client of uploads) {
      client.socket.write(uploadHeaders(body.length));
      client.trickle(body, 40);
    }
    await waitFor(
      'the uploads to count as in flight',
      async () => (await metric(normal, 'spacegrid_grid_requests_in_flight')) === 15,
    );
    const allClosed = Promise.all(uploads.map((c) => c.closed));
    const statuses = await keepAsking(normal, allClosed);
    for (const { text, afterMs } of await allClosed) {
      const answer = parseAnswer(text);
      expect({
        status: answer.status,
        code: (answer.body as { error: { code: string } }).error.code,
      }).toEqual(requestTimeout);
      expect(afterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
      expect(afterMs).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
    }
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
    await waitFor(
      'the in-flight count to fall back',
      async () => (await metric(normal, 'spacegrid_grid_requests_in_flight')) === 0,
    );
  });

  it('closes a keep-alive connection left idle, silently, after the idle timeout', async () => {
    const client = await openRaw(grid);
    client.socket.write(GET_HEADERS);
    await waitFor('the answer', () => client.socket.bytesRead > 0);
    const answered = Date.now();
    const { text } = await client.closed;
    const idleMs = Date.now() - answered;
    expect(parseAnswer(text).status).toBe(200);
    // Nothing after the 200: an idle connection is closed, not answered.
    expect(text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(idleMs).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 50);
    // Node 20 keeps an idle connection one second past keepAliveTimeout, the clients' margin.
    expect(idleMs).toBeLessThan(IDLE_TIMEOUT_MS + 1000 + SLACK_MS);
  });
});

describe('messaging grid at its connection cap', () => {
  const CAP = 12;
  let unit: { url: string; close: () => Promise<void> };
  let grid: Grid;
  let normal: Pool;

  beforeAll(async () => {
    unit = await startFakeUnit();
    // Timeouts long enough that the connections holding the cap are not cut during the test.
    grid = await startGrid(unit.url, {
      maxConnections: CAP,
      clientHeadersTimeoutMs: 20_000,
      clientRequestTimeoutMs: 20_000,
      clientIdleTimeoutMs: 20_000,
    });
    normal = new Pool(grid.url, { connections: 1 });
  });

  afterAll(async () => {
    await normal.close();
    await grid.close();
    await unit.close();
  });

  it('answers connections over the cap 429 OVERLOADED and closes them, while the connections within it are served', async () => {
    expect((await get(normal, '/events/e1')).status).toBe(200);
    const holding = await Promise.all(Array.from({ length: CAP - 1 }, () => openRaw(grid)));
    for (const client of holding) client.trickle(GET_HEADERS.slice(0, 20), 100);
    await waitFor(
      'the cap to be reached',
      async () => (await metric(normal, 'spacegrid_grid_client_connections')) === CAP,
    );

    const over = await Promise.all(Array.from({ length: 8 }, () => openRaw(grid)));
    over.slice(0, 4).forEach((client) => client.socket.write(GET_HEADERS));
    over.slice(4).forEach((client) => client.trickle(GET_HEADERS, 20));
    for (const { text } of await Promise.all(over.map((c) => c.closed))) {
      const answer = parseAnswer(text);
      expect(answer.status).toBe(429);
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.headers.connection).toBe('close');
      expect(answer.body).toEqual({ error: { code: 'OVERLOADED', message: expect.any(String) } });
    }
    // An ordinary HTTP client on a new connection gets the same answer, not a reset.
    const fresh = new Pool(grid.url, { connections: 1 });
    try {
      const refused = await get(fresh, '/events/e1');
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('1');
      expect(JSON.parse(refused.text)).toEqual({
        error: { code: 'OVERLOADED', message: expect.any(String) },
      });
    } finally {
      await fresh.close();
    }
    // The connection within the cap never noticed.
    for (let i = 0; i < 20; i++) expect((await get(normal, `/events/e${i}`)).status).toBe(200);
    expect(await metric(normal, 'spacegrid_grid_client_connections')).toBe(CAP);
    expect(await metric(normal, 'spacegrid_grid_refused_connections_total')).toBe(9);

    for (const client of holding) client.socket.destroy();
    await waitFor(
      'room under the cap',
      async () => (await metric(normal, 'spacegrid_grid_client_connections')) === 1,
    );
    const again = new Pool(grid.url, { connections: 1 });
    try {
      expect((await get(again, '/events/e1')).status).toBe(200);
    } finally {
      await again.close();
    }
  });
});

describe('messaging grid at its in-flight bound', () => {
  const BOUND = 6;
  let unit: { url: string; close: () => Promise<void> };
  let grid: Grid;
  let normal: Pool;

  beforeAll(async () => {
    unit = await startFakeUnit();
    grid = await startGrid(unit.url, { maxInFlight: BOUND });
    normal = new Pool(grid.url, { connections: 1 });
  });

  afterAll(async () => {
    await normal.close();
    await grid.close();
    await unit.close();
  });

  it('counts uploads from their headers and sheds the ones over the bound at once, before their bodies', async () => {
    const body = JSON.stringify({ customerId: 'c-1', quantity: 1 });
    const uploads = await Promise.all(Array.from({ length: BOUND }, () => openRaw(grid)));
    for (const client of uploads) {
      client.socket.write(uploadHeaders(body.length));
      client.trickle(body, 40);
    }
    await waitFor(
      'the uploads to fill the bound',
      async () => (await metric(normal, 'spacegrid_grid_requests_in_flight')) === BOUND,
    );

    // More slow uploads: answered at once (long before their bodies could arrive), and let go.
    const over = await Promise.all(Array.from({ length: 10 }, () => openRaw(grid)));
    for (const client of over) {
      client.socket.write(uploadHeaders(body.length));
      client.trickle(body, 40);
    }
    for (const { text, afterMs } of await Promise.all(over.map((c) => c.closed))) {
      const answer = parseAnswer(text);
      expect(answer.status).toBe(429);
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.headers.connection).toBe('close');
      expect(answer.body).toEqual({ error: { code: 'OVERLOADED', message: expect.any(String) } });
      expect(afterMs).toBeLessThan(REQUEST_TIMEOUT_MS);
    }
    const shed = await get(normal, '/events/e1');
    expect(shed.status).toBe(429);
    expect(shed.headers['retry-after']).toBe('1');
    expect(JSON.parse(shed.text)).toEqual({ error: { code: 'OVERLOADED', message: expect.any(String) } });

    // The slow uploads are cut at the request timeout, and their slots come back.
    for (const { text } of await Promise.all(uploads.map((c) => c.closed)))
      expect(parseAnswer(text).status).toBe(408);
    await waitFor(
      'the in-flight count to fall back',
      async () => (await metric(normal, 'spacegrid_grid_requests_in_flight')) === 0,
    );
    for (let i = 0; i < 10; i++) expect((await get(normal, `/events/e${i}`)).status).toBe(200);
  });
});
