import type { JsonCodec } from './json-map.js';
import type { Hold, SectionAggregate } from './ticketing-model.js';

/** An active hold as stored: `[holdId, customerId, quantity, createdAt ms, expiresAt ms, version, seats?]`. */
type StoredHold = [string, string, number, number, number, number, string[]?];

type StoredSection = Omit<SectionAggregate, 'holds'> & { h: StoredHold[] };

/**
 * The stored form of a section. A section's active holds are most of its size, and every batch
 * moves the whole section over the wire twice (read and compare-and-set), so they are kept as
 * tuples without the fields every one of them shares (event, section, status): about a third of
 * the bytes of the plain JSON.
 */
export const sectionCodec: JsonCodec<SectionAggregate> = {
  encode(section) {
    const { holds, ...rest } = section;
    const h: StoredHold[] = Object.values(holds).map((hold) => {
      const tuple: StoredHold = [
        hold.holdId,
        hold.customerId,
        hold.quantity,
        Date.parse(hold.createdAt),
        Date.parse(hold.expiresAt),
        hold.version,
      ];
      if (hold.seats) tuple.push(hold.seats);
      return tuple;
    });
    return { ...rest, h } satisfies StoredSection;
  },
  decode(stored) {
    const { h, ...rest } = stored as StoredSection;
    const holds: Record<string, Hold> = {};
    for (const [holdId, customerId, quantity, createdAt, expiresAt, version, seats] of h) {
      holds[holdId] = {
        holdId,
        eventId: rest.eventId,
        sectionId: rest.sectionId,
        customerId,
        quantity,
        ...(seats ? { seats } : {}),
        status: 'HELD',
        createdAt: new Date(createdAt).toISOString(),
        expiresAt: new Date(expiresAt).toISOString(),
        version,
      };
    }
    return { ...rest, holds };
  },
};
