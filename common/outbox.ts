import type { DomainEvent } from './change-record.js';

/**
 * One committed batch's changes, kept inside the aggregate (so it is replicated with it) until
 * the data pump has put it on the queue. `snapshot` is the aggregate's reportable state at
 * `version`, which the data writer upserts under a version guard.
 */
export interface OutboxEntry<S> {
  version: number;
  /** epoch ms of the commit */
  at: number;
  snapshot: S;
  events: DomainEvent[];
}

export interface WithOutbox<S> {
  version: number;
  outbox: OutboxEntry<S>[];
  outboxSince: number | null;
}

/** Drops entries the pump has already delivered (version <= mark). Mutates and returns the aggregate. */
export function trimOutbox<S, A extends WithOutbox<S>>(aggregate: A, pumpedUpTo: number | undefined): A {
  if (pumpedUpTo !== undefined && aggregate.outbox.length > 0) {
    aggregate.outbox = aggregate.outbox.filter((entry) => entry.version > pumpedUpTo);
  }
  aggregate.outboxSince = aggregate.outbox[0]?.at ?? null;
  return aggregate;
}

/** Appends a committed batch. Mutates and returns the aggregate. */
export function appendOutbox<S, A extends WithOutbox<S>>(aggregate: A, entry: OutboxEntry<S>): A {
  aggregate.outbox.push(entry);
  aggregate.outboxSince = aggregate.outbox[0]?.at ?? entry.at;
  return aggregate;
}

/** What every aggregate in the grid has: a version, an outbox, and its next time-driven deadline. */
export interface GridAggregate<S> extends WithOutbox<S> {
  /** epoch ms at which time-driven rules next have work (hold expiry, auction close), or null. */
  nextDeadline: number | null;
}
