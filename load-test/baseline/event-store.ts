import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { requireApiTime } from '../../common/api-time.js';
import { ConflictError, NotFoundError, ValidationError } from '../../common/errors.js';
import type { CreateEventBody, SeatStatus, SectionView } from '../../common/ticketing-api-schemas.js';
import { eventView, sectionView, type EventRow, type SectionRow } from './ticketing-views.js';
import { withTransaction } from './with-transaction.js';

const UNIQUE_VIOLATION = '23505';

function validateSections(body: CreateEventBody): void {
  const ids = new Set<string>();
  for (const section of body.sections) {
    if ((section.capacity === undefined) === (section.seats === undefined)) {
      throw new ValidationError(`section ${section.id}: give either capacity or seats`);
    }
    if (ids.has(section.id)) throw new ValidationError(`section ${section.id} appears twice`);
    ids.add(section.id);
    if (section.seats && new Set(section.seats).size !== section.seats.length) {
      throw new ValidationError(`section ${section.id}: seat ids must be distinct`);
    }
  }
}

/** Creates an event, its sections and seats in one transaction; 409 EVENT_EXISTS if the id is taken. */
export async function createEvent(pool: pg.Pool, body: CreateEventBody) {
  validateSections(body);
  const startsAt = new Date(requireApiTime(body.startsAt, 'startsAt')).toISOString();
  const eventId = body.id ?? `e-${randomUUID()}`;
  try {
    return await withTransaction(pool, async (client) => {
      const event = await client.query<EventRow>(
        `INSERT INTO events (event_id, name, starts_at, hold_ttl_seconds, max_seats_per_hold)
         VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [eventId, body.name, startsAt, body.holdTtlSeconds ?? 600, body.maxSeatsPerHold ?? 10],
      );
      const sections = await client.query<SectionRow>(
        `INSERT INTO sections (event_id, section_id, position, kind, capacity)
         SELECT $1, id, ord::int, kind, capacity
           FROM unnest($2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS s(id, kind, capacity, ord)
         RETURNING section_id, kind, capacity, held, sold`,
        [
          eventId,
          body.sections.map((s) => s.id),
          body.sections.map((s) => (s.seats ? 'RESERVED' : 'GA')),
          body.sections.map((s) => s.seats?.length ?? s.capacity),
        ],
      );
      const seatRows = body.sections.flatMap((s) =>
        (s.seats ?? []).map((seat, i) => [s.id, seat, i] as const),
      );
      if (seatRows.length > 0) {
        await client.query(
          `INSERT INTO seats (event_id, section_id, seat_id, position)
           SELECT $1, section_id, seat_id, position FROM unnest($2::text[], $3::text[], $4::int[]) AS s(section_id, seat_id, position)`,
          [eventId, seatRows.map((r) => r[0]), seatRows.map((r) => r[1]), seatRows.map((r) => r[2])],
        );
      }
      return eventView(event.rows[0]!, sections.rows);
    });
  } catch (err) {
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
      throw new ConflictError('EVENT_EXISTS', `event ${eventId} already exists`);
    }
    throw err;
  }
}

export async function readEvent(pool: pg.Pool, eventId: string) {
  const event = await pool.query<EventRow>('SELECT * FROM events WHERE event_id = $1', [eventId]);
  if (event.rowCount === 0) throw new NotFoundError('EVENT_NOT_FOUND', `no event ${eventId}`);
  const sections = await pool.query<SectionRow>(
    'SELECT section_id, kind, capacity, held, sold FROM sections WHERE event_id = $1 ORDER BY position',
    [eventId],
  );
  return eventView(event.rows[0]!, sections.rows);
}

/** The section view; a reserved section adds its seat map. */
export async function readSection(pool: pg.Pool, eventId: string, sectionId: string): Promise<SectionView> {
  const section = await pool.query<SectionRow>(
    'SELECT section_id, kind, capacity, held, sold FROM sections WHERE event_id = $1 AND section_id = $2',
    [eventId, sectionId],
  );
  const row = section.rows[0];
  if (!row) {
    const event = await pool.query('SELECT 1 FROM events WHERE event_id = $1', [eventId]);
    if (event.rowCount === 0) throw new NotFoundError('EVENT_NOT_FOUND', `no event ${eventId}`);
    throw new NotFoundError('SECTION_NOT_FOUND', `no section ${sectionId} in event ${eventId}`);
  }
  if (row.kind === 'GA') return sectionView(row);
  // The seats table's CHECK constraint keeps status to the three SeatStatus values.
  const seats = await pool.query<{ seat_id: string; status: SeatStatus }>(
    'SELECT seat_id, status FROM seats WHERE event_id = $1 AND section_id = $2 ORDER BY position',
    [eventId, sectionId],
  );
  return sectionView(row, Object.fromEntries(seats.rows.map((s) => [s.seat_id, s.status])));
}
