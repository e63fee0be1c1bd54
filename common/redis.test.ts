import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../test/support/child-part.js';
import { TEST_REDIS_URL } from '../test/support/test-env.js';
import {
  ServiceCredentialsError,
  ServiceTlsError,
  ServiceUnavailableError,
  ServiceUnreachableError,
} from './errors.js';
import { checkRedis } from './redis.js';

const run = promisify(execFile);

/** A redis-server of the test's own with `args`; resolves once it says it accepts connections. */
async function redisServer(args: string[]): Promise<{ stop(): Promise<void> }> {
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((done) => child.once('exit', done));
  let output = '';
  await new Promise<void>((ready, failed) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) ready();
    });
    child.once('error', (err) =>
      failed(new Error(`redis-server did not start (is it installed?): ${err.message}`)),
    );
    void exited.then((code) => failed(new Error(`redis-server exited with ${String(code)}:\n${output}`)));
  });
  return {
    async stop() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** What `work` failed with (it must fail). */
async function failure(work: Promise<unknown>): Promise<Error> {
  const outcome = await work.then(
    () => new Error('expected a failure, and it succeeded'),
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(ServiceUnavailableError);
  return outcome as Error;
}

describe('checkRedis says what failed (real Redis)', () => {
  it('passes on the tests’ own Redis', async () => {
    await expect(checkRedis(TEST_REDIS_URL)).resolves.toBeUndefined();
  });

  it('a port nobody listens on: unreachable, with host and port', async () => {
    const err = await failure(checkRedis('redis://127.0.0.1:1'));
    expect(err).toBeInstanceOf(ServiceUnreachableError);
    expect(err.message).toMatch(/^Redis is unreachable at 127\.0\.0\.1:1 \(connection refused\): start it/);
  });

  it('a server that takes the connection and never answers: unreachable, after the timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening));
    const { port } = silent.address() as AddressInfo;
    try {
      const err = await failure(checkRedis(`redis://127.0.0.1:${port}`, 500));
      expect(err).toBeInstanceOf(ServiceUnreachableError);
      expect(err.message).toContain(`Redis is unreachable at 127.0.0.1:${port} (no answer within 0.5 s)`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((closed) => silent.close(closed));
    }
  });

  describe('a Redis with a password', () => {
    let port = 0;
    let server: { stop(): Promise<void> } | undefined;
    beforeAll(async () => {
      port = await freePort();
      server = await redisServer(['--port', String(port), '--requirepass', 'the-password']);
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('accepts the right one', async () => {
      await expect(checkRedis(`redis://:the-password@127.0.0.1:${port}`)).resolves.toBeUndefined();
    });

    it('no password given (NOAUTH): says that one is wanted', async () => {
      const err = await failure(checkRedis(`redis://127.0.0.1:${port}`));
      expect(err).toBeInstanceOf(ServiceCredentialsError);
      expect(err.message).toMatch(new RegExp(`^Redis at 127\\.0\\.0\\.1:${port} wants a password`));
    });

    it('a wrong password (WRONGPASS): the credentials are refused, and the password is not shown', async () => {
      const err = await failure(checkRedis(`redis://:not-the-password@127.0.0.1:${port}`));
      expect(err).toBeInstanceOf(ServiceCredentialsError);
      expect(err.message).toBe(
        `Redis at 127.0.0.1:${port} refused the credentials for user "default": fix the user or password in REDIS_URL.`,
      );
      expect(err.message).not.toContain('not-the-password');
    });
  });

  it('a TLS server whose certificate is not trusted: a TLS error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redis-tls-'));
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
    ]);
    const port = await freePort();
    const server = await redisServer([
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--tls-cert-file',
      cert,
      '--tls-key-file',
      key,
      '--tls-auth-clients',
      'no',
    ]);
    try {
      const err = await failure(checkRedis(`rediss://127.0.0.1:${port}`));
      expect(err).toBeInstanceOf(ServiceTlsError);
      expect(err.message).toMatch(
        new RegExp(
          `^the TLS handshake with Redis at 127\\.0\\.0\\.1:${port} failed \\(self[- ]signed certificate`,
        ),
      );
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
