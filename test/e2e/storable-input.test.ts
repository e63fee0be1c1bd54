/* eslint-disable @typescript-eslint/no-explicit-any -- answers and rows are inspected loosely */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, type HttpAnswer } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

/**
 * Whatever a client sends to a POST, the answer is either a coded 4xx in API.md's shape, or a 201
 * whose record reaches Postgres exactly as the API answered it: text byte for byte, times as the
 * same instants, numbers equal. So nothing is ever accepted that the write-behind cannot store.
 *
 * Bounded and reproducible: RUNS bodies per kind from a fixed seed (fast-check prints seed and
 * path of a failing run; set STORABLE_INPUT_SEED to replay another).
 */
const SEED = Number(process.env.STORABLE_INPUT_SEED ?? 20_260_820);
const RUNS = 80;
const params = (offset: number) => ({ seed: SEED + offset, numRuns: RUNS });

// ---- what clients might send -------------------------------------------------------------------

/** One code point, astral ones included, or a lone surrogate, NUL and other characters that trip stores. */
const anyCodePoint = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 40 },
  { arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      '\u0000',
      '🏆',
      '𝄞',
      '\u{10FFFF}',
      '\uFFFF',
      '\uFEFF',
      '\u2028',
      'é',
      'e\u0301',
      '"',
      '\\',
    ),
    weight: 3,
  },
);
const text = fc.oneof(
  { arbitrary: fc.string({ unit: anyCodePoint, minLength: 1, maxLength: 20 }), weight: 10 },
  { arbitrary: fc.constantFrom('a\u0000b', '\ud800', 'x\udfff', '\udfff\ud800', 'Cup 🏆', ''), weight: 2 },
  { arbitrary: fc.string({ unit: anyCodePoint, minLength: 198, maxLength: 202 }), weight: 1 },
);
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const validId = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const idOrText = fc.oneof({ arbitrary: validId, weight: 6 }, { arbitrary: text, weight: 1 });

const edgeNumber = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      0,
      -0,
      -1,
      1,
      2,
      9,
      10,
      11,
      100,
      101,
      3600,
      3601,
      10_000_000,
      10_000_001,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32,
      2 ** 53 - 1,
      2 ** 53,
      1e12 - 1,
      1e12,
      1e12 + 1,
      0.5,
      1.5,
      1e-7,
      1e300,
      -1e12,
    ),
    weight: 6,
  },
  { arbitrary: fc.integer({ min: 1, max: 100 }), weight: 3 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
);

/** A numeric field: mostly within its range (its ends included), sometimes any edge number. */
const numberIn = (min: number, max: number) =>
  fc.oneof(
    { arbitrary: fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max })), weight: 5 },
    { arbitrary: edgeNumber, weight: 1 },
  );
const money = numberIn(1, 1e12);

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');
/** `instant` written in local time at `offsetMinutes` east of UTC, when that has a four-digit year. */
function withOffset(instant: Date, offsetMinutes: number): string {
  const local = new Date(instant.getTime() + offsetMinutes * 60_000);
  const year = local.getUTCFullYear();
  if (Number.isNaN(year) || year < 0 || year > 9999) return instant.toISOString();
  const sign = offsetMinutes < 0 ? '-' : '+';
  return (
    `${pad(year, 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `.${pad(local.getUTCMilliseconds(), 3)}${sign}${pad(Math.trunc(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`
  );
}
const edgeTime = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      '0000-01-01T00:00:00Z',
      '0001-01-01T00:00:00Z',
      '1969-12-31T23:59:59.999Z',
      '1970-01-01T00:00:00Z',
      '1970-01-01T00:30:00+01:00',
      '9999-12-31T23:59:59.999Z',
      '9999-12-31T23:30:00-01:00',
      '+275760-09-13T00:00:00Z',
      '-271821-04-20T00:00:00Z',
      '+010000-01-01T00:00:00Z',
      '2026-12-20T19:30:00+01:30',
      '2026-12-20T18:00:00.123456Z',
      '2026-12-20',
      '2028-02-29T12:00:00Z',
      '2027-02-29T12:00:00Z',
      '2026-12-20T24:00:00Z',
      '2026-12-20 18:00:00Z',
      'next tuesday',
    ),
    weight: 4,
  },
  {
    arbitrary: fc
      .date({
        min: new Date('1960-01-01T00:00:00Z'),
        max: new Date('+010100-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString()),
    weight: 4,
  },
  {
    arbitrary: fc
      .tuple(
        fc.date({
          min: new Date('1969-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
      )
      .map(([d, offset]) => withOffset(d, offset)),
    weight: 2,
  },
  { arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), weight: 1 },
  { arbitrary: fc.string({ unit: anyCodePoint, maxLength: 30 }), weight: 1 },
);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
/** A time: mostly a valid one (any instant of 1970..9999, sometimes with an offset), sometimes any edge. */
const time = fc.oneof(
  {
    arbitrary: fc
      .date({
        min: new Date('1970-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59.999Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString()),
    weight: 3,
  },
  { arbitrary: edgeTime, weight: 1 },
);

// ---- what the system must answer -------------------------------------------------------------

/** A coded 4xx in API.md's shape: `{"error": {"code", "message", "details"?}}` and nothing else. */
function expectCodedRefusal(answer: HttpAnswer, body: unknown): void {
  const context = `seed ${SEED}: ${JSON.stringify(body)} -> ${answer.status} ${JSON.stringify(answer.body)}`;
  expect(answer.status, context).toBeGreaterThanOrEqual(400);
  expect(answer.status, context).toBeLessThan(500);
  expect(Object.keys(answer.body ?? {}), context).toEqual(['error']);
  const { code, message, details, ...rest } = answer.body.error;
  expect(code, context).toMatch(/^[A-Z][A-Z_]+$/);
  expect(typeof message === 'string' && message.length > 0, context).toBe(true);
  expect(details === undefined || (typeof details === 'object' && details !== null), context).toBe(true);
  expect(rest, context).toEqual({});
}

const sameInstant = (stored: Date | null, answered: string | null | undefined): boolean =>
  stored !== null && typeof answered === 'string' && stored.getTime() === Date.parse(answered);

describe('storable input, through the messaging grid', () => {
  let system: TestSystem;
  let base: string;
  let counter = 0;
  const unique = (prefix: string): string => `${prefix}${(counter += 1)}`;

  beforeAll(async () => {
    system = await startSystem({ units: 1 });
    base = system.gridUrl;
    const fixture = {
      id: 'pe',
      name: 'Property event',
      startsAt: '2026-12-20T18:00:00Z',
      holdTtlSeconds: 3600,
      maxSeatsPerHold: 100,
      sections: [
        { id: 'ga', capacity: 10_000_000 },
        { id: 'res', seats: Array.from({ length: 400 }, (_, i) => `A-${i}`) },
      ],
    };
    expect((await http('POST', `${base}/events`, fixture)).status).toBe(201);
  });
  afterAll(async () => {
    await system?.close();
  });

  it('POST /events', async () => {
    const accepted: Array<{ sent: any; answer: any }> = [];
    const refusedIds: string[] = [];
    const body = fc.record({
      id: fc.oneof(
        { arbitrary: fc.constant('fresh'), weight: 6 },
        { arbitrary: fc.constant(undefined), weight: 1 },
        { arbitrary: text, weight: 1 },
      ),
      name: text,
      startsAt: time,
      holdTtlSeconds: optional(numberIn(10, 3600)),
      maxSeatsPerHold: optional(numberIn(1, 100)),
      sections: fc.array(
        fc.oneof(
          fc.record({ capacity: numberIn(1, 10_000_000) }),
          fc.record({ seats: fc.uniqueArray(validId, { minLength: 1, maxLength: 4 }) }),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(body, async (generated) => {
        const sent = {
          ...generated,
          id: generated.id === 'fresh' ? unique('e') : generated.id,
          sections: generated.sections.map((section, i) => ({ id: `s${i}`, ...section })),
        };
        const answer = await http('POST', `${base}/events`, sent);
        if (answer.status === 201) {
          expect(answer.body.name, `seed ${SEED}`).toBe(sent.name);
          expect(Date.parse(answer.body.startsAt), `seed ${SEED}: ${sent.startsAt}`).toBe(
            Date.parse(sent.startsAt),
          );
          accepted.push({ sent, answer: answer.body });
        } else {
          expectCodedRefusal(answer, sent);
          // 409 EVENT_EXISTS / AUCTION_EXISTS: the id names another record, which stays.
          if (typeof sent.id === 'string' && ID.test(sent.id) && answer.status !== 409)
            refusedIds.push(sent.id);
        }
      }),
      params(1),
    );

    await system.drained();
    for (const { sent, answer } of accepted) {
      const context = `seed ${SEED}: ${JSON.stringify(sent)}`;
      const { rows } = await system.db.query(
        'SELECT name, starts_at, hold_ttl_seconds, max_seats_per_hold FROM events WHERE event_id = $1',
        [answer.id],
      );
      expect(rows.length, context).toBe(1);
      const row = rows[0];
      expect(row.name, context).toBe(answer.name);
      expect(Buffer.from(row.name, 'utf8').equals(Buffer.from(sent.name, 'utf8')), context).toBe(true);
      expect(sameInstant(row.starts_at, answer.startsAt), context).toBe(true);
      expect(row.hold_ttl_seconds, context).toBe(answer.holdTtlSeconds);
      expect(row.max_seats_per_hold, context).toBe(answer.maxSeatsPerHold);
      const sections = await system.db.query(
        'SELECT section_id, kind, capacity, seat_ids FROM sections WHERE event_id = $1 ORDER BY position',
        [answer.id],
      );
      expect(
        sections.rows.map((s: any) => ({ id: s.section_id, kind: s.kind, capacity: s.capacity })),
        context,
      ).toEqual(answer.sections.map((s: any) => ({ id: s.id, kind: s.kind, capacity: s.capacity })));
      for (const [i, section] of sent.sections.entries()) {
        if (section.seats) expect(sections.rows[i].seat_ids, context).toEqual(section.seats);
      }
    }
    const stray = await system.db.query('SELECT event_id FROM events WHERE event_id = ANY($1)', [refusedIds]);
    expect(stray.rows, `seed ${SEED}: refused events were stored`).toEqual([]);
    expect(accepted.length, 'some bodies should be accepted').toBeGreaterThan(RUNS / 10);
  });

  it('POST /events/{eventId}/sections/{sectionId}/holds', async () => {
    const accepted: Array<{ sent: any; answer: any }> = [];
    const seat = fc.integer({ min: 0, max: 419 }).map((i) => `A-${i}`); // A-400.. are unknown seats
    const body = fc.oneof(
      fc
        .record({ customerId: idOrText, quantity: numberIn(1, 100) })
        .map((b) => ({ section: 'ga', body: b })),
      fc
        .record({ customerId: idOrText, seats: fc.uniqueArray(seat, { minLength: 1, maxLength: 4 }) })
        .map((b) => ({ section: 'res', body: b })),
      fc.record({ customerId: idOrText, quantity: edgeNumber }).map((b) => ({ section: 'res', body: b })),
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ section, body: sent }) => {
        const answer = await http('POST', `${base}/events/pe/sections/${section}/holds`, sent);
        if (answer.status === 201) accepted.push({ sent, answer: answer.body });
        else expectCodedRefusal(answer, sent);
      }),
      params(2),
    );

    await system.drained();
    for (const { sent, answer } of accepted) {
      const context = `seed ${SEED}: ${JSON.stringify(sent)} -> ${JSON.stringify(answer)}`;
      const { rows } = await system.db.query(
        'SELECT event_id, section_id, customer_id, quantity, seats, status, expires_at FROM holds WHERE hold_id = $1',
        [answer.holdId],
      );
      expect(rows.length, context).toBe(1);
      const row = rows[0];
      expect(row, context).toMatchObject({
        event_id: 'pe',
        section_id: answer.sectionId,
        customer_id: sent.customerId,
        quantity: answer.quantity,
        status: 'HELD',
      });
      if (sent.quantity !== undefined) expect(row.quantity, context).toBe(sent.quantity);
      expect(row.seats ?? undefined, context).toEqual(answer.seats);
      expect(sameInstant(row.expires_at, answer.expiresAt), context).toBe(true);
    }
    const held = await system.db.query(
      "SELECT section_id, held FROM sections WHERE event_id = 'pe' ORDER BY section_id",
    );
    const sum = (section: string) =>
      accepted.filter((a) => a.answer.sectionId === section).reduce((n, a) => n + a.answer.quantity, 0);
    expect(held.rows, `seed ${SEED}`).toEqual([
      { section_id: 'ga', held: sum('ga') },
      { section_id: 'res', held: sum('res') },
    ]);
    expect(accepted.length, 'some bodies should be accepted').toBeGreaterThan(RUNS / 10);
  });

  it('POST /auctions', async () => {
    const accepted: Array<{ sent: any; answer: any }> = [];
    const refusedIds: string[] = [];
    const body = fc.record({
      id: fc.oneof({ arbitrary: fc.constant('fresh'), weight: 6 }, { arbitrary: text, weight: 1 }),
      title: text,
      startingPrice: money,
      minIncrement: money,
      startsAt: optional(time),
      endsAt: time,
      softCloseSeconds: optional(numberIn(0, 3600)),
      reservePrice: optional(money),
    });
    await fc.assert(
      fc.asyncProperty(body, async (generated) => {
        const sent = { ...generated, id: generated.id === 'fresh' ? unique('a') : generated.id };
        const answer = await http('POST', `${base}/auctions`, sent);
        if (answer.status === 201) {
          expect(answer.body.title, `seed ${SEED}`).toBe(sent.title);
          expect(Date.parse(answer.body.endsAt), `seed ${SEED}: ${sent.endsAt}`).toBe(
            Date.parse(sent.endsAt),
          );
          accepted.push({ sent, answer: answer.body });
        } else {
          expectCodedRefusal(answer, sent);
          // 409 EVENT_EXISTS / AUCTION_EXISTS: the id names another record, which stays.
          if (typeof sent.id === 'string' && ID.test(sent.id) && answer.status !== 409)
            refusedIds.push(sent.id);
        }
      }),
      params(3),
    );

    await system.drained();
    for (const { sent, answer } of accepted) {
      const context = `seed ${SEED}: ${JSON.stringify(sent)} -> ${JSON.stringify(answer)}`;
      const { rows } = await system.db.query(
        `SELECT title, starting_price, min_increment, reserve_price, soft_close_seconds, starts_at, ends_at
           FROM auctions WHERE auction_id = $1`,
        [answer.id],
      );
      expect(rows.length, context).toBe(1);
      const row = rows[0];
      expect(row.title, context).toBe(answer.title);
      expect(Buffer.from(row.title, 'utf8').equals(Buffer.from(sent.title, 'utf8')), context).toBe(true);
      // bigint columns come back as text: compared as exact integers.
      expect(BigInt(row.starting_price), context).toBe(BigInt(answer.startingPrice));
      expect(BigInt(row.min_increment), context).toBe(BigInt(answer.minIncrement));
      expect(row.reserve_price === null ? null : BigInt(row.reserve_price), context).toBe(
        sent.reservePrice === undefined ? null : BigInt(sent.reservePrice),
      );
      expect(row.soft_close_seconds, context).toBe((sent.softCloseSeconds ?? 0) + 0); // -0 is 0
      expect(sameInstant(row.starts_at, answer.startsAt), context).toBe(true);
      expect(sameInstant(row.ends_at, answer.endsAt), context).toBe(true);
    }
    const stray = await system.db.query('SELECT auction_id FROM auctions WHERE auction_id = ANY($1)', [
      refusedIds,
    ]);
    expect(stray.rows, `seed ${SEED}: refused auctions were stored`).toEqual([]);
    expect(accepted.length, 'some bodies should be accepted').toBeGreaterThan(RUNS / 10);
  });

  it('POST /auctions/{auctionId}/bids', async () => {
    const accepted: Array<{ sent: any; answer: any }> = [];
    const refusedOn: string[] = [];
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const body = fc.record({ bidderId: idOrText, amount: money });
    await fc.assert(
      fc.asyncProperty(body, async (sent) => {
        // A fresh auction each time, so that the first bid is judged against startingPrice 1 only.
        const auctionId = unique('b');
        const created = await http('POST', `${base}/auctions`, {
          id: auctionId,
          title: 'Bid target',
          startingPrice: 1,
          minIncrement: 1,
          endsAt,
        });
        expect(created.status).toBe(201);
        const answer = await http('POST', `${base}/auctions/${auctionId}/bids`, sent);
        if (answer.status === 201) {
          expect(answer.body.amount, `seed ${SEED}`).toBe(sent.amount);
          accepted.push({ sent, answer: answer.body });
        } else {
          expectCodedRefusal(answer, sent);
          refusedOn.push(auctionId);
        }
      }),
      params(4),
    );

    await system.drained();
    for (const { sent, answer } of accepted) {
      const context = `seed ${SEED}: ${JSON.stringify(sent)} -> ${JSON.stringify(answer)}`;
      const { rows } = await system.db.query(
        'SELECT auction_id, bidder_id, amount, placed_at FROM bids WHERE bid_id = $1',
        [answer.bidId],
      );
      expect(rows.length, context).toBe(1);
      expect(rows[0].auction_id, context).toBe(answer.auctionId);
      expect(rows[0].bidder_id, context).toBe(sent.bidderId);
      expect(BigInt(rows[0].amount), context).toBe(BigInt(sent.amount));
      expect(sameInstant(rows[0].placed_at, answer.placedAt), context).toBe(true);
      const auction = await system.db.query(
        'SELECT highest_amount, bid_count FROM auctions WHERE auction_id = $1',
        [answer.auctionId],
      );
      expect(auction.rows, context).toEqual([{ highest_amount: String(sent.amount), bid_count: 1 }]);
    }
    const stray = await system.db.query('SELECT bid_id FROM bids WHERE auction_id = ANY($1)', [refusedOn]);
    expect(stray.rows, `seed ${SEED}: refused bids were stored`).toEqual([]);
    expect(accepted.length, 'some bodies should be accepted').toBeGreaterThan(RUNS / 10);
  });
});
