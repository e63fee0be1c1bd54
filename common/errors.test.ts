import { describe, expect, it } from 'vitest';
import { ConflictError, RetryLaterError, SpacegridError, ValidationError } from './errors.js';

const frames = (error: Error): number =>
  (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)).length;

describe('SpacegridError', () => {
  it('makes a refusal (4xx) without a stack trace: an answer, made thousands of times a second after a sell-out', () => {
    for (const refusal of [
      new ConflictError('NOT_ENOUGH_SEATS', 'only 0 seats are available', { available: 0 }),
      new ValidationError('body/quantity must be >= 1'),
      new RetryLaterError('OVERLOADED', 'too many requests'),
    ]) {
      expect(frames(refusal), refusal.code).toBe(0);
      expect(refusal.stack).toContain(refusal.message);
      expect(refusal).toBeInstanceOf(Error);
    }
  });

  it('keeps the stack trace of a fault (5xx), and leaves Error.stackTraceLimit as it was', () => {
    const limit = Error.stackTraceLimit;
    new ConflictError('SEAT_UNAVAILABLE', 'seats are not available');
    expect(Error.stackTraceLimit).toBe(limit);
    const fault = new SpacegridError('INTERNAL', 500, 'a bug');
    expect(frames(fault)).toBeGreaterThan(0);
    expect(frames(new RetryLaterError('NOT_READY', 'warming'))).toBeGreaterThan(0);
    expect(frames(new Error('plain'))).toBeGreaterThan(0);
  });
});
