import type pg from 'pg';

/** Deadlock detected, serialization failure: safe to run the whole transaction again. */
const RETRYABLE = new Set(['40P01', '40001']);

/** Runs `work` in one transaction on a pooled client; retried (a few times) when Postgres asks for it. */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      const code = (err as { code?: string }).code;
      if (attempt >= attempts || code === undefined || !RETRYABLE.has(code)) throw err;
    } finally {
      client.release(broken);
    }
  }
}
