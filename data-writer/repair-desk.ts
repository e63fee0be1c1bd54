import type { Pool, PoolClient } from 'pg';
import type { ChangeRecord } from '../common/change-record.js';
import type { Logger } from '../common/logger.js';
import { lockKeys } from './change-keys.js';
import { writeRecords } from './change-sql.js';
import { addRepair, describeFailure, inTransaction, tryInSavepoint } from './change-store.js';

/** A change in repair, as `GET /admin/repairs` lists it. */
export interface RepairItem {
  id: string;
  aggregate: string;
  /** The grid key of the aggregate. */
  key: string;
  version: number;
  error: string;
  sqlstate: string | null;
  attempts: number;
  firstFailedAt: string;
  lastFailedAt: string;
  /** Later changes of the same key waiting behind this one. */
  heldBack: number;
  /** The change itself, to read and correct. */
  change: ChangeRecord;
}

/** What a retry or a discard came to. */
export interface RepairResult {
  /** `resolved`: the item is gone and every change held back behind it was written. */
  status: 'resolved' | 'failed';
  /** Changes written to Postgres (the repaired one and those held back behind it). */
  written: number;
  /** When the item (or a change held back behind it) still cannot be stored: why, and the item now in repair. */
  error?: string;
  repairId?: string;
}

export class RepairNotFoundError extends Error {}

interface RepairRow {
  repair_id: string;
  aggregate: string;
  key: string;
  version: string;
  change: string;
  error: string;
  sqlstate: string | null;
  attempts: number;
  first_failed_at: Date;
  last_failed_at: Date;
  held_back: string;
}

/**
 * The operator's side of the repair queue: list what waits, retry it (as it was, or corrected),
 * or discard it. Resolving an item writes the changes held back behind it, in version order; one
 * of those that fails in turn becomes the key's item in repair.
 */
export class RepairDesk {
  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
  ) {}

  async list(): Promise<RepairItem[]> {
    const { rows } = await this.pool.query<RepairRow>(
      `SELECT r.*, (SELECT count(*) FROM change_held_back h WHERE h.aggregate = r.aggregate AND h.key = r.key) AS held_back
         FROM change_repairs r ORDER BY r.repair_id`,
    );
    return rows.map(toItem);
  }

  /** Items in repair and changes held back, for the metrics. */
  async counts(): Promise<{ repairs: number; heldBack: number }> {
    const { rows } = await this.pool.query<{ repairs: string; held: string }>(
      'SELECT (SELECT count(*) FROM change_repairs) AS repairs, (SELECT count(*) FROM change_held_back) AS held',
    );
    return { repairs: Number(rows[0]?.repairs ?? 0), heldBack: Number(rows[0]?.held ?? 0) };
  }

  /** Writes the item's change (or `corrected`, the same aggregate, key and version) and what waits behind it. */
  retry(id: string, corrected?: ChangeRecord): Promise<RepairResult> {
    return inTransaction(this.pool, async (client) => {
      const row = await this.take(client, id);
      const change = corrected ?? (JSON.parse(row.change) as ChangeRecord);
      if (
        change.aggregate !== row.aggregate ||
        change.key !== row.key ||
        change.version !== Number(row.version)
      )
        throw new RangeError(
          `a corrected change must keep the aggregate, key and version of the item (${row.aggregate} ${row.key} v${row.version})`,
        );
      const failure = await tryInSavepoint(client, () => writeRecords(client, [change]));
      if (failure !== undefined) {
        await client.query(
          `UPDATE change_repairs SET attempts = attempts + 1, last_failed_at = now(), error = $2, change = $3
            WHERE repair_id = $1`,
          [id, describeFailure(failure), JSON.stringify(change)],
        );
        return { status: 'failed', written: 0, error: describeFailure(failure), repairId: id };
      }
      await client.query('DELETE FROM change_repairs WHERE repair_id = $1', [id]);
      const after = await this.writeHeldBack(client, row);
      this.log.info({ repairId: id, key: row.key, written: after.written + 1 }, 'repair retried');
      return { ...after, written: after.written + 1 };
    });
  }

  /** Drops the item's change for good, and writes what waits behind it. */
  discard(id: string): Promise<RepairResult> {
    return inTransaction(this.pool, async (client) => {
      const row = await this.take(client, id);
      await client.query('DELETE FROM change_repairs WHERE repair_id = $1', [id]);
      this.log.warn(
        { repairId: id, key: row.key, version: row.version, change: row.change },
        'repair discarded',
      );
      return this.writeHeldBack(client, row);
    });
  }

  /** The item, locked for this transaction (its row and its key). */
  private async take(client: PoolClient, id: string): Promise<RepairRow> {
    if (!/^[0-9]{1,18}$/.test(id)) throw new RepairNotFoundError(`no repair item ${id}`);
    const { rows } = await client.query<RepairRow>(
      `SELECT *, 0 AS held_back FROM change_repairs WHERE repair_id = $1 FOR UPDATE`,
      [id],
    );
    const row = rows[0];
    if (!row) throw new RepairNotFoundError(`no repair item ${id}`);
    await lockKeys(client, [{ aggregate: row.aggregate, key: row.key } as ChangeRecord]);
    return row;
  }

  /** The changes held back behind a resolved item, in version order, until one fails (it becomes the item). */
  private async writeHeldBack(client: PoolClient, row: RepairRow): Promise<RepairResult> {
    const { rows } = await client.query<{ version: string; change: string }>(
      'SELECT version, change FROM change_held_back WHERE aggregate = $1 AND key = $2 ORDER BY version',
      [row.aggregate, row.key],
    );
    let written = 0;
    for (const held of rows) {
      const change = JSON.parse(held.change) as ChangeRecord;
      const failure = await tryInSavepoint(client, () => writeRecords(client, [change]));
      await client.query('DELETE FROM change_held_back WHERE aggregate = $1 AND key = $2 AND version = $3', [
        row.aggregate,
        row.key,
        held.version,
      ]);
      if (failure === undefined) {
        written += 1;
        continue;
      }
      await addRepair(client, change, failure);
      const { rows: next } = await client.query<{ repair_id: string }>(
        'SELECT repair_id FROM change_repairs WHERE aggregate = $1 AND key = $2',
        [row.aggregate, row.key],
      );
      return { status: 'failed', written, error: describeFailure(failure), repairId: next[0]?.repair_id };
    }
    return { status: 'resolved', written };
  }
}

function toItem(row: RepairRow): RepairItem {
  return {
    id: row.repair_id,
    aggregate: row.aggregate,
    key: row.key,
    version: Number(row.version),
    error: row.error,
    sqlstate: row.sqlstate,
    attempts: row.attempts,
    firstFailedAt: row.first_failed_at.toISOString(),
    lastFailedAt: row.last_failed_at.toISOString(),
    heldBack: Number(row.held_back),
    change: JSON.parse(row.change) as ChangeRecord,
  };
}
