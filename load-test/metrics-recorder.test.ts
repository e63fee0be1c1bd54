import { describe, expect, it } from 'vitest';
import { decodeHistogram } from './latency-histogram.js';
import { MetricsRecorder } from './metrics-recorder.js';
import { classifyOutcome, type HttpResult } from './outcome.js';

const answer = (status: number, errorCode?: string): HttpResult => ({
  status,
  body: undefined,
  errorCode,
  failure: undefined,
});
const failed = (failure: 'network' | 'timeout'): HttpResult => ({
  status: 0,
  body: undefined,
  errorCode: undefined,
  failure,
});

describe('classifyOutcome', () => {
  it('treats sold out, seat taken and outbid as business rejections, not errors', () => {
    expect(classifyOutcome(answer(201))).toEqual({ type: 'ok' });
    expect(classifyOutcome(answer(204))).toEqual({ type: 'ok' });
    for (const code of ['NOT_ENOUGH_SEATS', 'SEAT_UNAVAILABLE', 'BID_TOO_LOW']) {
      expect(classifyOutcome(answer(409, code))).toEqual({ type: 'rejected', code });
    }
  });

  it('counts 5xx, unexpected 4xx (429 included), network errors and timeouts as errors', () => {
    expect(classifyOutcome(answer(500))).toEqual({ type: 'error', category: 'server' });
    expect(classifyOutcome(answer(503, 'NOT_READY'))).toEqual({ type: 'error', category: 'server' });
    expect(classifyOutcome(answer(409, 'HOLD_NOT_ACTIVE'))).toEqual({ type: 'error', category: 'client' });
    expect(classifyOutcome(answer(429, 'OVERLOADED'))).toEqual({ type: 'error', category: 'client' });
    expect(classifyOutcome(answer(404, 'EVENT_NOT_FOUND'))).toEqual({ type: 'error', category: 'client' });
    expect(classifyOutcome(failed('network'))).toEqual({ type: 'error', category: 'network' });
    expect(classifyOutcome(failed('timeout'))).toEqual({ type: 'error', category: 'timeout' });
  });
});

describe('MetricsRecorder', () => {
  it('keeps a histogram and status codes per kind, and totals', () => {
    const recorder = new MetricsRecorder();
    recorder.record('hold', answer(201), 2);
    recorder.record('hold', answer(409, 'NOT_ENOUGH_SEATS'), 4);
    recorder.record('hold', failed('timeout'), 10_000);
    recorder.record('purchase', answer(201), 8);
    recorder.record('purchase', answer(503, 'GRID_UNAVAILABLE'), 8);
    recorder.record('purchase', answer(503, 'GRID_UNAVAILABLE'), 8);
    recorder.record('purchase', answer(502), 8);
    recorder.recordOverflow(3);
    const snapshot = recorder.snapshot();
    expect(snapshot).toMatchObject({ completed: 7, ok: 2, rejected: 1, errors: 7, overflow: 3 });
    expect(snapshot.byKind.hold!.statusCodes).toEqual({ '201': 1, '409': 1, timeout: 1 });
    expect(snapshot.statusCodes).toEqual({ '201': 2, '409': 1, '502': 1, '503': 2, timeout: 1 });
    expect(snapshot.errorsByCategory).toEqual({ timeout: 1, server: 3, overflow: 3 });
    // Which API error an error answer carried (an answer without a code counts by its status).
    expect(snapshot.errorsByCode).toEqual({ GRID_UNAVAILABLE: 2, 'HTTP 502': 1 });
    expect(snapshot.rejectionsByCode).toEqual({ NOT_ENOUGH_SEATS: 1 });
    expect(snapshot.byKind.purchase!.latency.p50).toBeCloseTo(8, 1);
    expect(decodeHistogram(snapshot.byKind.hold!.histogram).totalCount).toBe(3);
    expect(snapshot.latency.max).toBeCloseTo(10_000, -1);
  });

  it('rolls one point per interval with its own percentiles', () => {
    const recorder = new MetricsRecorder();
    recorder.record('get-section', answer(200), 1);
    recorder.record('get-section', answer(200), 3);
    const first = recorder.roll(1000);
    recorder.record('get-section', answer(500), 50);
    recorder.recordOverflow(2);
    const second = recorder.roll(2010);
    expect(first).toMatchObject({ atMs: 1000, intervalMs: 1000, completed: 2, ok: 2, errors: 0 });
    expect(first.max).toBeCloseTo(3, 1);
    expect(second).toMatchObject({ atMs: 2010, intervalMs: 1010, completed: 1, errors: 1, overflow: 2 });
    expect(second.p50).toBeCloseTo(50, 0);
    expect(recorder.snapshot().series).toEqual([first, second]);
  });
});
