import { connect, type AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/logger.js';
import { parsePrometheusText } from '../common/metrics/prometheus-text.js';
import { buildGrid, type Grid } from './build-grid.js';

/** A unit whose streams start late (as one opening a feed does) and never end; it counts them. */
async function startStreamingUnit(): Promise<{
  url: string;
  open: () => number;
  close: () => Promise<void>;
}> {
  const app: FastifyInstance = Fastify();
  let open = 0;
  app.get('/readyz', async () => ({ status: 'ready' }));
  app.get('/events/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  app.get('/events/:id/stream', (_request, reply) => {
    reply.hijack();
    open += 1;
    let heartbeat: NodeJS.Timeout | undefined;
    reply.raw.on('close', () => {
      open -= 1;
      clearInterval(heartbeat);
    });
    setTimeout(() => {
      if (reply.raw.destroyed) return;
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
      reply.raw.flushHeaders();
      heartbeat = setInterval(() => reply.raw.write(': ping\n\n'), 100);
    }, 300);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    open: () => open,
    close: () => app.close(),
  };
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Live streams at the messaging grid's edges: paths that name a stream in another spelling, and
 * clients that leave before the stream has started. A stream holds a unit connection for as long
 * as it lasts, so it must never take one of the pooled connections other requests need, and one
 * nobody reads must not outlive its client.
 */
describe('live streams at the messaging grid', { timeout: 20_000 }, () => {
  let unit: Awaited<ReturnType<typeof startStreamingUnit>>;
  let grid: Grid;
  let pool: Pool;
  beforeAll(async () => {
    unit = await startStreamingUnit();
    grid = buildGrid(
      {
        port: 0,
        host: '127.0.0.1',
        unitUrls: [unit.url],
        healthIntervalMs: 50,
        healthTimeoutMs: 1000,
        maxInFlight: 1000,
        requestTimeoutMs: 5000,
        // One pooled connection: a stream on it would stall every other request.
        unitConnections: 1,
        adminPort: 0,
        adminHost: '127.0.0.1',
        adminToken: 'test-admin-token',
        clientHeadersTimeoutMs: 10_000,
        clientRequestTimeoutMs: 30_000,
        clientIdleTimeoutMs: 10_000,
        maxConnections: 1000,
      },
      silentLogger,
    );
    await grid.start();
    pool = new Pool(grid.url, { connections: 4 });
    await waitFor('the grid to be ready', async () => {
      const answer = await pool.request({ method: 'GET', path: '/readyz' });
      await answer.body.dump();
      return answer.statusCode === 200;
    });
  });
  afterAll(async () => {
    await pool?.close();
    await grid?.close();
    await unit?.close();
  });

  const inFlight = async (): Promise<number> => {
    const answer = await pool.request({ method: 'GET', path: '/metrics' });
    const samples = parsePrometheusText(
      await answer.body.text(),
      (n) => n === 'spacegrid_grid_requests_in_flight',
    );
    return samples.reduce((sum, s) => sum + s.value, 0);
  };

  it('takes a stream spelt with percent-escapes for the stream it is, off the pooled connections', async () => {
    const stream = await pool.request({ method: 'GET', path: '/events/e1/%73tream' });
    expect([stream.statusCode, stream.headers['content-type']]).toEqual([200, 'text/event-stream']);
    try {
      // The pooled connection is free: a plain request is answered while the stream goes on (on
      // the stream's connection it would wait for the stream to end: here, never).
      const plain = await pool.request({ method: 'GET', path: '/events/e1', headersTimeout: 4_000 });
      expect([plain.statusCode, await plain.body.json()]).toEqual([200, { id: 'e1' }]);
    } finally {
      stream.body.destroy();
    }
    await waitFor('the unit to see the stream closed', () => unit.open() === 0);
  });

  it('ends the unit’s stream when its client left before the stream began, and counts the request out once', async () => {
    const before = await inFlight();
    const { port } = new URL(grid.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write('GET /events/e2/stream HTTP/1.1\r\nHost: grid\r\nAccept: text/event-stream\r\n\r\n');
    await waitFor('the unit to get the stream request', () => unit.open() === 1);
    socket.destroy(); // before the unit's headers (300 ms)
    await waitFor('the unit to see the stream closed', () => unit.open() === 0);
    expect(await inFlight()).toBe(before);
  });
});
