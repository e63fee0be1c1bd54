import { execFileSync } from 'node:child_process';
import { Queue } from 'bullmq';
import { Predicates } from 'hazelcast-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectGrid, type HazelcastClient } from '../../common/grid-client.js';
import { openGridMaps, type GridMaps } from '../../common/grid-maps.js';
import { gridNames } from '../../common/map-names.js';
import { createRedis } from '../../common/redis.js';
import { runLoad } from '../../load-test/run-load.js';
import { checksNotPassed } from '../support/load-checks.js';
import { scrapeSum } from '../support/metrics.js';
import { ownPostgres, type OwnPostgres } from '../support/own-postgres.js';
import { startSystem, testLogger, uniqueName, type TestSystem } from '../support/system.js';

const OUTAGE_MS = 120_000;
const BEFORE_MS = 15_000;
const AFTER_MS = 25_000;
const OUTBOX_MAX_ENTRIES = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The heap the Hazelcast members use now (MB), from `jcmd GC.heap_info`; null where jcmd cannot say. */
function membersHeapMb(clusterName: string): number | null {
  try {
    const pids = execFileSync('pgrep', ['-f', `spacegrid.hz.cluster-name=${clusterName}`])
      .toString()
      .trim()
      .split('\n');
    let total = 0;
    for (const pid of pids.filter(Boolean)) {
      const info = execFileSync('jcmd', [pid, 'GC.heap_info']).toString();
      const used = /used (\d+)K/.exec(info);
      if (!used) return null;
      total += Number(used[1]) / 1024;
    }
    return Math.round(total);
  } catch {
    return null;
  }
}

/**
 * Postgres unreachable for two minutes while an open load runs through the messaging grid: holds
 * are granted until the write-behind's bound, then refused clearly (429 OVERLOADED, never a 5xx);
 * the aggregates' outboxes stay within their bound; once Postgres is back the backlog is written,
 * every acknowledged hold is in Postgres (the harness's invariant checks), and the catch-up rate is
 * measured. Against a Postgres cluster of the test's own, so stopping it harms nothing else.
 */
describe('a Postgres outage of two minutes under a steady load', () => {
  let postgres: OwnPostgres;
  let system: TestSystem;
  let client: HazelcastClient;
  let maps: GridMaps;

  beforeAll(async () => {
    postgres = await ownPostgres();
    system = await startSystem({
      units: 1,
      databaseUrl: postgres.url(`spacegrid_${uniqueName('pgo')}`),
      writeBehindBound: { maxEntries: OUTBOX_MAX_ENTRIES, maxAgeMs: 60_000 },
    });
    client = await connectGrid({
      members: system.hzMembers,
      clusterName: system.hzClusterName,
      log: testLogger(),
    });
    maps = await openGridMaps(client, gridNames(system.namespace));
  }, 300_000);
  afterAll(async () => {
    await client?.shutdown();
    await postgres?.start().catch(() => undefined);
    await system?.close();
    await postgres?.destroy();
  });

  /** The most changes any section or auction holds in its outbox right now. */
  const largestOutbox = async (): Promise<number> => {
    let largest = 0;
    for (const map of [maps.sections, maps.auctions]) {
      const keys = await map.keysWhere(Predicates.alwaysTrue());
      for (const entry of (await map.getAll(keys)).values())
        largest = Math.max(largest, entry.value.outbox.length);
    }
    return largest;
  };
  const writtenSoFar = (): Promise<number> => scrapeSum(system.writer!.url, 'spacegrid_writer_records_total');
  const queued = async (queue: Queue): Promise<number> =>
    Object.values(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).reduce(
      (a, b) => a + b,
      0,
    );

  it('refuses clearly past the bound, loses nothing acknowledged, and catches up', async () => {
    const heapBefore = membersHeapMb(system.hzClusterName);
    const load = runLoad({
      scenario: 'mixed',
      target: system.gridUrl,
      model: { type: 'open', rate: 150 },
      durationMs: BEFORE_MS + OUTAGE_MS + AFTER_MS,
      databaseUrl: system.databaseUrl,
      verifyTimeoutMs: 180_000,
      timeoutMs: 30_000,
      scenarioOptions: { capacity: 1_000_000, seats: 5_000 },
    });
    await sleep(BEFORE_MS);
    await postgres.stop();
    const outageStarted = Date.now();
    let largest = 0;
    while (Date.now() - outageStarted < OUTAGE_MS) {
      largest = Math.max(largest, await largestOutbox());
      await sleep(2_000);
    }
    const heapDuring = membersHeapMb(system.hzClusterName);
    const queue = new Queue(gridNames(system.namespace).changeQueue, {
      connection: createRedis(system.redisUrl),
    });
    const backlog = await queued(queue);
    const writtenBefore = await writtenSoFar();
    await postgres.start();
    const back = Date.now();
    // Catch-up: from Postgres's return until the backlog is written (the load goes on meanwhile).
    let caughtUpMs = -1;
    while (caughtUpMs < 0 && Date.now() - back < 120_000) {
      if ((await queued(queue)) < 50) caughtUpMs = Date.now() - back;
      else await sleep(250);
    }
    const caughtUpWritten = (await writtenSoFar()) - writtenBefore;
    await queue.close();
    const report = await load;
    await system.drained(180_000);

    console.log(
      `Postgres outage: ${report.totals.completed} requests, statuses ${JSON.stringify(report.statusCodes)}; ` +
        `largest outbox ${largest} (bound ${OUTBOX_MAX_ENTRIES}); members' heap ${heapBefore} → ${heapDuring} MB; ` +
        `backlog ${backlog} jobs caught up in ${caughtUpMs} ms after Postgres returned, ${caughtUpWritten} changes ` +
        `written meanwhile (${Math.round((caughtUpWritten * 1000) / Math.max(caughtUpMs, 1))} changes/s, the load going on)`,
    );
    expect(caughtUpMs).toBeGreaterThanOrEqual(0);
    // Refused clearly, never failed: no 5xx, no network error, every refusal a 429 OVERLOADED.
    const statuses = Object.keys(report.statusCodes);
    expect(
      statuses.every((s) => ['200', '201', '204', '409', '410', '429'].includes(s)),
      statuses.join(),
    ).toBe(true);
    expect(report.statusCodes['429'] ?? 0).toBeGreaterThan(0);
    // New work stops at a bound (the entries' or the age's, whichever comes first on this machine);
    // past it only work finishing what was granted before (a purchase or release settling, an
    // expiry) adds a change, at most one per such hold: a few here.
    expect(largest).toBeLessThanOrEqual(OUTBOX_MAX_ENTRIES + 50);
    // After Postgres returned the grid took writes again...
    const lastSeconds = report.series.filter((p) => p.atMs > report.elapsedMs - 10_000);
    expect(lastSeconds.reduce((n, p) => n + p.ok, 0)).toBeGreaterThan(100);
    // ...and everything acknowledged is in Postgres.
    expect(checksNotPassed(report)).toEqual([]);
    expect((report.invariants ?? []).length).toBeGreaterThan(0);
  }, 600_000);
});
