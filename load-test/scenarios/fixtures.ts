import type { Observations } from '../verify/observations.js';
import type { SetupApi } from './setup-api.js';

/** Seats per row of a reserved section. */
export const ROW_LENGTH = 50;

/** Row names A..Z, AA..AZ, …: seat `r` of row `n` is `${rowName(n)}-${r + 1}`. */
export function rowName(index: number): string {
  let name = '';
  let n = index;
  do {
    name = String.fromCharCode(65 + (n % 26)) + name;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return name;
}

export function seatIds(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `${rowName(Math.floor(i / ROW_LENGTH))}-${(i % ROW_LENGTH) + 1}`,
  );
}

/** Holds must not expire during a run: the longest TTL the API allows. */
export const HOLD_TTL_SECONDS = 3600;

export type SectionSpec = { id: string; capacity: number } | { id: string; seats: string[] };

/** Creates an event through the API and records its sections for the invariant checks. */
export async function createEvent(
  api: SetupApi,
  observations: Observations,
  eventId: string,
  sections: SectionSpec[],
): Promise<void> {
  await api.create('/events', {
    id: eventId,
    name: `load test ${eventId}`,
    startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    holdTtlSeconds: HOLD_TTL_SECONDS,
    maxSeatsPerHold: 10,
    sections,
  });
  for (const section of sections) {
    const reserved = 'seats' in section;
    observations.addSection({
      eventId,
      sectionId: section.id,
      kind: reserved ? 'RESERVED' : 'GA',
      capacity: reserved ? section.seats.length : section.capacity,
      holdTtlSeconds: HOLD_TTL_SECONDS,
    });
  }
}

/** Creates an auction, open now and until well after the run, and records it. */
export async function createAuction(
  api: SetupApi,
  observations: Observations,
  auctionId: string,
  durationMs: number,
): Promise<{ startingPrice: number; minIncrement: number }> {
  const startingPrice = 1000;
  const minIncrement = 100;
  await api.create('/auctions', {
    id: auctionId,
    title: `load test ${auctionId}`,
    startingPrice,
    minIncrement,
    endsAt: new Date(Date.now() + durationMs + 3_600_000).toISOString(),
    softCloseSeconds: 0,
  });
  observations.addAuction({ auctionId, startingPrice, minIncrement });
  return { startingPrice, minIncrement };
}
