import type { DomainEvent } from '../../common/change-record.js';
import type { GridAggregate } from '../../common/outbox.js';

/** What a command decided: the answer for its caller and the events that change the state. */
export interface Decision<R> {
  result: R;
  events: DomainEvent[];
}

/**
 * The pure rules of one kind of aggregate, in decide/evolve form. `decide` never mutates: it
 * throws a `SpacegridError` to refuse, or returns events; `evolve` applies one event to a
 * batch-private draft. The batch engine owns versions, the outbox and the compare-and-set.
 */
export interface AggregateRules<S extends GridAggregate<Snap>, C, R, Ctx, Snap> {
  /** Time-driven events due at `now` (hold expiry, auction close), applied before each batch. */
  due(state: S, now: number): DomainEvent[];
  decide(state: S, command: C, context: Ctx): Decision<R>;
  evolve(state: S, event: DomainEvent): void;
  /** The reportable state the data writer upserts, at the state's current version. */
  snapshot(state: S): Snap;
  /** When `due` will next have something to do (epoch ms), or null. */
  nextDeadline(state: S): number | null;
}
