import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../common/errors.js';
import { buildAuction, type CreateAuctionInput } from './auction-factory.js';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

const input = (overrides: Partial<CreateAuctionInput> = {}): CreateAuctionInput => ({
  title: 'Signed ball',
  startingPrice: 1000,
  minIncrement: 100,
  endsAt: '2026-06-01T13:00:00Z',
  ...overrides,
});

function rejected(overrides: Partial<CreateAuctionInput>, field: string): void {
  let caught: unknown;
  try {
    buildAuction(input(overrides), 'lot-7', NOW);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ValidationError);
  expect((caught as ValidationError).code).toBe('VALIDATION_FAILED');
  expect((caught as ValidationError).details).toEqual({ field });
}

describe('buildAuction', () => {
  it('builds version 1 with defaults, normalised times and one outbox entry', () => {
    const { aggregate, event } = buildAuction(input({ id: 'ignored' }), 'lot-7', NOW);
    const data = {
      auctionId: 'lot-7',
      title: 'Signed ball',
      startingPrice: 1000,
      minIncrement: 100,
      reservePrice: null,
      softCloseSeconds: 0,
      startsAt: iso(NOW),
      endsAt: '2026-06-01T13:00:00.000Z',
      createdAt: iso(NOW),
    };
    expect(event).toEqual({ type: 'AuctionCreated', auction: data });
    expect(aggregate).toEqual({
      id: 'lot-7',
      title: 'Signed ball',
      startingPrice: 1000,
      minIncrement: 100,
      reservePrice: null,
      softCloseSeconds: 0,
      startsAt: iso(NOW),
      endsAt: '2026-06-01T13:00:00.000Z',
      createdAt: iso(NOW),
      closed: false,
      closedAt: null,
      highestBid: null,
      bidCount: 0,
      recentBids: [],
      version: 1,
      nextDeadline: Date.parse('2026-06-01T13:00:00Z'),
      outbox: [
        {
          version: 1,
          at: NOW,
          events: [event],
          snapshot: {
            auctionId: 'lot-7',
            title: 'Signed ball',
            status: 'OPEN',
            highestAmount: null,
            highestBidderId: null,
            bidCount: 0,
            endsAt: '2026-06-01T13:00:00.000Z',
            version: 1,
          },
        },
      ],
      outboxSince: NOW,
    });
  });

  it('keeps given startsAt, softCloseSeconds and reservePrice; a future start is SCHEDULED', () => {
    const { aggregate } = buildAuction(
      input({ startsAt: '2026-06-01T12:30:00+00:00', softCloseSeconds: 120, reservePrice: 5000 }),
      'lot-7',
      NOW,
    );
    expect(aggregate).toMatchObject({
      startsAt: '2026-06-01T12:30:00.000Z',
      softCloseSeconds: 120,
      reservePrice: 5000,
    });
    expect(aggregate.outbox[0]?.snapshot.status).toBe('SCHEDULED');
  });

  it('accepts a start in the past (open at once)', () => {
    const { aggregate } = buildAuction(input({ startsAt: '2026-06-01T11:00:00Z' }), 'lot-7', NOW);
    expect(aggregate.outbox[0]?.snapshot.status).toBe('OPEN');
  });

  it('treats a null reserve as no reserve', () => {
    expect(buildAuction(input({ reservePrice: null }), 'lot-7', NOW).aggregate.reservePrice).toBeNull();
  });

  it('accepts a reserve equal to the starting price', () => {
    expect(buildAuction(input({ reservePrice: 1000 }), 'lot-7', NOW).aggregate.reservePrice).toBe(1000);
  });

  it('refuses a reserve below the starting price', () => {
    rejected({ reservePrice: 999 }, 'reservePrice');
  });

  it('refuses times that do not parse', () => {
    rejected({ endsAt: 'tomorrow' }, 'endsAt');
    rejected({ startsAt: '2026-13-45T00:00:00Z' }, 'startsAt');
    rejected({ startsAt: '1969-12-31T23:59:59Z' }, 'startsAt');
    rejected({ endsAt: '+275760-09-13T00:00:00Z' }, 'endsAt');
    rejected({ endsAt: '2026-06-01' }, 'endsAt');
  });

  it('refuses an end at or before the start', () => {
    rejected({ startsAt: '2026-06-01T13:00:00Z' }, 'endsAt');
    rejected({ startsAt: '2026-06-01T14:00:00Z' }, 'endsAt');
  });

  it('refuses an end that is not in the future', () => {
    rejected({ startsAt: '2026-06-01T10:00:00Z', endsAt: iso(NOW) }, 'endsAt');
    rejected({ startsAt: '2026-06-01T10:00:00Z', endsAt: '2026-06-01T11:00:00Z' }, 'endsAt');
  });

  it('accepts an end 1 ms from now', () => {
    expect(buildAuction(input({ endsAt: iso(NOW + 1) }), 'lot-7', NOW).aggregate.nextDeadline).toBe(NOW + 1);
  });

  it('refuses money that is not an integer amount of minor units in range', () => {
    rejected({ startingPrice: 10.5 }, 'startingPrice');
    rejected({ startingPrice: 0 }, 'startingPrice');
    rejected({ minIncrement: 0 }, 'minIncrement');
    rejected({ minIncrement: 1e12 + 1 }, 'minIncrement');
    rejected({ reservePrice: 5000.25 }, 'reservePrice');
  });

  it('refuses softCloseSeconds outside 0..3600', () => {
    rejected({ softCloseSeconds: -1 }, 'softCloseSeconds');
    rejected({ softCloseSeconds: 3601 }, 'softCloseSeconds');
    rejected({ softCloseSeconds: 1.5 }, 'softCloseSeconds');
  });
});
