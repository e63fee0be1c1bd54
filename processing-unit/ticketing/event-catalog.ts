import { requireApiTime } from '../../common/api-time.js';
import { ValidationError } from '../../common/errors.js';
import type { EventRecord, SectionSpec } from '../../common/ticketing-model.js';

/** The body of `POST /events` after schema validation (types and ranges already checked). */
export interface CreateEventInput {
  id?: string;
  name: string;
  startsAt: string;
  holdTtlSeconds?: number;
  maxSeatsPerHold?: number;
  sections: Array<{ id: string; capacity?: number; seats?: string[] }>;
}

export const EVENT_DEFAULTS = { holdTtlSeconds: 600, maxSeatsPerHold: 10 } as const;

/** Checks what a schema cannot (cross-field rules) and builds the immutable catalog entry. */
export function buildEventRecord(input: CreateEventInput, id: string, now: number): EventRecord {
  const startsAt = requireApiTime(input.startsAt, 'startsAt');
  const seen = new Set<string>();
  const sections: SectionSpec[] = input.sections.map((section, i) => {
    if (seen.has(section.id)) {
      throw new ValidationError(`section id ${section.id} is listed twice`, { field: `sections/${i}/id` });
    }
    seen.add(section.id);
    if ((section.capacity === undefined) === (section.seats === undefined)) {
      throw new ValidationError(`section ${section.id} needs either capacity or seats, not both`, {
        field: `sections/${i}`,
      });
    }
    if (section.seats !== undefined) {
      if (new Set(section.seats).size !== section.seats.length) {
        throw new ValidationError(`section ${section.id} lists a seat twice`, {
          field: `sections/${i}/seats`,
        });
      }
      return { id: section.id, kind: 'RESERVED', capacity: section.seats.length, seats: section.seats };
    }
    return { id: section.id, kind: 'GA', capacity: section.capacity! };
  });
  return {
    id,
    name: input.name,
    startsAt: new Date(startsAt).toISOString(),
    holdTtlSeconds: input.holdTtlSeconds ?? EVENT_DEFAULTS.holdTtlSeconds,
    maxSeatsPerHold: input.maxSeatsPerHold ?? EVENT_DEFAULTS.maxSeatsPerHold,
    createdAt: new Date(now).toISOString(),
    sections,
  };
}

/** seat id -> position, for a RESERVED section. */
export function seatIndexOf(spec: SectionSpec): ReadonlyMap<string, number> | undefined {
  return spec.seats ? new Map(spec.seats.map((seat, i) => [seat, i])) : undefined;
}
