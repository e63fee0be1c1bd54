/* eslint-disable @typescript-eslint/no-explicit-any -- answers of other units are read loosely, then checked */
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { Logger } from '../../common/logger.js';

/** How a request to the unit owning a section ended. */
export type CallResult =
  /** Answered 2xx. */
  | { kind: 'ok'; status: number; body: any }
  /** Refused for good (a 4xx other than 429): nothing was done. */
  | { kind: 'refused'; status: number; code: string; message: string }
  /** No decided answer after every attempt (timeouts, 5xx, 429, a unit gone): it may have been done. */
  | { kind: 'unknown'; code: string; message: string };

export interface SectionCall {
  /** The section's routing key (`route.section`): whose unit to ask first. */
  routingKey: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  /** `<basketId>/<step>`: ties the request to the basket step that made it, in both units' logs. */
  correlationId: string;
  idempotencyKey?: string;
}

export interface SectionCallsOptions {
  /** Live units for a routing key, owner first (UnitRegistry.rank). */
  rank: (routingKey: string) => string[];
  timeoutMs: number;
  log: Logger;
  attempts?: number;
}

/** Codes that mean "not done, and a retry may decide": the retry is safe, every call is idempotent. */
const UNDECIDED = new Set(['OVERLOADED', 'IDEMPOTENCY_KEY_IN_FLIGHT']);

/**
 * Request/reply from a basket's coordinator to the unit that owns a section: the one the messaging
 * grid would route the section's requests to (so the hold joins that unit's batches), then the next
 * in rank when that one cannot be reached or answers nothing decided (units are stateless: any of
 * them is safe, the grid's compare-and-set decides). Every call is idempotent — holds are placed
 * under an Idempotency-Key, releases and purchases of a hold repeat harmlessly — so an ambiguous
 * failure is simply asked again, up to `attempts` times in all.
 */
export class SectionCalls {
  private readonly attempts: number;

  constructor(private readonly options: SectionCallsOptions) {
    this.attempts = options.attempts ?? 3;
  }

  async call(call: SectionCall): Promise<CallResult> {
    const units = this.options.rank(call.routingKey);
    let last: CallResult = { kind: 'unknown', code: 'NOT_READY', message: 'no unit is live' };
    for (let attempt = 0; attempt < this.attempts && units.length > 0; attempt += 1) {
      if (attempt > 0) await sleep(50 * attempt);
      last = await this.once(units[attempt % units.length]!, call);
      if (last.kind !== 'unknown') return last;
      this.options.log.debug({ correlationId: call.correlationId, result: last }, 'section call undecided');
    }
    return last;
  }

  private async once(unitUrl: string, call: SectionCall): Promise<CallResult> {
    const hasBody = call.body !== undefined;
    try {
      const response = await request(`${unitUrl}${call.path}`, {
        method: call.method,
        headers: {
          'x-correlation-id': call.correlationId,
          ...(hasBody ? { 'content-type': 'application/json' } : {}),
          ...(call.idempotencyKey !== undefined ? { 'idempotency-key': call.idempotencyKey } : {}),
        },
        ...(hasBody ? { body: JSON.stringify(call.body) } : {}),
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      const text = await response.body.text();
      const body = text.length > 0 ? JSON.parse(text) : undefined;
      const status = response.statusCode;
      if (status < 300) return { kind: 'ok', status, body };
      const code = String(body?.error?.code ?? `HTTP_${status}`);
      const message = String(body?.error?.message ?? `answered ${status}`);
      if (status < 500 && status !== 429 && !UNDECIDED.has(code))
        return { kind: 'refused', status, code, message };
      return { kind: 'unknown', code, message };
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      const timedOut = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
      return { kind: 'unknown', code: timedOut ? 'UNIT_TIMEOUT' : 'UNIT_FAILED', message: String(err) };
    }
  }
}
