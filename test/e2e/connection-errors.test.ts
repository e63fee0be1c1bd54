import { describe, expect, inject, it } from 'vitest';
import { ServiceCredentialsError, type ServiceUnavailableError } from '../../common/errors.js';
import { openGridLink } from '../../common/grid-client.js';
import { silentLogger } from '../../common/logger.js';
import { uniqueName } from '../support/system.js';
import { TEST_DATABASE_URL } from '../support/test-env.js';
import { runMigrate } from '../support/migrate-process.js';

/** Runs the built `npm run migrate` with DATABASE_URL `url` until it exits. */

describe('a process that cannot start says what failed, not only that a service is down', () => {
  it('Hazelcast members that answer for another cluster name: the client was refused, not unreachable', async () => {
    const members = inject('hzMembers');
    const clusterName = `not-${inject('hzClusterName')}`;
    const failure = await openGridLink({
      members,
      clusterName,
      connectTimeoutMs: 2_000,
      log: silentLogger,
    }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ServiceCredentialsError);
    expect((failure as ServiceUnavailableError).service).toBe('Hazelcast');
    expect((failure as Error).message).toContain(
      `Hazelcast at ${members.join(', ')} answered, but let no client into cluster "${clusterName}" within 2 s: ` +
        "set HZ_CLUSTER_NAME to the members' cluster name",
    );
  });

  // The test server trusts 127.0.0.1, so the refusal it can give is for a role it does not know.
  it('npm run migrate as a Postgres user that does not exist: one line naming the user', async () => {
    const user = uniqueName('spacegrid_nobody_');
    const url = new URL(TEST_DATABASE_URL);
    url.username = user;
    url.password = 'not-the-password';
    const { code, output } = await runMigrate(url.toString());
    expect(code).toBe(1);
    expect(output).toContain(`refused the credentials for user \\"${user}\\"`);
    expect(output).not.toContain('not-the-password');
    expect(output).not.toMatch(/unreachable/);
  });
});
