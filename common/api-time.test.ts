import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { EARLIEST_API_TIME, LATEST_API_TIME, parseApiTime, requireApiTime } from './api-time.js';

describe('parseApiTime', () => {
  it.each([
    ['2026-12-20T18:00:00Z', '2026-12-20T18:00:00.000Z'],
    ['2026-12-20T18:00:00.5Z', '2026-12-20T18:00:00.500Z'],
    ['2026-12-20T18:00:00.05Z', '2026-12-20T18:00:00.050Z'],
    ['2026-12-20T18:00:00.123Z', '2026-12-20T18:00:00.123Z'],
    ['2026-12-20T19:30:00+01:30', '2026-12-20T18:00:00.000Z'],
    ['2026-12-20T13:00:00-05:00', '2026-12-20T18:00:00.000Z'],
    ['2026-12-20T18:00:00+00:00', '2026-12-20T18:00:00.000Z'],
    ['2026-12-20T18:00:00-00:00', '2026-12-20T18:00:00.000Z'],
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'],
    ['1970-01-01T01:00:00+01:00', '1970-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    ['9999-12-31T22:59:59-01:00', '9999-12-31T23:59:59.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(new Date(parseApiTime(text)!).toISOString()).toBe(iso);
  });

  it('has the range it states', () => {
    expect(new Date(EARLIEST_API_TIME).toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(new Date(LATEST_API_TIME).toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });

  it.each([
    // outside 1970..9999, or not a four-digit year
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00Z',
    '0099-06-01T00:00:00Z',
    '1969-12-31T23:59:59.999Z',
    '1970-01-01T00:59:59+01:00',
    '9999-12-31T23:00:00-01:00',
    '+275760-09-13T00:00:00Z',
    '+010000-01-01T00:00:00Z',
    '-000001-01-01T00:00:00Z',
    '10000-01-01T00:00:00Z',
    '826-12-20T18:00:00Z',
    // not a calendar date or time
    '2026-13-01T00:00:00Z',
    '2026-00-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-12-00T00:00:00Z',
    '2026-12-20T24:00:00Z',
    '2026-12-20T18:60:00Z',
    '2026-12-20T18:00:60Z',
    '2026-12-20T18:00:00+24:00',
    '2026-12-20T18:00:00+01:60',
    // not the shape
    '',
    'soon',
    '2026-12-20',
    '2026-12-20T18:00Z',
    '2026-12-20T18:00:00',
    '2026-12-20 18:00:00Z',
    '2026-12-20t18:00:00z',
    '2026-12-20T18:00:00.Z',
    '2026-12-20T18:00:00.1234Z',
    '2026-12-20T18:00:00+0100',
    '2026-12-20T18:00:00+01',
    ' 2026-12-20T18:00:00Z',
    '2026-12-20T18:00:00Z\n',
    '２０２６-12-20T18:00:00Z',
    'Sun, 20 Dec 2026 18:00:00 GMT',
    '1798761600000',
  ])('refuses %j', (text) => {
    expect(parseApiTime(text)).toBeUndefined();
  });

  it('names the field when a caller requires a time', () => {
    expect(requireApiTime('2026-12-20T18:00:00Z', 'startsAt')).toBe(Date.UTC(2026, 11, 20, 18));
    let caught: unknown;
    try {
      requireApiTime('0000-01-01T00:00:00Z', 'startsAt');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).details).toEqual({ field: 'startsAt' });
    expect((caught as ValidationError).message).toMatch(/^startsAt must be an ISO-8601 time/);
  });
});
