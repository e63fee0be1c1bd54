import type { Pool, PoolClient } from 'pg';
import type { ChangeRecord } from '../common/change-record.js';
import { withPooledClient } from '../common/db/postgres.js';
import type { Logger } from '../common/logger.js';
import { holdBack, keyOf, keysInRepair, lockKeys } from './change-keys.js';
import { writeRecords } from './change-sql.js';
import { classifyWriteError, sqlstateOf } from './classify-error.js';

/** What one batch came to. */
export interface WriteOutcome {
  written: number;
  /** Parked behind a change of their key that is in repair. */
  heldBack: number;
  /** Changes that could not be stored: now in repair. */
  repaired: number;
}

/** Not written now; say so to the caller, who fails the whole batch's jobs for a later retry. */
export class TransientWriteError extends Error {}

/**
 * How the data writer stores a batch of changes: the book's workflow event pattern.
 * - One transaction for the whole batch in the common case.
 * - A change whose key has a change in repair is held back (durably, in Postgres), so Postgres never
 *   sees a key's history out of order; other keys flow on.
 * - A batch that fails for a data reason is split, key by key (bisection), so its good changes
 *   commit; within the failing key, changes are tried in version order: the first that cannot be
 *   stored goes to repair, the ones after it are held back behind it.
 * - A transient failure (connection, timeout, deadlock...) throws `TransientWriteError`: the batch
 *   is retried with backoff and never counts against a change.
 */
export class ChangeStore {
  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
  ) {}

  async write(records: readonly ChangeRecord[]): Promise<WriteOutcome> {
    const outcome: WriteOutcome = { written: 0, heldBack: 0, repaired: 0 };
    if (await this.tryWhole(records, outcome)) return outcome;
    await this.isolate(groupByKey(records), outcome);
    return outcome;
  }

  /** The whole set in one transaction; false if it failed for a data reason (nothing committed). */
  private async tryWhole(records: readonly ChangeRecord[], outcome: WriteOutcome): Promise<boolean> {
    try {
      const counts = await this.transaction(async (client) => {
        await lockKeys(client, records);
        const { write, hold } = partitionByRepairs(records, await keysInRepair(client, records));
        await holdBack(client, hold);
        await writeRecords(client, write);
        return { written: write.length, heldBack: hold.length };
      });
      outcome.written += counts.written;
      outcome.heldBack += counts.heldBack;
      return true;
    } catch (err) {
      if (classifyWriteError(err) === 'transient')
        throw new TransientWriteError(describeFailure(err), { cause: err });
      return false;
    }
  }

  private async isolate(groups: ChangeRecord[][], outcome: WriteOutcome): Promise<void> {
    if (groups.length === 1) return this.writeOneKey(groups[0]!, outcome);
    const middle = Math.ceil(groups.length / 2);
    for (const half of [groups.slice(0, middle), groups.slice(middle)]) {
      if (!(await this.tryWhole(half.flat(), outcome))) await this.isolate(half, outcome);
    }
  }

  /** One key's changes, in version order, each behind a savepoint: the first bad one stops the rest. */
  private async writeOneKey(records: ChangeRecord[], outcome: WriteOutcome): Promise<void> {
    const sorted = [...records].sort((a, b) => a.version - b.version);
    const counts = await this.transaction(async (client) => {
      await lockKeys(client, sorted);
      const inRepair = await keysInRepair(client, sorted);
      const { write, hold } = partitionByRepairs(sorted, inRepair);
      const result = { written: 0, heldBack: hold.length, repaired: 0 };
      for (const [i, record] of write.entries()) {
        const failure = await tryInSavepoint(client, () => writeRecords(client, [record]));
        if (failure === undefined) {
          result.written += 1;
          continue;
        }
        await addRepair(client, record, failure);
        this.log.error(
          { key: keyOf(record), version: record.version, err: failure, heldBack: write.length - i - 1 },
          'a change cannot be stored: it waits for repair, later changes of its key wait behind it',
        );
        result.repaired += 1;
        const later = write.slice(i + 1);
        await holdBack(client, later);
        result.heldBack += later.length;
        break;
      }
      await holdBack(client, hold);
      return result;
    });
    outcome.written += counts.written;
    outcome.heldBack += counts.heldBack;
    outcome.repaired += counts.repaired;
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }
}

/** Runs `work` in a transaction on a pooled client: committed if it returns, rolled back if it throws. */
export function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return withPooledClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

/**
 * Runs `work` behind a savepoint: undefined if it succeeded; the error if it failed for a data
 * reason (rolled back to the savepoint, the transaction goes on). A transient failure is thrown.
 */
export async function tryInSavepoint(client: PoolClient, work: () => Promise<void>): Promise<unknown> {
  await client.query('SAVEPOINT change');
  try {
    await work();
    await client.query('RELEASE SAVEPOINT change');
    return undefined;
  } catch (err) {
    if (classifyWriteError(err) === 'transient')
      throw new TransientWriteError(describeFailure(err), { cause: err });
    await client.query('ROLLBACK TO SAVEPOINT change');
    return err;
  }
}

/**
 * Files a change that cannot be stored; a duplicate of the one already filed counts an attempt.
 * A key has one item in repair, its oldest unstored change: jobs may complete out of order (a retry
 * in backoff, a resend after Redis restarted), so when an older change fails after a newer one was
 * filed, the newer one moves behind it (held back) and the older one takes its place.
 */
export async function addRepair(client: PoolClient, record: ChangeRecord, error: unknown): Promise<void> {
  const { rows } = await client.query<{ version: string; change: string }>(
    'SELECT version, change FROM change_repairs WHERE aggregate = $1 AND key = $2 FOR UPDATE',
    [record.aggregate, record.key],
  );
  const filed = rows[0];
  if (filed !== undefined && Number(filed.version) > record.version) {
    await client.query(
      `INSERT INTO change_held_back (aggregate, key, version, change) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [record.aggregate, record.key, filed.version, filed.change],
    );
    await client.query('DELETE FROM change_repairs WHERE aggregate = $1 AND key = $2', [
      record.aggregate,
      record.key,
    ]);
  }
  await client.query(
    `INSERT INTO change_repairs (aggregate, key, version, change, error, sqlstate)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (aggregate, key) DO UPDATE
        SET attempts = change_repairs.attempts + 1, last_failed_at = now(), error = EXCLUDED.error`,
    [
      record.aggregate,
      record.key,
      record.version,
      JSON.stringify(record),
      describeFailure(error),
      sqlstateOf(error),
    ],
  );
}

/**
 * Splits a batch by the repairs of its keys: a change older than its key's repair is written (it
 * comes before the bad one); the repaired version itself, arriving again, is a duplicate (dropped:
 * it is kept in the repair); a newer one is held back.
 */
function partitionByRepairs(
  records: readonly ChangeRecord[],
  inRepair: Map<string, number>,
): { write: ChangeRecord[]; hold: ChangeRecord[] } {
  const write: ChangeRecord[] = [];
  const hold: ChangeRecord[] = [];
  for (const record of records) {
    const blocked = inRepair.get(keyOf(record));
    if (blocked === undefined || record.version < blocked) write.push(record);
    else if (record.version > blocked) hold.push(record);
  }
  return { write, hold };
}

function groupByKey(records: readonly ChangeRecord[]): ChangeRecord[][] {
  const groups = new Map<string, ChangeRecord[]>();
  for (const record of records) {
    const key = keyOf(record);
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  return [...groups.values()];
}

/** A failure in words, with its SQLSTATE when Postgres gave one. */
export function describeFailure(err: unknown): string {
  const state = sqlstateOf(err);
  const message = err instanceof Error ? err.message : String(err);
  return state ? `${message} (SQLSTATE ${state})` : message;
}
