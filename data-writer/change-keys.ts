import type { PoolClient } from 'pg';
import { aggregateId, type ChangeRecord } from '../common/change-record.js';

/** The identity of an aggregate across kinds (keys of events, sections and auctions may look alike). */
export const keyOf = (record: Pick<ChangeRecord, 'aggregate' | 'key'>): string =>
  aggregateId(record.aggregate, record.key);

/**
 * Takes a transaction-scoped advisory lock on each aggregate of `records`, in one order for all
 * writers (so two writers never deadlock), so that whether a key is under repair cannot change
 * while this transaction writes it.
 */
export async function lockKeys(client: PoolClient, records: readonly ChangeRecord[]): Promise<void> {
  const keys = [...new Set(records.map(keyOf))];
  if (keys.length === 0) return;
  await client.query(
    `SELECT pg_advisory_xact_lock(h)
       FROM (SELECT DISTINCT hashtextextended(k, 7304418) AS h FROM unnest($1::text[]) AS k ORDER BY 1) AS ordered`,
    [keys],
  );
}

/** For each aggregate of `records` that has a change in repair: the version in repair. */
export async function keysInRepair(
  client: PoolClient,
  records: readonly ChangeRecord[],
): Promise<Map<string, number>> {
  if (records.length === 0) return new Map();
  const distinct = new Map(records.map((r) => [keyOf(r), r]));
  const { rows } = await client.query<{ aggregate: string; key: string; version: string }>(
    `SELECT r.aggregate, r.key, r.version
       FROM change_repairs r
       JOIN unnest($1::text[], $2::text[]) AS t(aggregate, key) ON r.aggregate = t.aggregate AND r.key = t.key`,
    [[...distinct.values()].map((r) => r.aggregate), [...distinct.values()].map((r) => r.key)],
  );
  return new Map(
    rows.map((row) => [keyOf(row as Pick<ChangeRecord, 'aggregate' | 'key'>), Number(row.version)]),
  );
}

/** Parks changes behind their key's repair (durably, in version order); a duplicate is ignored. */
export async function holdBack(client: PoolClient, records: readonly ChangeRecord[]): Promise<void> {
  if (records.length === 0) return;
  await client.query(
    `INSERT INTO change_held_back (aggregate, key, version, change)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])
     ON CONFLICT DO NOTHING`,
    [
      records.map((r) => r.aggregate),
      records.map((r) => r.key),
      records.map((r) => r.version),
      records.map((r) => JSON.stringify(r)),
    ],
  );
}
