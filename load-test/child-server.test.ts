import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startChildServer } from './child-server.js';

describe('startChildServer', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'child-server-'));
    await writeFile(
      join(dir, 'ready.mjs'),
      `process.send({ type: 'ready', url: 'http://127.0.0.1:1' });
       const keep = setInterval(() => {}, 1000);
       process.on('SIGTERM', () => { clearInterval(keep); process.exit(0); });`,
    );
    // Listens on the port it is given; /readyz says 503 for its first three polls, then 200.
    await writeFile(
      join(dir, 'http.mjs'),
      `import { createServer } from 'node:http';
       let polls = 0;
       const server = createServer((req, res) => {
         polls += 1;
         res.writeHead(req.url === '/readyz' && polls > 3 ? 200 : 503).end(String(polls));
       });
       server.listen(Number(process.argv[2]), '127.0.0.1');
       process.on('SIGTERM', () => server.close(() => process.exit(0)));`,
    );
    await writeFile(join(dir, 'crash.mjs'), `console.error('no database'); process.exit(3);`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('waits for the ready message, and stops the child on close', async () => {
    const server = await startChildServer({ name: 'fixture', modulePath: join(dir, 'ready.mjs'), env: {} });
    expect(server.url).toBe('http://127.0.0.1:1');
    expect(() => process.kill(server.pid!, 0)).not.toThrow();
    await server.close();
    expect(() => process.kill(server.pid!, 0)).toThrow();
  });

  it('with readyUrl, waits until GET /readyz answers 200', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = await startChildServer({
      name: 'fixture',
      modulePath: join(dir, 'http.mjs'),
      args: [String(port)],
      env: {},
      readyUrl: url,
    });
    expect(server.url).toBe(url);
    const readyz = await fetch(`${url}/readyz`);
    expect(readyz.status).toBe(200);
    expect(Number(await readyz.text())).toBeGreaterThan(4);
    await server.close();
  });

  it('reports a child that dies before it is ready, with what it printed', async () => {
    await expect(
      startChildServer({ name: 'fixture', modulePath: join(dir, 'crash.mjs'), env: {} }),
    ).rejects.toThrow(/fixture server exited \(3\) before it was ready\s+no database/);
  });
});
