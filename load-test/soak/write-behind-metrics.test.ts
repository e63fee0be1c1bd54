import { describe, expect, it } from 'vitest';
import { bucketsBetween } from '../../common/metrics/histograms.js';
import { readPumpBacklog, readWriterLag, shareAtOrBelow, summarizeLag } from './write-behind-metrics.js';

/** The data writer's lag histogram as it serves it, cumulative counts per bound. */
const writerMetrics = (counts: number[]): string => {
  const bounds = ['0.01', '0.05', '0.1', '0.25', '0.5', '1', '2', '5', '10', '30', '+Inf'];
  return [
    '# HELP spacegrid_writer_lag_seconds From commit in the grid to commit in Postgres',
    '# TYPE spacegrid_writer_lag_seconds histogram',
    ...bounds.map((le, i) => `spacegrid_writer_lag_seconds_bucket{le="${le}"} ${counts[i]}`),
    `spacegrid_writer_lag_seconds_sum 12.5`,
    `spacegrid_writer_lag_seconds_count ${counts.at(-1)}`,
  ].join('\n');
};

describe("the write-behind lag of a window (the writer's histogram between two scrapes)", () => {
  const earlier = readWriterLag(writerMetrics([0, 100, 200, 300, 400, 500, 500, 500, 500, 500, 500]));

  it('takes the p99 of the writes made in the window only', () => {
    // 1,000 new writes: 990 within 0.25 s, 10 between 1 and 2 s.
    const later = readWriterLag(
      writerMetrics([0, 600, 1000, 1290, 1390, 1490, 1500, 1500, 1500, 1500, 1500]),
    );
    const window = summarizeLag(bucketsBetween(earlier, later)!, 1);
    expect(window.writes).toBe(1000);
    // Exactly 99 % within 1 s: the p99 is the 990th write, the last one in the 0.25 s bucket.
    expect(window.withinTarget).toBeCloseTo(0.99, 10);
    expect(window.p99Sec).toBeCloseTo(0.25, 10);
  });

  it('catches a window where more than 1 % of the writes took over 1 s, however good the run before it', () => {
    const later = readWriterLag(writerMetrics([0, 100, 200, 300, 400, 500, 600, 600, 600, 600, 600]));
    const window = summarizeLag(bucketsBetween(earlier, later)!, 1);
    expect(window).toMatchObject({ writes: 100, withinTarget: 0 });
    expect(window.p99Sec).toBeCloseTo(1.99, 10);
  });

  it('has no p99 and no share for a window without writes', () => {
    expect(summarizeLag(bucketsBetween(earlier, earlier)!, 1)).toEqual({
      writes: 0,
      p99Sec: null,
      withinTarget: null,
    });
  });

  it('gives no window after the writer restarted (its counters went down)', () => {
    expect(bucketsBetween(earlier, readWriterLag(writerMetrics(Array(11).fill(3))))).toBeNull();
  });
});

describe('shareAtOrBelow', () => {
  const buckets = new Map([
    [0.5, 50],
    [1, 90],
    [Infinity, 100],
  ]);

  it('is exact at a bucket bound', () => {
    expect(shareAtOrBelow(buckets, 1)).toBe(0.9);
  });

  it('takes the bound below a target that is not one, never flattering', () => {
    expect(shareAtOrBelow(buckets, 0.8)).toBe(0.5);
    expect(shareAtOrBelow(buckets, 0.1)).toBe(0);
  });
});

describe('readPumpBacklog', () => {
  it('adds the jobs still to write (waiting, active, delayed, prioritized), not completed or failed ones', () => {
    const text = [
      'spacegrid_pump_dirty_keys 3',
      'spacegrid_queue_jobs{queue="bench:changes",state="waiting"} 40',
      'spacegrid_queue_jobs{queue="bench:changes",state="active"} 2',
      'spacegrid_queue_jobs{queue="bench:changes",state="delayed"} 1',
      'spacegrid_queue_jobs{queue="bench:changes",state="prioritized"} 0',
      'spacegrid_queue_jobs{queue="bench:changes",state="completed"} 90000',
      'spacegrid_queue_jobs{queue="bench:changes",state="failed"} 7',
    ].join('\n');
    expect(readPumpBacklog(text)).toEqual({ queueDepth: 43, dirtyKeys: 3 });
  });

  it('says null when the pump could not read the queue (Redis down)', () => {
    expect(readPumpBacklog('spacegrid_pump_dirty_keys 0\n')).toEqual({ queueDepth: null, dirtyKeys: 0 });
  });
});
