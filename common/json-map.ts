import { HazelcastJsonValue, type IMap, type Predicate } from 'hazelcast-client';
import type { HazelcastClient } from './grid-client.js';

/** A value read from the grid together with the exact raw form that `replaceIfSame` needs. */
export interface Versioned<T> {
  readonly raw: HazelcastJsonValue;
  readonly value: T;
}

/**
 * A typed view of an IMap whose values are JSON documents (so members can query and index their
 * attributes). Every read parses into a fresh object the caller may mutate freely.
 */
export class JsonMap<T> {
  private constructor(readonly map: IMap<string, HazelcastJsonValue>) {}

  static async open<T>(client: HazelcastClient, name: string): Promise<JsonMap<T>> {
    return new JsonMap<T>(await client.getMap<string, HazelcastJsonValue>(name));
  }

  /** A fresh object from a raw value (the caller may mutate it). */
  decode(raw: HazelcastJsonValue): T {
    return JSON.parse(raw.toString()) as T;
  }

  private encode(value: T): HazelcastJsonValue {
    return new HazelcastJsonValue(JSON.stringify(value));
  }

  get name(): string {
    return this.map.getName();
  }

  async get(key: string): Promise<Versioned<T> | null> {
    const raw = await this.map.get(key);
    return raw == null ? null : { raw, value: this.decode(raw) };
  }

  async getAll(keys: string[]): Promise<Map<string, Versioned<T>>> {
    const result = new Map<string, Versioned<T>>();
    if (keys.length === 0) return result;
    for (const [key, raw] of await this.map.getAll(keys)) {
      if (raw != null) result.set(key, { raw, value: this.decode(raw) });
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
    return (await this.map.replaceIfSame(key, expected, raw)) ? raw : null;
  }

  /** Creates the entry unless it exists. Returns null when created, or the existing value. */
  async putIfAbsent(key: string, value: T, ttlMs?: number): Promise<Versioned<T> | null> {
    const existing = await this.map.putIfAbsent(key, this.encode(value), ttlMs);
    return existing == null ? null : { raw: existing, value: this.decode(existing) };
  }

  async set(key: string, value: T, ttlMs?: number): Promise<void> {
    await this.map.set(key, this.encode(value), ttlMs);
  }

  async setAll(entries: Array<[string, T]>): Promise<void> {
    if (entries.length === 0) return;
    await this.map.setAll(entries.map(([k, v]) => [k, this.encode(v)]));
  }

  async keysWhere(predicate: Predicate): Promise<string[]> {
    return this.map.keySetWithPredicate(predicate);
  }
}
