/**
 * Names of every grid map and queue. A namespace prefixes them all, so several systems (or
 * tests running side by side) share one Hazelcast cluster and one Redis without meeting.
 */
export interface GridNames {
  /** eventId -> EventAggregate (the catalog entry; immutable after creation). */
  readonly events: string;
  /** sectionKey -> SectionAggregate (inventory, active holds, outbox). */
  readonly sections: string;
  /** holdKey -> HoldEntry: every hold, the authority for its own status (in its section's partition). */
  readonly holds: string;
  /** auctionId -> AuctionAggregate. */
  readonly auctions: string;
  /** scope.key -> IdempotencyRecord. */
  readonly idempotency: string;
  /** `aggregateId` (kind/key) -> highest version through which the writers have stored every change. */
  readonly pumpMarks: string;
  /** small facts about the grid itself, such as whether it is warm. */
  readonly meta: string;
  /** Live processing units (id → base URL), each entry kept alive by its unit's heartbeat. */
  readonly units: string;
  /** basketId -> BasketRecord: the saga log of each basket (processing-unit/baskets/). */
  readonly baskets: string;
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
    units: `${namespace}.units`,
    baskets: `${namespace}.baskets`,
    changeQueue: `${namespace}-changes`,
  });
}

/** Key of a section aggregate. Identifiers are `[A-Za-z0-9_-]`, so `.` cannot collide. */
export function sectionKey(eventId: string, sectionId: string): string {
  return `${eventId}.${sectionId}`;
}

/**
 * Key of a hold entry: its section's key, then its id. The holds map partitions it by the section's
 * key (`holdPartitionKey`), so a section and all of its holds share one partition: filing a batch
 * of new holds is one partition operation, not one per hold.
 */
export function holdKey(eventId: string, sectionId: string, holdId: string): string {
  return `${sectionKey(eventId, sectionId)}.${holdId}`;
}

/** The partition key of a hold key: the key of its section. */
export function holdPartitionKey(key: string): string {
  return key.slice(0, key.lastIndexOf('.'));
}

/** The meta entry that says the grid holds everything Postgres had (see data-reader). */
export const WARM_FLAG = 'warm';
