import type { IMap } from 'hazelcast-client';
import type { BasketRecord } from './basket-model.js';
import type { AuctionAggregate } from './bidding-model.js';
import type { HazelcastClient } from './grid-client.js';
import { JsonMap } from './json-map.js';
import { holdPartitionKey, type GridNames } from './map-names.js';
import type { EventAggregate, HoldEntry, SectionAggregate } from './ticketing-model.js';

/** What `Idempotency-Key` stores: the first answer to a request, or that it is being worked on. */
export interface IdempotencyRecord {
  state: 'PENDING' | 'DONE';
  /** Hash of method, path and body: the same key with another request is refused. */
  fingerprint: string;
  status?: number;
  body?: unknown;
  at: number;
  /**
   * When the record stops counting (epoch ms): a finished answer after IDEMPOTENCY_TTL_SECONDS, a
   * claim after its pending time. Past it the record is treated as absent, and the janitor
   * (data-pump/grid-janitor.ts) removes it. (Absent in records written before it existed.)
   */
  expiresAt?: number;
}

/** Every map of the grid, typed. Opened once per process. */
export interface GridMaps {
  events: JsonMap<EventAggregate>;
  sections: JsonMap<SectionAggregate>;
  holds: JsonMap<HoldEntry>;
  auctions: JsonMap<AuctionAggregate>;
  idempotency: JsonMap<IdempotencyRecord>;
  baskets: JsonMap<BasketRecord>;
  pumpMarks: IMap<string, number>;
  meta: IMap<string, string>;
}

/** Maps whose aggregates carry `nextDeadline` and `outboxSince`, queried by the sweepers. */
export const AGGREGATE_MAPS = ['events', 'sections', 'auctions'] as const;

/** Aggregates carry an outbox of up to tens of KB: their indexed attributes go first. */
const INDEXED_FIRST = { leadingKeys: ['nextDeadline', 'outboxSince'] } as const;

export async function openGridMaps(client: HazelcastClient, names: GridNames): Promise<GridMaps> {
  const maps: GridMaps = {
    events: await JsonMap.open<EventAggregate>(client, names.events, INDEXED_FIRST),
    sections: await JsonMap.open<SectionAggregate>(client, names.sections, INDEXED_FIRST),
    holds: await JsonMap.open<HoldEntry>(client, names.holds, { partitionKeyOf: holdPartitionKey }),
    auctions: await JsonMap.open<AuctionAggregate>(client, names.auctions, INDEXED_FIRST),
    idempotency: await JsonMap.open<IdempotencyRecord>(client, names.idempotency),
    baskets: await JsonMap.open<BasketRecord>(client, names.baskets, { leadingKeys: ['deadline'] }),
    pumpMarks: await client.getMap<string, number>(names.pumpMarks),
    meta: await client.getMap<string, string>(names.meta),
  };
  // Sorted indexes make the sweepers' range queries cheap; adding an existing index is a no-op.
  for (const name of AGGREGATE_MAPS) {
    await maps[name].map.addIndex({ type: 'SORTED', attributes: ['nextDeadline'] });
    await maps[name].map.addIndex({ type: 'SORTED', attributes: ['outboxSince'] });
  }
  await maps.holds.map.addIndex({ type: 'SORTED', attributes: ['deadline'] });
  await maps.holds.map.addIndex({ type: 'SORTED', attributes: ['pendingSince'] });
  // The janitor removes what is due by these (a time to live would not do: see grid-janitor.ts).
  await maps.holds.map.addIndex({ type: 'SORTED', attributes: ['retireAt'] });
  await maps.idempotency.map.addIndex({ type: 'SORTED', attributes: ['expiresAt'] });
  // The basket recovery loop asks for what is due by it (processing-unit/baskets/basket-recovery.ts).
  await maps.baskets.map.addIndex({ type: 'SORTED', attributes: ['deadline'] });
  return maps;
}
