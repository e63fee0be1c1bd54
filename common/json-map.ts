import { HazelcastJsonValue, type IMap, type Predicate } from 'hazelcast-client';
import type { HazelcastClient } from './grid-client.js';

/** A value read from the grid together with the exact raw form that `replaceIfSame` needs. */
export interface Versioned<T> {
  readonly raw: HazelcastJsonValue;
  readonly value: T;
}

/**
 * How a key travels when its map places entries by a partition key of their own: Hazelcast
 * partitions an object key with a `partitionKey` by that key's hash (the same partition as an
 * entry whose key is that string). Property order is fixed here, so equal keys are equal bytes.
 */
interface PartitionedKey {
  key: string;
  partitionKey: string;
}
type MapKey = string | PartitionedKey;

export interface JsonMapOptions {
  /** Places each entry in the partition of the returned key (for example, a hold in its section's). */
  partitionKeyOf?: (key: string) => string;
  /**
   * Attributes written first in every document: the indexed ones, so a member finds them without
   * scanning past a large outbox (members keep no JSON metadata; see member.yaml).
   */
  leadingKeys?: readonly string[];
}

/**
 * A typed view of an IMap whose values are JSON documents (so members can query and index their
 * attributes). Every read parses into a fresh object the caller may mutate freely. Keys are
 * strings for callers, whatever form they take on the wire.
 */
export class JsonMap<T> {
  private constructor(
    readonly map: IMap<MapKey, HazelcastJsonValue>,
    private readonly partitionKeyOf: ((key: string) => string) | undefined,
    private readonly leadingKeys: readonly string[] = [],
  ) {}

  static async open<T>(
    client: HazelcastClient,
    name: string,
    options: JsonMapOptions = {},
  ): Promise<JsonMap<T>> {
    return new JsonMap<T>(
      await client.getMap<MapKey, HazelcastJsonValue>(name),
      options.partitionKeyOf,
      options.leadingKeys,
    );
  }

  private wire(key: string): MapKey {
    return this.partitionKeyOf ? { key, partitionKey: this.partitionKeyOf(key) } : key;
  }

  /** A key as the members hand it back (object keys arrive as raw JSON: the client parses no JSON). */
  private unwire(key: unknown): string {
    if (typeof key === 'string') return key;
    const parsed = (key instanceof HazelcastJsonValue ? JSON.parse(key.toString()) : key) as PartitionedKey;
    return parsed.key;
  }

  /** A fresh object from a raw value (the caller may mutate it). */
  decode(raw: HazelcastJsonValue): T {
    return JSON.parse(raw.toString()) as T;
  }

  private encode(value: T): HazelcastJsonValue {
    return new HazelcastJsonValue(this.encodeJson(value));
  }

  /**
   * A document as this map stores it, built from `head` plus one array attribute written last from
   * elements already encoded as JSON text: for a value whose largest part changes only at its ends,
   * so that a writer encodes only what changed. Returns the document and `head`'s own JSON text.
   */
  encodeWithTail(
    head: object,
    tailKey: string,
    tail: readonly string[],
  ): { raw: HazelcastJsonValue; head: string } {
    const headJson = this.encodeJson(head);
    const opening = headJson === '{}' ? '{' : `${headJson.slice(0, -1)},`;
    return {
      raw: new HazelcastJsonValue(`${opening}${JSON.stringify(tailKey)}:[${tail.join(',')}]}`),
      head: headJson,
    };
  }

  /** The JSON text of a value as this map stores it: its leading keys first. */
  private encodeJson(value: unknown): string {
    if (this.leadingKeys.length === 0) return JSON.stringify(value);
    const record = value as Record<string, unknown>;
    const lead: Record<string, unknown> = {};
    for (const key of this.leadingKeys) if (key in record) lead[key] = record[key];
    // Spreading keeps the leading keys' positions: later duplicates only overwrite their values.
    return JSON.stringify({ ...lead, ...record });
  }

  get name(): string {
    return this.map.getName();
  }

  async get(key: string): Promise<Versioned<T> | null> {
    const raw = await this.map.get(this.wire(key));
    return raw == null ? null : { raw, value: this.decode(raw) };
  }

  async getAll(keys: string[]): Promise<Map<string, Versioned<T>>> {
    const result = new Map<string, Versioned<T>>();
    if (keys.length === 0) return result;
    for (const [key, raw] of await this.map.getAll(keys.map((k) => this.wire(k)))) {
      if (raw != null) result.set(this.unwire(key), { raw, value: this.decode(raw) });
    }
    return result;
  }

  /** Compare-and-set against the exact raw value that was read. Returns the new raw value, or null if it lost. */
  async replaceIfSame(
    key: string,
    expected: HazelcastJsonValue,
    next: T,
  ): Promise<HazelcastJsonValue | null> {
    const raw = this.encode(next);
    return (await this.replaceRawIfSame(key, expected, raw)) ? raw : null;
  }

  /** `replaceIfSame` with the new value already encoded (see `encodeWithTail`). */
  async replaceRawIfSame(
    key: string,
    expected: HazelcastJsonValue,
    next: HazelcastJsonValue,
  ): Promise<boolean> {
    return this.map.replaceIfSame(this.wire(key), expected, next);
  }

  /** Creates the entry unless it exists. Returns null when created, or the existing value. */
  async putIfAbsent(key: string, value: T, ttlMs?: number): Promise<Versioned<T> | null> {
    const existing = await this.map.putIfAbsent(this.wire(key), this.encode(value), ttlMs);
    return existing == null ? null : { raw: existing, value: this.decode(existing) };
  }

  async set(key: string, value: T, ttlMs?: number): Promise<void> {
    await this.map.set(this.wire(key), this.encode(value), ttlMs);
  }

  async setAll(entries: Array<[string, T]>): Promise<void> {
    if (entries.length === 0) return;
    await this.map.setAll(entries.map(([k, v]) => [this.wire(k), this.encode(v)]));
  }

  /** Calls `listener` with the key of every entry added or updated (no values travel). Returns the listener id. */
  async onChange(listener: (key: string) => void): Promise<string> {
    const changed = (event: { key: unknown }): void => listener(this.unwire(event.key));
    return this.map.addEntryListener({ added: changed, updated: changed }, undefined, false);
  }

  /**
   * Calls `listener` with the value of one entry each time it is added or updated (in the order
   * its partition commits them). Returns the listener id, for `unwatch`.
   */
  async watchKey(key: string, listener: (value: T) => void): Promise<string> {
    const changed = (event: { value: HazelcastJsonValue | null | undefined }): void => {
      if (event.value != null) listener(this.decode(event.value));
    };
    return this.map.addEntryListener({ added: changed, updated: changed }, this.wire(key), true);
  }

  async unwatch(listenerId: string): Promise<void> {
    await this.map.removeEntryListener(listenerId);
  }

  async keysWhere(predicate: Predicate): Promise<string[]> {
    return (await this.map.keySetWithPredicate(predicate)).map((key) => this.unwire(key));
  }
}
