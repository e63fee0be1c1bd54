import { Predicates } from 'hazelcast-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { uniqueName } from '../test/support/system.js';
import { connectGrid, type HazelcastClient } from './grid-client.js';
import { JsonMap } from './json-map.js';
import { silentLogger } from './logger.js';
import { holdKey, holdPartitionKey, sectionKey } from './map-names.js';

interface Doc {
  id: string;
  deadline: number;
}

describe('JsonMap on real Hazelcast members', () => {
  let client: HazelcastClient;
  const ns = uniqueName('jm');

  beforeAll(async () => {
    client = await connectGrid({
      members: inject('hzMembers'),
      clusterName: inject('hzClusterName'),
      log: silentLogger,
    });
  });
  afterAll(async () => {
    await client.shutdown();
  });

  it('partitions hold keys by their section: a section and all its holds share one partition', async () => {
    const holds = await JsonMap.open<Doc>(client, `${ns}.holds`, { partitionKeyOf: holdPartitionKey });
    const section = sectionKey('evt-1', 'floor');
    const keys = Array.from({ length: 40 }, (_, i) => holdKey('evt-1', 'floor', `hold-${i}`));
    const entries = keys.map((key, i): [string, Doc] => [key, { id: `hold-${i}`, deadline: i }]);
    await holds.setAll(entries);

    // The client routes each operation by the partition of the key's bytes: for a hold, its section's.
    const partitions = client.getPartitionService();
    const sectionPartition = partitions.getPartitionId(section);
    const wire = (key: string) => ({ key, partitionKey: holdPartitionKey(key) });
    expect(new Set(keys.map((k) => partitions.getPartitionId(wire(k))))).toEqual(new Set([sectionPartition]));
    // Plain keys spread over the partitions.
    expect(new Set(keys.map((k) => partitions.getPartitionId(k))).size).toBeGreaterThan(20);
    // And the entries are there, under their plain string keys.
    expect([...(await holds.getAll(keys)).keys()].sort()).toEqual([...keys].sort());
  });

  it('keeps keys plain strings for callers through every operation', async () => {
    const holds = await JsonMap.open<Doc>(client, `${ns}.ops`, { partitionKeyOf: holdPartitionKey });
    const changed: string[] = [];
    const listener = await holds.onChange((key) => changed.push(key));
    const a = holdKey('evt-2', 'pit', 'hold-a');
    const b = holdKey('evt-2', 'pit', 'hold-b');
    expect(holdPartitionKey(a)).toBe(sectionKey('evt-2', 'pit'));

    expect(await holds.putIfAbsent(a, { id: 'a', deadline: 10 })).toBeNull();
    expect((await holds.putIfAbsent(a, { id: 'a', deadline: 99 }))?.value).toEqual({ id: 'a', deadline: 10 });
    await holds.set(b, { id: 'b', deadline: 20 });

    const current = await holds.get(a);
    expect(current?.value).toEqual({ id: 'a', deadline: 10 });
    expect(await holds.replaceIfSame(a, current!.raw, { id: 'a', deadline: 30 })).not.toBeNull();
    // The compare-and-set is against the exact bytes read: the old value loses now.
    expect(await holds.replaceIfSame(a, current!.raw, { id: 'a', deadline: 40 })).toBeNull();

    const both = await holds.getAll([a, b, holdKey('evt-2', 'pit', 'missing')]);
    expect([...both.keys()].sort()).toEqual([a, b]);
    expect(both.get(a)?.value.deadline).toBe(30);

    expect((await holds.keysWhere(Predicates.lessEqual('deadline', 25))).sort()).toEqual([b]);
    await expect.poll(() => [...new Set(changed)].sort(), { timeout: 10_000 }).toEqual([a, b]);
    await holds.map.removeEntryListener(listener);
  });

  it('writes the leading keys first, whatever the order of the object, and queries them on the members', async () => {
    const aggregates = await JsonMap.open<{ outbox: string[]; id: string; nextDeadline: number | null }>(
      client,
      `${ns}.aggregates`,
      { leadingKeys: ['nextDeadline', 'outboxSince'] },
    );
    await aggregates.set('a', { outbox: ['x'.repeat(10_000)], id: 'a', nextDeadline: 5 });
    await aggregates.set('b', { outbox: [], id: 'b', nextDeadline: null });
    const a = await aggregates.get('a');
    expect(a?.raw.toString()).toMatch(/^\{"nextDeadline":5,"outbox":/);
    expect(a?.value).toEqual({ outbox: ['x'.repeat(10_000)], id: 'a', nextDeadline: 5 });
    // A key the value lacks is not invented.
    expect(a?.raw.toString()).not.toContain('outboxSince');
    expect(await aggregates.keysWhere(Predicates.lessEqual('nextDeadline', 10))).toEqual(['a']);
  });

  it('builds a document from a head and a tail of encoded elements: the same value, leading keys first', async () => {
    type Agg = { id: string; nextDeadline: number | null; outbox: Array<{ v: number }> };
    const aggregates = await JsonMap.open<Agg>(client, `${ns}.tails`, { leadingKeys: ['nextDeadline'] });
    const tail = [{ v: 1 }, { v: 2 }].map((entry) => JSON.stringify(entry));
    const built = aggregates.encodeWithTail({ id: 't', nextDeadline: 7 }, 'outbox', tail);
    expect(built.head).toBe('{"nextDeadline":7,"id":"t"}');
    expect(JSON.parse(built.raw.toString())).toEqual({
      id: 't',
      nextDeadline: 7,
      outbox: [{ v: 1 }, { v: 2 }],
    });
    // It is what the members keep: a compare-and-set against it wins, and queries see the head.
    await aggregates.set('t', { id: 't', nextDeadline: 1, outbox: [] });
    const stored = (await aggregates.get('t'))!;
    expect(await aggregates.replaceRawIfSame('t', stored.raw, built.raw)).toBe(true);
    expect((await aggregates.get('t'))?.value).toEqual({
      id: 't',
      nextDeadline: 7,
      outbox: [{ v: 1 }, { v: 2 }],
    });
    expect(await aggregates.keysWhere(Predicates.equal('nextDeadline', 7))).toEqual(['t']);
    // An empty head and an empty tail still make a document.
    expect(JSON.parse(aggregates.encodeWithTail({}, 'outbox', []).raw.toString())).toEqual({ outbox: [] });
  });
});
