import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConflictError,
  IdempotencyKeyReusedError,
  SpacegridError,
  ValidationError,
} from '../common/errors.js';
import type { GridMaps, IdempotencyRecord } from '../common/grid-maps.js';
import type { JsonMap } from '../common/json-map.js';
import { newId } from './ids.js';

export interface Answer {
  status: number;
  body: unknown;
}

export interface IdempotentAnswer extends Answer {
  replayed: boolean;
}

const KEY_PATTERN = /^[\x20-\x7E]{1,128}$/;

export interface IdempotencyOptions {
  /** How long a finished answer is kept for replay. */
  ttlSeconds: number;
  /** How long a request may stay "being worked on" before another may take over its key. */
  pendingTtlSeconds?: number;
  /** How long a duplicate waits for the first request's answer. */
  waitMs?: number;
}

/** A request under an `Idempotency-Key`: the key, and the fingerprint of what it asks (method, path, body). */
export interface KeyedRequest {
  key: string;
  fingerprint: string;
}

/**
 * The id of a creation (an event, an auction): the request's own; else, under a key, one made from
 * the key (the same for every retry, so a retry whose first attempt committed finds what it made);
 * else a new one.
 */
export function creationId(
  given: string | undefined,
  keyed: KeyedRequest | undefined,
  prefix: string,
): { id: string; fromKey: boolean } {
  if (given !== undefined) return { id: given, fromKey: false };
  if (keyed === undefined) return { id: newId(prefix), fromKey: false };
  const digest = createHash('sha256').update(`${prefix}\n${keyed.key}`).digest('base64url');
  return { id: `${prefix}-k${digest.slice(0, 32)}`, fromKey: true };
}

/**
 * Puts a new aggregate under its id, marked with the keyed request that creates it. False when the
 * id was taken by this very request, retried under its key after its answer was lost (answer with
 * what it made); otherwise a taken id throws: 422 when the id came from the key (the key made
 * something else), else `taken()` (409: the id is someone's).
 */
export async function putNew<V extends { createdBy?: string }>(
  map: Pick<JsonMap<V>, 'putIfAbsent'>,
  value: V,
  { id, fromKey }: { id: string; fromKey: boolean },
  keyed: KeyedRequest | undefined,
  taken: () => Error,
): Promise<boolean> {
  const mark = keyed === undefined ? undefined : creationMark(keyed);
  if (mark !== undefined) value.createdBy = mark;
  const taker = await map.putIfAbsent(id, value);
  if (!taker) return true;
  if (mark !== undefined && taker.value.createdBy === mark) return false;
  if (fromKey) throw new IdempotencyKeyReusedError('this Idempotency-Key created something else');
  throw taken();
}

/** What a keyed creation records on what it created, so that a retry of the same request knows it. */
function creationMark(request: KeyedRequest): string {
  return createHash('sha256').update(`${request.key}\n${request.fingerprint}`).digest('base64url');
}

/**
 * `Idempotency-Key`: the first request with a key claims it (putIfAbsent), does the work and
 * stores its answer, errors included; repeats get that answer back. A concurrent duplicate waits
 * for the first answer rather than doing the work twice. A failure that decided nothing for sure
 * frees the key (its own claim only); the work itself must recognise a retry of what may have
 * committed (holds, bids and baskets by ids derived from the key; events and auctions by the
 * creating request they record).
 */
export class Idempotency {
  constructor(
    private readonly maps: Pick<GridMaps, 'idempotency'>,
    private readonly options: IdempotencyOptions,
  ) {}

  static fingerprint(method: string, path: string, body: unknown): string {
    return createHash('sha256')
      .update(`${method} ${path}\n${JSON.stringify(body ?? null)}`)
      .digest('base64url');
  }

  async run(
    key: string | undefined,
    fingerprint: string,
    work: () => Promise<Answer>,
  ): Promise<IdempotentAnswer> {
    if (key === undefined) return { ...(await work()), replayed: false };
    if (!KEY_PATTERN.test(key)) {
      throw new ValidationError('Idempotency-Key must be 1 to 128 printable characters');
    }
    const id = createHash('sha256').update(key).digest('base64url');
    const now = Date.now();
    const pending: IdempotencyRecord = {
      state: 'PENDING',
      fingerprint,
      at: now,
      expiresAt: now + (this.options.pendingTtlSeconds ?? 30) * 1000,
    };
    const existing = await this.claim(id, pending);
    if (existing) return this.replay(id, existing, fingerprint);

    let answer: Answer;
    try {
      answer = await work();
    } catch (err) {
      if (err instanceof SpacegridError && err.status < 500 && err.status !== 429) {
        answer = {
          status: err.status,
          body: {
            error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
          },
        };
      } else {
        // Not a decided refusal: the work may or may not have committed (a 5xx, a timeout, a 429
        // after a compare-and-set that may have landed). Free the key so the client's retry can do
        // the work: holds, bids and baskets under a key carry ids derived from it (events and
        // auctions record the request that created them), so a retry whose first attempt did
        // commit is answered with what that attempt made, never applied twice.
        await this.release(id, pending).catch(() => undefined);
        throw err;
      }
    }
    const finished = Date.now();
    const done: IdempotencyRecord = {
      state: 'DONE',
      fingerprint,
      status: answer.status,
      body: answer.body,
      at: finished,
      expiresAt: finished + this.options.ttlSeconds * 1000,
    };
    await this.maps.idempotency.set(id, done);
    return { ...answer, replayed: false };
  }

  /**
   * Claims the key for this request: null when claimed, else the record that holds it. A record past
   * its `expiresAt` is gone in all but memory (until the janitor removes it) and is taken over.
   */
  private async claim(id: string, pending: IdempotencyRecord): Promise<IdempotencyRecord | null> {
    for (;;) {
      const existing = await this.maps.idempotency.putIfAbsent(id, pending);
      if (!existing) return null;
      if (!isExpired(existing.value, pending.at)) return existing.value;
      if (await this.maps.idempotency.replaceIfSame(id, existing.raw, pending)) return null;
    }
  }

  /**
   * Removes this request's own claim, and only it: if the claim expired while the work ran, a retry
   * may hold the key now, and freeing it would let a third attempt run alongside that retry.
   */
  private async release(id: string, claim: IdempotencyRecord): Promise<void> {
    const current = await this.maps.idempotency.get(id);
    if (
      current?.value.state === 'PENDING' &&
      current.value.at === claim.at &&
      current.value.fingerprint === claim.fingerprint
    ) {
      await this.maps.idempotency.map.remove(id, current.raw);
    }
  }

  private async replay(
    id: string,
    record: IdempotencyRecord,
    fingerprint: string,
  ): Promise<IdempotentAnswer> {
    const deadline = Date.now() + (this.options.waitMs ?? 5_000);
    let current: IdempotencyRecord | undefined = record;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      if (!current)
        throw new ConflictError('IDEMPOTENCY_KEY_IN_FLIGHT', 'the first request with this key failed: retry');
      if (current.fingerprint !== fingerprint) {
        throw new IdempotencyKeyReusedError('this Idempotency-Key was used with a different request');
      }
      if (current.state === 'DONE')
        return { status: current.status ?? 200, body: current.body, replayed: true };
      if (Date.now() > deadline) {
        throw new ConflictError(
          'IDEMPOTENCY_KEY_IN_FLIGHT',
          'a request with this Idempotency-Key is still in progress',
        );
      }
      await sleep(delay);
      current = (await this.maps.idempotency.get(id))?.value;
      if (current && isExpired(current, Date.now())) current = undefined;
    }
  }
}

function isExpired(record: IdempotencyRecord, now: number): boolean {
  return record.expiresAt !== undefined && record.expiresAt <= now;
}
