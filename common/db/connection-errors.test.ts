import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { databaseUrl, TEST_DATABASE_URL } from '../../test/support/test-env.js';
import {
  DatabaseMissingError,
  ServiceCredentialsError,
  ServiceTlsError,
  ServiceUnavailableError,
  ServiceUnreachableError,
} from '../errors.js';
import { silentLogger } from '../logger.js';
import { createPool, ensureDatabase, migrate } from './postgres.js';

const unique = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;

/** TEST_DATABASE_URL with some parts changed. */
function urlWith(change: (url: URL) => void): string {
  const url = new URL(TEST_DATABASE_URL);
  change(url);
  return url.toString();
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

/** Runs SQL as the test's own (trusted) user on the `postgres` database. */
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('Postgres connection errors say what failed (real Postgres)', () => {
  it('a port nobody listens on: unreachable, with host and port', async () => {
    const err = await failure(
      ensureDatabase(
        urlWith((url) => (url.port = '1')),
        silentLogger,
      ),
    );
    expect(err).toBeInstanceOf(ServiceUnreachableError);
    expect(err.message).toMatch(
      /^Postgres is unreachable at 127\.0\.0\.1:1 \(connection refused\): start it/,
    );
  });

  it('a host that does not exist: unreachable, host not found', async () => {
    const err = await failure(
      ensureDatabase(
        urlWith((url) => (url.hostname = 'no-such-host.invalid')),
        silentLogger,
      ),
    );
    expect(err).toBeInstanceOf(ServiceUnreachableError);
    expect(err.message).toMatch(/^Postgres is unreachable at no-such-host\.invalid:5432 \(host not found\)/);
  });

  it('a server that takes the connection and never answers: unreachable, after the connect timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening));
    const { port } = silent.address() as AddressInfo;
    try {
      const err = await failure(
        ensureDatabase(
          urlWith((url) => (url.port = String(port))),
          silentLogger,
        ),
      );
      expect(err).toBeInstanceOf(ServiceUnreachableError);
      expect(err.message).toContain(`Postgres is unreachable at 127.0.0.1:${port} (no answer within 5 s)`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((closed) => silent.close(closed));
    }
  });

  // The test server trusts 127.0.0.1 (no password is ever asked), so a role that does not exist is
  // the refusal it can give: SQLSTATE 28000, handled as a wrong password (28P01) is.
  it('a user the server does not know: the credentials are refused, for that user, and the password is not shown', async () => {
    const user = unique('spacegrid_nobody');
    const err = await failure(
      ensureDatabase(
        urlWith((url) => {
          url.username = user;
          url.password = 'not-the-password';
        }),
        silentLogger,
      ),
    );
    expect(err).toBeInstanceOf(ServiceCredentialsError);
    expect(err.message).toBe(
      `Postgres at 127.0.0.1:${new URL(TEST_DATABASE_URL).port || '5432'} refused the credentials for user "${user}" ` +
        `(role "${user}" does not exist): fix the user or password in DATABASE_URL.`,
    );
    expect(err.message).not.toContain('not-the-password');
  });

  it('a database that does not exist: says which', async () => {
    const database = unique('spacegrid_missing');
    const pool = createPool(databaseUrl(database), 1);
    try {
      const err = await failure(migrate(pool, silentLogger));
      expect(err).toBeInstanceOf(DatabaseMissingError);
      expect((err as DatabaseMissingError).database).toBe(database);
      expect(err.message).toMatch(new RegExp(`^Postgres at \\S+ has no database "${database}"`));
    } finally {
      await pool.end();
    }
  });

  it('a user that may not create the missing database: says so, not that Postgres is down', async () => {
    const user = unique('spacegrid_nocreatedb');
    const database = unique('spacegrid_never');
    await admin(`CREATE ROLE ${user} LOGIN NOCREATEDB`);
    try {
      const err = await failure(
        ensureDatabase(
          urlWith((url) => {
            url.username = user;
            url.pathname = `/${database}`;
          }),
          silentLogger,
        ),
      );
      expect(err.constructor).toBe(ServiceUnavailableError);
      expect(err.message).toMatch(
        new RegExp(`has no database "${database}", and user "${user}" may not create it: .*CREATEDB`),
      );
    } finally {
      await admin(`DROP ROLE ${user}`);
    }
  });

  // The test server offers no TLS; one that did would fail verify-full on its self-signed certificate.
  it('TLS asked of a server that does not give it: a TLS error', async () => {
    const err = await failure(
      ensureDatabase(
        urlWith((url) => url.searchParams.set('sslmode', 'verify-full')),
        silentLogger,
      ),
    );
    expect(err).toBeInstanceOf(ServiceTlsError);
    expect(err.message).toMatch(/^the TLS handshake with Postgres at \S+ failed \(.+\): check sslmode/);
  });
});
