import { describe, expect, it } from 'vitest';
import { counterGrowth, readGridScrape, readUnitScrape, trafficBetween } from './scrapes.js';

const U1 = 'http://127.0.0.1:8100';
const U2 = 'http://127.0.0.1:8101';

/** A grid `/metrics` page: `requests` per unit and status, latency buckets per unit. */
function gridPage(
  requests: Array<[string, string, number]>,
  buckets: Array<[string, string, number]>,
  inFlight = 0,
) {
  return [
    '# TYPE spacegrid_grid_requests_total counter',
    ...requests.map(
      ([unit, status, n]) =>
        `spacegrid_grid_requests_total{status_code="${status}",unit="${unit}",part="messaging-grid"} ${n}`,
    ),
    ...buckets.map(
      ([unit, le, n]) =>
        `spacegrid_grid_request_duration_seconds_bucket{le="${le}",unit="${unit}",part="messaging-grid"} ${n}`,
    ),
    `spacegrid_grid_requests_in_flight{part="messaging-grid"} ${inFlight}`,
    'nodejs_heap_size_total_bytes 123',
  ].join('\n');
}

describe('scrapes', () => {
  it('turns two grid scrapes into rates, errors and percentiles, per unit too', () => {
    const earlier = readGridScrape(
      gridPage(
        [
          [U1, '201', 100],
          [U2, '201', 50],
          ['none', '429', 1],
        ],
        [
          [U1, '0.01', 100],
          [U1, '0.1', 100],
          [U1, '+Inf', 100],
          [U2, '0.01', 50],
          [U2, '+Inf', 50],
        ],
      ),
      10_000,
    );
    const later = readGridScrape(
      gridPage(
        [
          [U1, '201', 180],
          [U1, '409', 10],
          [U1, '503', 5],
          [U2, '201', 50],
          ['none', '429', 6],
        ],
        [
          [U1, '0.01', 150],
          [U1, '0.1', 195],
          [U1, '+Inf', 195],
          [U2, '0.01', 50],
          [U2, '+Inf', 50],
        ],
        7,
      ),
      12_000,
    );
    expect(later.inFlight).toBe(7);
    const traffic = trafficBetween(earlier, later)!;
    // 80 + 10 + 5 to U1, 5 shed by the grid: 100 in 2 s; 5 × 503 and 5 × 429 are errors, the 409s are not.
    expect(traffic.requestsPerSecond).toBe(50);
    expect(traffic.errorsPerSecond).toBe(5);
    // 95 observations: 50 under 10 ms, 45 between 10 and 100 ms.
    expect(traffic.p50Ms).toBeCloseTo(10 * (47.5 / 50), 5);
    expect(traffic.p99Ms).toBeCloseTo(10 + 90 * ((94.05 - 50) / 45), 5);
    expect(traffic.byUnit.get(U1)).toEqual({ requestsPerSecond: 47.5, p99Ms: expect.any(Number) });
    expect(traffic.byUnit.get(U2)).toEqual({ requestsPerSecond: 0, p99Ms: null });
    expect(traffic.byUnit.has('none')).toBe(false);
  });

  it('answers null after the grid restarted (counters went back)', () => {
    const page = (n: number) => gridPage([[U1, '200', n]], [[U1, '+Inf', n]]);
    expect(trafficBetween(readGridScrape(page(100), 0), readGridScrape(page(3), 1000))).toBeNull();
    expect(trafficBetween(readGridScrape(page(1), 1000), readGridScrape(page(2), 1000))).toBeNull();
  });

  it('reads a unit’s utilization and commands in flight', () => {
    expect(
      readUnitScrape(
        'spacegrid_event_loop_utilization_ratio{part="processing-unit"} 0.25\nspacegrid_commands_pending 12\n',
      ),
    ).toMatchObject({
      utilization: 0.25,
      pending: 12,
    });
    expect(readUnitScrape('other 1\n')).toMatchObject({ utilization: null, pending: null, watchers: null });
  });

  it("reads a unit's watchers (every stream kind), drops and basket outcomes", () => {
    const scrape = readUnitScrape(
      [
        'spacegrid_stream_watchers{stream="auction",part="processing-unit"} 7',
        'spacegrid_stream_watchers{stream="event",part="processing-unit"} 2',
        'spacegrid_stream_watchers_dropped_total{stream="auction",part="processing-unit"} 1',
        'spacegrid_stream_watchers_dropped_total{stream="event",part="processing-unit"} 2',
        'spacegrid_baskets_total{outcome="held",part="processing-unit"} 10',
        'spacegrid_baskets_total{outcome="unavailable",part="processing-unit"} 3',
      ].join('\n'),
    );
    expect(scrape.watchers).toBe(9);
    expect(scrape.watchersDropped).toBe(3);
    expect(Object.fromEntries(scrape.baskets)).toEqual({ held: 10, unavailable: 3 });
    expect(readUnitScrape('spacegrid_commands_pending 0').watchers).toBeNull();
  });

  it('counts growth across a restart of the counting process', () => {
    expect(counterGrowth(10, 15)).toBe(5);
    expect(counterGrowth(undefined, 15)).toBe(0);
    // The unit restarted: its counter began again at zero, and all it counted since is growth.
    expect(counterGrowth(10, 4)).toBe(4);
  });
});
