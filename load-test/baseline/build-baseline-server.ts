import type pg from 'pg';
import { createPool, ensureDatabase } from '../../common/db/postgres.js';
import { closeGracefully, createHttpServer } from '../../common/http-server.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import { createRegistry, registerOpsRoutes } from '../../common/ops-routes.js';
import { BASELINE_DDL, DDL_LOCK_KEY } from './baseline-ddl.js';
import { expireDueHolds } from './hold-lifecycle.js';
import { registerTicketingRoutes } from './ticketing-routes.js';

export interface BaselineServerOptions {
  /** Its own database, created if missing. Default postgres://postgres@127.0.0.1:5432/spacegrid_baseline. */
  databaseUrl?: string;
  /** 0 picks a free port. Default 8090. */
  port?: number;
  host?: string;
  /** Postgres connections. Default 16. */
  poolSize?: number;
  /** How often overdue holds are expired. Default 1 s. */
  sweepIntervalMs?: number;
  log?: Logger;
}

export interface BaselineServer {
  /** Creates the database and tables if needed, listens; resolves to the base URL. */
  start(): Promise<string>;
  close(): Promise<void>;
}

export const DEFAULT_BASELINE_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/spacegrid_baseline';

async function createTables(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [DDL_LOCK_KEY]);
    await client.query(BASELINE_DDL);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * The comparison point: API.md's ticketing routes done the way most systems do them, directly
 * on Postgres (a conditional UPDATE and an INSERT per hold, in one transaction), with no grid
 * and no cache. Bidding is not implemented.
 */
export function buildBaselineServer(options: BaselineServerOptions = {}): BaselineServer {
  const databaseUrl = options.databaseUrl ?? DEFAULT_BASELINE_DATABASE_URL;
  const log = options.log ?? silentLogger;
  let pool: pg.Pool | undefined;
  let app: ReturnType<typeof createHttpServer> | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  let sweep: Promise<void> | undefined;

  return {
    async start() {
      await ensureDatabase(databaseUrl, log);
      pool = createPool(databaseUrl, options.poolSize ?? 16);
      await createTables(pool);
      const db = pool;
      app = createHttpServer({ log, bodyLimit: 8 * 1024 * 1024 });
      registerOpsRoutes(app, createRegistry('baseline'), () => ({ ready: true }));
      registerTicketingRoutes(app, db);
      sweeper = setInterval(() => {
        sweep ??= expireDueHolds(db)
          .then(() => undefined)
          .catch((err: unknown) => log.warn({ err }, 'hold expiry sweep failed'))
          .finally(() => (sweep = undefined));
      }, options.sweepIntervalMs ?? 1000);
      return app.listen({ port: options.port ?? 8090, host: options.host ?? '127.0.0.1' });
    },
    async close() {
      if (sweeper) clearInterval(sweeper);
      if (app) await closeGracefully(app);
      await sweep;
      await pool?.end();
    },
  };
}
