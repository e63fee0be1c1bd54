import { ValidationError } from './errors.js';

/** The first instant API.md accepts: 1970-01-01T00:00:00.000Z. */
export const EARLIEST_API_TIME = 0;
/** The last instant API.md accepts: 9999-12-31T23:59:59.999Z (the last one with a four-digit year). */
export const LATEST_API_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** What a person is told about a time the API refuses. */
export const API_TIME_RULE =
  'must be an ISO-8601 time such as 2026-12-20T18:00:00Z: a four-digit year, seconds with at most 3 decimals, ' +
  'Z or an offset such as +01:00, from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z';

const SHAPE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * The instant (ms since the epoch) an API time names, or `undefined` if it is not one. The rule
 * is API.md's "ISO-8601 UTC strings", made exact so that every accepted time is one Postgres
 * `timestamptz` stores and `toISOString()` writes back with a four-digit year:
 *
 * - `YYYY-MM-DDTHH:MM:SS`, optionally `.f`, `.ff` or `.fff`, then `Z` or `±HH:MM` (normalised to UTC);
 * - a real calendar date and time (no 2026-02-30, no 24:00, no leap second);
 * - the instant between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z inclusive.
 *
 * `Date.parse` is not used: it also takes `2026-12-20`, six-digit years and whatever the engine likes.
 */
export function parseApiTime(text: string): number | undefined {
  const m = SHAPE.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const offsetHours = Number(m[9]);
    const offsetMins = Number(m[10]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  // Years 0..99 would be read as 1900..1999 by Date.UTC; they are refused by the range anyway.
  if (year < 100) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  return ms >= EARLIEST_API_TIME && ms <= LATEST_API_TIME ? ms : undefined;
}

/** `parseApiTime`, or a 400 VALIDATION_FAILED naming `field` (for code that runs past the schemas). */
export function requireApiTime(text: string, field: string): number {
  const ms = parseApiTime(text);
  if (ms === undefined) throw new ValidationError(`${field} ${API_TIME_RULE}`, { field });
  return ms;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
