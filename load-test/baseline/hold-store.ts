import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ConflictError, NotFoundError, ValidationError } from '../../common/errors.js';
import type { HoldBody } from '../../common/ticketing-api-schemas.js';
import { holdView, type HoldRow } from './ticketing-views.js';
import { withTransaction } from './with-transaction.js';

const HOLD_COLUMNS =
  'hold_id, event_id, section_id, customer_id, quantity, seats, status, expires_at, order_id';

/**
 * General admission, the path the benchmark measures: the classic conditional UPDATE of the
 * section and the INSERT of the hold, in one transaction (one statement, so one round trip).
 * No rows back means: unknown event or section, a reserved section, too many seats, or sold out.
 */
const GA_HOLD_SQL = `
  WITH section AS (
    UPDATE sections SET held = held + $3, version = version + 1
     WHERE event_id = $1 AND section_id = $2 AND kind = 'GA' AND held + sold + $3 <= capacity
       AND $3 <= (SELECT max_seats_per_hold FROM events WHERE event_id = $1)
    RETURNING event_id
  )
  INSERT INTO holds (hold_id, event_id, section_id, customer_id, quantity, status, expires_at)
  SELECT $4, $1, $2, $5, $3, 'HELD', now() + make_interval(secs => e.hold_ttl_seconds)
    FROM section JOIN events e USING (event_id)
  RETURNING ${HOLD_COLUMNS}`;

interface SectionFacts {
  kind: 'GA' | 'RESERVED' | null;
  max_seats_per_hold: number;
  hold_ttl_seconds: number;
}

async function sectionFacts(
  db: pg.Pool | pg.PoolClient,
  eventId: string,
  sectionId: string,
): Promise<SectionFacts> {
  const { rows } = await db.query<SectionFacts>(
    `SELECT s.kind, e.max_seats_per_hold, e.hold_ttl_seconds
       FROM events e LEFT JOIN sections s ON s.event_id = e.event_id AND s.section_id = $2
      WHERE e.event_id = $1`,
    [eventId, sectionId],
  );
  const facts = rows[0];
  if (!facts) throw new NotFoundError('EVENT_NOT_FOUND', `no event ${eventId}`);
  if (facts.kind === null)
    throw new NotFoundError('SECTION_NOT_FOUND', `no section ${sectionId} in event ${eventId}`);
  return facts;
}

const tooMany = (quantity: number, max: number): ValidationError =>
  new ValidationError(`at most ${max} seats per hold`, { maxSeatsPerHold: max, requested: quantity });

/** Reserved seating: the named seats, or the best `quantity` available, all or nothing. */
async function holdReservedSeats(
  pool: pg.Pool,
  eventId: string,
  sectionId: string,
  body: HoldBody,
  facts: SectionFacts,
): Promise<HoldRow> {
  const holdId = randomUUID();
  return withTransaction(pool, async (client) => {
    let seats: string[];
    if (body.seats) {
      const taken = await client.query<{ seat_id: string }>(
        `UPDATE seats SET status = 'HELD', hold_id = $3
          WHERE event_id = $1 AND section_id = $2 AND seat_id = ANY($4::text[]) AND status = 'AVAILABLE'
          RETURNING seat_id`,
        [eventId, sectionId, holdId, body.seats],
      );
      if (taken.rowCount !== body.seats.length) {
        const got = new Set(taken.rows.map((r) => r.seat_id));
        const unavailable = body.seats.filter((s) => !got.has(s));
        throw new ConflictError('SEAT_UNAVAILABLE', `seat(s) not available: ${unavailable.join(', ')}`, {
          unavailable,
        });
      }
      seats = body.seats;
    } else {
      const quantity = body.quantity!;
      const taken = await client.query<{ seat_id: string; position: number }>(
        `UPDATE seats SET status = 'HELD', hold_id = $3
          WHERE (event_id, section_id, seat_id) IN (
            SELECT event_id, section_id, seat_id FROM seats
             WHERE event_id = $1 AND section_id = $2 AND status = 'AVAILABLE'
             ORDER BY position LIMIT $4 FOR UPDATE SKIP LOCKED)
          RETURNING seat_id, position`,
        [eventId, sectionId, holdId, quantity],
      );
      if (taken.rowCount !== quantity) {
        throw new ConflictError('NOT_ENOUGH_SEATS', `fewer than ${quantity} seats available`);
      }
      seats = taken.rows.sort((a, b) => a.position - b.position).map((r) => r.seat_id);
    }
    await client.query(
      'UPDATE sections SET held = held + $3, version = version + 1 WHERE event_id = $1 AND section_id = $2',
      [eventId, sectionId, seats.length],
    );
    const hold = await client.query<HoldRow>(
      `INSERT INTO holds (hold_id, event_id, section_id, customer_id, quantity, seats, status, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'HELD', now() + make_interval(secs => $7::int))
       RETURNING ${HOLD_COLUMNS}`,
      [holdId, eventId, sectionId, body.customerId, seats.length, seats, facts.hold_ttl_seconds],
    );
    return hold.rows[0]!;
  });
}

/** POST …/holds: 201 view, or 404 / 400 / 409 NOT_ENOUGH_SEATS / SEAT_UNAVAILABLE. */
export async function placeHold(pool: pg.Pool, eventId: string, sectionId: string, body: HoldBody) {
  if ((body.quantity === undefined) === (body.seats === undefined)) {
    throw new ValidationError('give either quantity or seats');
  }
  if (body.quantity !== undefined) {
    const inserted = await pool.query<HoldRow>(GA_HOLD_SQL, [
      eventId,
      sectionId,
      body.quantity,
      randomUUID(),
      body.customerId,
    ]);
    if (inserted.rows[0]) return holdView(inserted.rows[0]);
  }
  const facts = await sectionFacts(pool, eventId, sectionId);
  const requested = body.seats?.length ?? body.quantity!;
  if (requested > facts.max_seats_per_hold) throw tooMany(requested, facts.max_seats_per_hold);
  if (facts.kind === 'GA') {
    if (body.seats)
      throw new ValidationError(`section ${sectionId} is general admission: ask for a quantity`);
    throw new ConflictError('NOT_ENOUGH_SEATS', `fewer than ${body.quantity} seats available`);
  }
  if (body.seats && new Set(body.seats).size !== body.seats.length)
    throw new ValidationError('seat ids must be distinct');
  return holdView(await holdReservedSeats(pool, eventId, sectionId, body, facts));
}

export async function readHold(pool: pg.Pool, eventId: string, sectionId: string, holdId: string) {
  const { rows } = await pool.query<HoldRow>(
    `SELECT ${HOLD_COLUMNS} FROM holds WHERE hold_id = $1 AND event_id = $2 AND section_id = $3`,
    [holdId, eventId, sectionId],
  );
  if (!rows[0]) throw new NotFoundError('HOLD_NOT_FOUND', `no hold ${holdId}`);
  return holdView(rows[0]);
}
