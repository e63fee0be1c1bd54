import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ConflictError, HoldExpiredError, NotFoundError } from '../../common/errors.js';
import { orderView, type HoldRow, type OrderRow } from './ticketing-views.js';
import { withTransaction } from './with-transaction.js';

/**
 * Lock order, the same everywhere so transactions never wait on each other in a circle:
 * the hold row, then its seats, then the section row.
 */
async function lockHold(
  client: pg.PoolClient,
  eventId: string,
  sectionId: string,
  holdId: string,
): Promise<HoldRow> {
  const { rows } = await client.query<HoldRow>(
    'SELECT * FROM holds WHERE hold_id = $1 AND event_id = $2 AND section_id = $3 FOR UPDATE',
    [holdId, eventId, sectionId],
  );
  if (!rows[0]) throw new NotFoundError('HOLD_NOT_FOUND', `no hold ${holdId}`);
  return rows[0];
}

/** Gives a HELD hold's seats back and marks it RELEASED or EXPIRED. */
async function closeHold(
  client: pg.PoolClient,
  hold: HoldRow,
  status: 'RELEASED' | 'EXPIRED',
): Promise<void> {
  if (hold.seats)
    await client.query(`UPDATE seats SET status = 'AVAILABLE', hold_id = NULL WHERE hold_id = $1`, [
      hold.hold_id,
    ]);
  await client.query(
    'UPDATE sections SET held = held - $3, version = version + 1 WHERE event_id = $1 AND section_id = $2',
    [hold.event_id, hold.section_id, hold.quantity],
  );
  await client.query('UPDATE holds SET status = $2 WHERE hold_id = $1', [hold.hold_id, status]);
}

const isPastExpiry = (hold: HoldRow): boolean => hold.expires_at.getTime() <= Date.now();

/** POST …/purchase: 201 with the new order, 200 with the same order again, 409 released, 410 expired. */
export async function purchaseHold(pool: pg.Pool, eventId: string, sectionId: string, holdId: string) {
  const outcome = await withTransaction(pool, async (client) => {
    const hold = await lockHold(client, eventId, sectionId, holdId);
    if (hold.status === 'PURCHASED') {
      const { rows } = await client.query<OrderRow>('SELECT * FROM orders WHERE hold_id = $1', [holdId]);
      return { type: 'again' as const, order: rows[0]! };
    }
    if (hold.status === 'RELEASED') throw new ConflictError('HOLD_NOT_ACTIVE', `hold ${holdId} was released`);
    if (hold.status === 'EXPIRED') return { type: 'expired' as const };
    if (isPastExpiry(hold)) {
      await closeHold(client, hold, 'EXPIRED');
      return { type: 'expired' as const };
    }
    if (hold.seats) await client.query(`UPDATE seats SET status = 'SOLD' WHERE hold_id = $1`, [holdId]);
    await client.query(
      'UPDATE sections SET held = held - $3, sold = sold + $3, version = version + 1 WHERE event_id = $1 AND section_id = $2',
      [eventId, sectionId, hold.quantity],
    );
    const orderId = `o-${randomUUID()}`;
    const { rows } = await client.query<OrderRow>(
      `INSERT INTO orders (order_id, hold_id, event_id, section_id, customer_id, quantity, seats, purchased_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now()) RETURNING *`,
      [orderId, holdId, eventId, sectionId, hold.customer_id, hold.quantity, hold.seats],
    );
    await client.query(`UPDATE holds SET status = 'PURCHASED', order_id = $2 WHERE hold_id = $1`, [
      holdId,
      orderId,
    ]);
    return { type: 'created' as const, order: rows[0]! };
  });
  if (outcome.type === 'expired') throw new HoldExpiredError(`hold ${holdId} expired`);
  return { status: outcome.type === 'created' ? 201 : 200, body: orderView(outcome.order) };
}

/** DELETE …/holds/{id}: seats return (204); 409 HOLD_NOT_ACTIVE once purchased. Releasing twice is harmless. */
export async function releaseHold(
  pool: pg.Pool,
  eventId: string,
  sectionId: string,
  holdId: string,
): Promise<void> {
  await withTransaction(pool, async (client) => {
    const hold = await lockHold(client, eventId, sectionId, holdId);
    if (hold.status === 'PURCHASED')
      throw new ConflictError('HOLD_NOT_ACTIVE', `hold ${holdId} is purchased`);
    if (hold.status === 'HELD') await closeHold(client, hold, isPastExpiry(hold) ? 'EXPIRED' : 'RELEASED');
  });
}

/**
 * The sweeper's statement: expires up to `limit` overdue holds and gives their seats back,
 * in one transaction. Returns how many it expired.
 */
export async function expireDueHolds(pool: pg.Pool, limit = 1000): Promise<number> {
  const { rows } = await pool.query<{ expired: number }>(
    `WITH expired AS (
       UPDATE holds SET status = 'EXPIRED'
        WHERE hold_id IN (SELECT hold_id FROM holds WHERE status = 'HELD' AND expires_at <= now()
                           ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING hold_id, event_id, section_id, quantity, seats
     ), freed AS (
       UPDATE seats SET status = 'AVAILABLE', hold_id = NULL
        WHERE hold_id IN (SELECT hold_id FROM expired WHERE seats IS NOT NULL)
     ), per_section AS (
       SELECT event_id, section_id, sum(quantity)::int AS quantity FROM expired GROUP BY event_id, section_id
     ), sections_updated AS (
       UPDATE sections s SET held = s.held - p.quantity, version = s.version + 1
         FROM per_section p WHERE s.event_id = p.event_id AND s.section_id = p.section_id
     )
     SELECT count(*)::int AS expired FROM expired`,
    [limit],
  );
  return rows[0]?.expired ?? 0;
}
