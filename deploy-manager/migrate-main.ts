import { Type } from '@sinclair/typebox';
import { CommonEnv, parseEnv } from '../common/config.js';
import { openDatabase } from '../common/db/postgres.js';
import { ServiceUnavailableError } from '../common/errors.js';
import { createRootLogger } from '../common/logger.js';
import { loadConfig } from '../common/run-process.js';

/**
 * `npm run migrate`: creates the database named by DATABASE_URL if it is missing and applies the
 * migrations it lacks, then exits (every process also does this at start; this is for an operator,
 * or a deployment's migration job, that wants it done first and on its own).
 */
const env = loadConfig(() =>
  parseEnv(
    Type.Object({ LOG_LEVEL: CommonEnv.LOG_LEVEL, DATABASE_URL: CommonEnv.DATABASE_URL }),
    process.env,
  ),
);
const log = createRootLogger({ level: env.LOG_LEVEL });
openDatabase(env.DATABASE_URL, log, 1).then(
  async (pool) => {
    const { rows } = await pool.query<{ version: number }>(
      'SELECT max(version) AS version FROM schema_migrations',
    );
    await pool.end();
    log.info({ schemaVersion: rows[0]?.version ?? 0 }, 'the database is migrated');
    process.exit(0);
  },
  (err: unknown) => {
    if (err instanceof ServiceUnavailableError) log.fatal({ service: err.service }, err.message);
    else log.fatal({ err }, 'migrating failed');
    process.exit(1);
  },
);
