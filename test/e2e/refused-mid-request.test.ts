import { ClientOfflineError } from 'hazelcast-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { JsonMap } from '../../common/json-map.js';
import { http } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

/**
 * A unit whose grid client refuses a step of a request after an earlier step of it was written
 * (here: POST /events wrote the event, then its client went offline for the sections). The unit
 * must not answer NOT_READY ("nothing done"): the messaging grid would send the request to
 * another unit, which found the event it had itself half-created and answered 409 EVENT_EXISTS
 * (without an id in the body: created a second event).
 */
describe('a grid client refusal after a request has written', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ units: 2 });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await system?.close();
  });

  it('is answered 503 GRID_UNAVAILABLE, not handed to another unit as untouched', async () => {
    const putIfAbsent = JsonMap.prototype.putIfAbsent;
    let refused = 0;
    // The units run in this process: the first section write of either unit is refused the way the
    // client refuses every call while it reconnects.
    vi.spyOn(JsonMap.prototype, 'putIfAbsent').mockImplementation(function (
      this: JsonMap<unknown>,
      ...args: Parameters<JsonMap<unknown>['putIfAbsent']>
    ) {
      if (this.name.endsWith('.sections') && refused === 0) {
        refused += 1;
        return Promise.reject(new ClientOfflineError());
      }
      return putIfAbsent.apply(this, args);
    });

    const answer = await http('POST', `${system.gridUrl}/events`, {
      id: 'half-made',
      name: 'Half made',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: 'ga', capacity: 10 }],
    });
    expect(refused).toBe(1);
    expect(answer.status, JSON.stringify(answer.body)).toBe(503);
    expect(answer.body.error.code).toBe('GRID_UNAVAILABLE');
    expect(answer.headers['retry-after']).toBe('1');

    // The grid did not try another unit: the refusal was the first and only attempt.
    const metrics = await fetch(`${system.gridUrl}/metrics`).then((r) => r.text());
    expect(metrics).not.toMatch(/spacegrid_grid_failovers_total\{[^}]*reason="not-ready"[^}]*\} [1-9]/);
  });
});
