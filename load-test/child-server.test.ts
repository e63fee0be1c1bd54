import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer } from './child-server.js';

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

  it('reports a child that dies before it is ready, with what it printed', async () => {
    await expect(
      startChildServer({ name: 'fixture', modulePath: join(dir, 'crash.mjs'), env: {} }),
    ).rejects.toThrow(/fixture server exited \(3\) before it was ready\s+no database/);
  });
});
