import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
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
