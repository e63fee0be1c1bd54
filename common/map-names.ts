/**
 * Names of every grid map and queue. A namespace prefixes them all, so several systems (or
 * tests running side by side) share one Hazelcast cluster and one Redis without meeting.
 */
export interface GridNames {
  /** eventId -> EventAggregate (the catalog entry; immutable after creation). */
  readonly events: string;
  /** sectionKey -> SectionAggregate (inventory, active holds, outbox). */
  readonly sections: string;
  /** holdId -> HoldEntry: every hold, the authority for its own status. */
  readonly holds: string;
  /** auctionId -> AuctionAggregate. */
  readonly auctions: string;
  /** scope.key -> IdempotencyRecord. */
  readonly idempotency: string;
  /** aggregate key -> highest version whose outbox entry reached the queue. */
  readonly pumpMarks: string;
  /** small facts about the grid itself, such as whether it is warm. */
  readonly meta: string;
  /** the BullMQ queue from data pump to data writers. */
  readonly changeQueue: string;
}

export function gridNames(namespace: string): GridNames {
  return Object.freeze({
    events: `${namespace}.events`,
    sections: `${namespace}.sections`,
    holds: `${namespace}.holds`,
    auctions: `${namespace}.auctions`,
    idempotency: `${namespace}.idempotency`,
    pumpMarks: `${namespace}.pump-marks`,
    meta: `${namespace}.meta`,
    changeQueue: `${namespace}-changes`,
  });
}

/** Key of a section aggregate. Identifiers are `[A-Za-z0-9_-]`, so `.` cannot collide. */
export function sectionKey(eventId: string, sectionId: string): string {
  return `${eventId}.${sectionId}`;
}

/** The meta entry that says the grid holds everything Postgres had (see data-reader). */
export const WARM_FLAG = 'warm';
