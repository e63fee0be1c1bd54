import {
  ClientOfflineError,
  HazelcastInstanceNotActiveError,
  IOError,
  OperationTimeoutError,
  SplitBrainProtectionError,
  TargetDisconnectedError,
} from 'hazelcast-client';
import { describe, expect, it } from 'vitest';
import { BasketPendingError, ContentionError } from './errors.js';
import { createHttpServer } from './http-server.js';
import { createRootLogger, silentLogger } from './logger.js';

/** What a unit answers when its grid client fails in each way (the client's own error classes). */
describe('grid client failures as HTTP answers', () => {
  const cases: Array<[string, Error, number, string, string]> = [
    ['offline (reconnecting)', new ClientOfflineError(), 503, 'NOT_READY', '1'],
    ['client shut down', new HazelcastInstanceNotActiveError('gone'), 503, 'NOT_READY', '1'],
    ['minority side of a split', new SplitBrainProtectionError('split'), 503, 'NOT_READY', '2'],
    ['connection lost mid-operation', new TargetDisconnectedError('lost'), 503, 'GRID_UNAVAILABLE', '1'],
    ['I/O failure', new IOError('io'), 503, 'GRID_UNAVAILABLE', '1'],
    ['operation timed out', new OperationTimeoutError('slow'), 503, 'GRID_UNAVAILABLE', '1'],
    // Not the client's own error: a key so contended that a batch gave up (API.md: 429 always with Retry-After).
    ['too much contention on one key', new ContentionError('ev.sec', 20), 429, 'OVERLOADED', '1'],
  ];

  it.each(cases)(
    '%s (%s): %i %s with Retry-After, never a 500',
    async (_name, error, status, code, retryAfter) => {
      const app = createHttpServer({ log: silentLogger });
      app.get('/fail', async () => {
        throw error;
      });
      try {
        const answer = await app.inject({ method: 'GET', url: '/fail' });
        expect(answer.statusCode).toBe(status);
        expect(answer.headers['retry-after']).toBe(retryAfter);
        expect(answer.json()).toEqual({ error: { code, message: expect.any(String) } });
      } finally {
        await app.close();
      }
    },
  );
});

/**
 * A request that writes may have written before its grid client refused a later step: only a read
 * may say NOT_READY (nothing done, so the messaging grid may send it to another unit); anything
 * else says GRID_UNAVAILABLE (whether it took effect is unknown: repeat it with the same key).
 */
describe('grid client refusals of a request that writes', () => {
  const refusals: Array<[string, Error, string]> = [
    ['offline (reconnecting)', new ClientOfflineError(), '1'],
    ['client shut down', new HazelcastInstanceNotActiveError('gone'), '1'],
    ['minority side of a split', new SplitBrainProtectionError('split'), '2'],
  ];
  it.each(refusals)(
    '%s: 503 GRID_UNAVAILABLE on POST, PUT and DELETE',
    async (_name, error, readRetryAfter) => {
      const app = createHttpServer({ log: silentLogger });
      app.route({
        method: ['POST', 'PUT', 'DELETE', 'HEAD'],
        url: '/fail',
        handler: async () => {
          throw error;
        },
      });
      try {
        for (const method of ['POST', 'PUT', 'DELETE'] as const) {
          const answer = await app.inject({ method, url: '/fail' });
          expect(answer.statusCode, method).toBe(503);
          expect(answer.headers['retry-after'], method).toBe('1');
          expect(answer.json().error.code, method).toBe('GRID_UNAVAILABLE');
          expect(answer.json().error.message, method).toMatch(/Idempotency-Key/);
        }
        // A read stays NOT_READY (the GET cases above), HEAD too.
        const head = await app.inject({ method: 'HEAD', url: '/fail' });
        expect(head.statusCode).toBe(503);
        expect(head.headers['retry-after']).toBe(readRetryAfter);
      } finally {
        await app.close();
      }
    },
  );
});

describe('5xx answers in the log', () => {
  it('say which answer was given: a basket still being worked on is not a dependency failing', async () => {
    const lines: string[] = [];
    const log = createRootLogger({ level: 'warn', destination: { write: (line) => lines.push(line) } });
    const app = createHttpServer({ log });
    app.get('/pending', async () => {
      throw new BasketPendingError('b-1');
    });
    try {
      const answer = await app.inject({ method: 'GET', url: '/pending' });
      expect(answer.statusCode).toBe(504);
      const logged = lines.map((line) => JSON.parse(line) as { msg: string; code?: string });
      expect(logged.map((entry) => entry.msg)).toEqual(['answered 504 BASKET_PENDING']);
      expect(logged[0]?.code).toBe('BASKET_PENDING');
    } finally {
      await app.close();
    }
  });
});
