/* eslint-disable @typescript-eslint/no-explicit-any -- answers are inspected loosely */
import { connect, type AddressInfo } from 'node:net';
import { Type } from '@sinclair/typebox';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FreeText, Id, IsoTime } from './api-schemas.js';
import { closeGracefully, createHttpServer, type HttpServer } from './http-server.js';
import { createRootLogger } from './logger.js';

const log = createRootLogger({ level: 'silent' });

/** A server whose `/slow` answers only when `release()` is called. */
async function serverWithSlowRoute(): Promise<{
  app: HttpServer;
  url: string;
  arrived: Promise<void>;
  release: () => void;
}> {
  const app = createHttpServer({ log });
  let release!: () => void;
  let arrive!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  app.get('/slow', async () => {
    arrive();
    await released;
    return { ok: true };
  });
  app.get('/fast', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, arrived, release };
}

describe('closeGracefully', () => {
  const agents: Agent[] = [];
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.close()));
  });

  it('lets an in-flight request on a keep-alive connection finish, then closes that connection too', async () => {
    const { app, url, arrived, release } = await serverWithSlowRoute();
    // One keep-alive connection that the client would keep for a minute.
    const agent = new Agent({ connections: 1, keepAliveTimeout: 60_000 });
    agents.push(agent);
    expect((await request(`${url}/fast`, { dispatcher: agent })).statusCode).toBe(200);

    const slow = request(`${url}/slow`, { dispatcher: agent });
    await arrived;
    let closed = false;
    const closing = closeGracefully(app).then(() => (closed = true));
    // Fastify keeps the server open while the request is in flight...
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(closed).toBe(false);

    release();
    const answer = await slow;
    expect(answer.statusCode).toBe(200);
    expect(await answer.body.json()).toEqual({ ok: true });
    // ...and the close completes once it is answered, without waiting for the client's keep-alive.
    const outcome = await Promise.race([
      closing.then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('still open after 10 s'), 10_000)),
    ]);
    expect(outcome).toBe('closed');
    expect(app.server.listening).toBe(false);
  });

  it('closes a server with no connection at once', async () => {
    const { app } = await serverWithSlowRoute();
    await closeGracefully(app);
    expect(app.server.listening).toBe(false);
  });
});

/** A server with one route of each kind of input API.md has: an identifier in the path, free text and a time in the body. */
async function serverWithApiRoutes(): Promise<{ app: HttpServer; url: string; port: number }> {
  const app = createHttpServer({ log });
  app.post(
    '/things/:thingId',
    {
      schema: {
        params: Type.Object({ thingId: Id }),
        body: Type.Object(
          { name: FreeText({ maxLength: 200 }), at: IsoTime },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => request.body,
  );
  app.get('/things/:thingId', { schema: { params: Type.Object({ thingId: Id }) } }, async (request) => ({
    id: request.params.thingId,
  }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return { app, url: `http://127.0.0.1:${port}`, port };
}

/** Sends `raw` bytes on a fresh socket and resolves to everything the server wrote before closing. */
function rawExchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(raw));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function bodyOf(rawAnswer: string): unknown {
  return JSON.parse(rawAnswer.slice(rawAnswer.indexOf('\r\n\r\n') + 4));
}

describe("answers in API.md's shape", () => {
  let server: Awaited<ReturnType<typeof serverWithApiRoutes>>;
  beforeAll(async () => {
    server = await serverWithApiRoutes();
  });
  afterAll(async () => {
    await server?.app.close();
  });

  const post = async (body: unknown, id = 't') => {
    const answer = await request(`${server.url}/things/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: answer.statusCode, body: (await answer.body.json()) as Record<string, any> };
  };

  it.each([
    ['NUL', 'a\u0000b', 'NUL'],
    ['a lone high surrogate', 'a\ud800', 'surrogate'],
    ['a lone low surrogate', '\udc00b', 'surrogate'],
    ['a reversed pair', '\udc00\ud800', 'surrogate'],
  ])('refuses free text with %s, naming the field in words', async (_what, name, word) => {
    const answer = await post({ name, at: '2026-12-20T18:00:00Z' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    expect(answer.body.error.details.problems).toEqual([
      { field: 'body/name', message: expect.stringContaining(word) },
    ]);
    expect(answer.body.error.message).toMatch(/^body\/name must not contain/);
    expect(answer.body.error.message).not.toContain('^');
  });

  it('accepts astral characters and answers them exactly', async () => {
    const name = 'Cup 🏆 final 𝄞 \u{10FFFF} é';
    expect(await post({ name, at: '2026-12-20T18:00:00Z' })).toEqual({
      status: 200,
      body: { name, at: '2026-12-20T18:00:00Z' },
    });
  });

  it.each(['0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '1969-12-31T23:59:59Z', '2026-12-20', 'soon'])(
    'refuses the time %j, naming the field',
    async (at) => {
      const answer = await post({ name: 'x', at });
      expect(answer.status).toBe(400);
      expect(answer.body.error.details.problems).toEqual([
        {
          field: 'body/at',
          message: expect.stringContaining('1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z'),
        },
      ]);
    },
  );

  it('explains a bad identifier in words', async () => {
    const answer = await post({ name: 'x', at: '2026-12-20T18:00:00Z' }, 'a%20b');
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.problems).toEqual([
      { field: 'params/thingId', message: expect.stringContaining('1 to 64 characters') },
    ]);
  });

  it('answers a path parameter above 100 characters as it answers one of 65: 400 VALIDATION_FAILED', async () => {
    for (const length of [65, 101, 300]) {
      const answer = await request(`${server.url}/things/${'x'.repeat(length)}`);
      expect(answer.statusCode).toBe(400);
      expect(await answer.body.json()).toEqual({
        error: {
          code: 'VALIDATION_FAILED',
          message: expect.any(String),
          ...(length === 65 ? { details: expect.anything() } : {}),
        },
      });
    }
  });

  it('answers a path that is not valid percent-encoding with 400 VALIDATION_FAILED', async () => {
    for (const path of ['/things/%E0%A4%A', '/things/%ff', '/nothing/%']) {
      const answer = await request(`${server.url}${path}`);
      const body = (await answer.body.json()) as Record<string, any>;
      expect([400, 404]).toContain(answer.statusCode);
      expect(body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    }
    const answer = await request(`${server.url}/things/%E0%A4%A`);
    expect(answer.statusCode).toBe(400);
    expect(await answer.body.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });

  it('answers HEAD and OPTIONS in shape', async () => {
    const head = await request(`${server.url}/things/t`, { method: 'HEAD' });
    expect(head.statusCode).toBe(200);
    await head.body.dump();
    const options = await request(`${server.url}/things/t`, { method: 'OPTIONS' });
    expect(options.statusCode).toBe(404);
    expect(await options.body.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });

  it("answers what Node's HTTP parser refuses in shape", async () => {
    const garbage = await rawExchange(server.port, 'THIS IS NOT HTTP\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(garbage)).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.any(String) } });

    const longUrl = await rawExchange(
      server.port,
      `GET /things/${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    expect(longUrl).toMatch(/^HTTP\/1\.1 431 /);
    expect(bodyOf(longUrl)).toEqual({ error: { code: 'HEADERS_TOO_LARGE', message: expect.any(String) } });

    // Node itself would answer these with an empty body.
    const noHost = await rawExchange(server.port, 'GET /things/t HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(noHost).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(noHost)).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.any(String) } });
    const expectation = await rawExchange(
      server.port,
      'GET /things/t HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nConnection: close\r\n\r\n',
    );
    expect(expectation).toMatch(/^HTTP\/1\.1 417 /);
    expect(bodyOf(expectation)).toEqual({
      error: { code: 'EXPECTATION_FAILED', message: expect.any(String) },
    });
  });
});

describe('a server that is closing', () => {
  it('answers a request that still arrives 503 NOT_READY with Retry-After, in shape', async () => {
    const { app, url, arrived, release } = await serverWithSlowRoute();
    const agent = new Agent({ connections: 1, pipelining: 2, keepAliveTimeout: 60_000 });
    const slow = request(`${url}/slow`, { dispatcher: agent });
    await arrived;
    const closed = app.close();
    // Same connection, still busy with /slow: Fastify's route handler sees it with the server closing.
    const late = request(`${url}/fast`, { dispatcher: agent });
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    expect((await slow).statusCode).toBe(200);
    const answer = await late;
    expect(answer.statusCode).toBe(503);
    expect(answer.headers['retry-after']).toBe('1');
    expect(await answer.body.json()).toEqual({ error: { code: 'NOT_READY', message: expect.any(String) } });
    await closed;
    await agent.close();
  });
});
