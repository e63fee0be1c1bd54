/* eslint-disable @typescript-eslint/no-explicit-any -- answers are inspected loosely */
import { Queue } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CHANGE_JOB_OPTIONS } from '../../common/change-queue.js';
import { CHANGE_JOB_NAME, changeJobId, type ChangeRecord } from '../../common/change-record.js';
import { openDatabase } from '../../common/db/postgres.js';
import { connectGrid } from '../../common/grid-client.js';
import { openGridMaps } from '../../common/grid-maps.js';
import { gridNames } from '../../common/map-names.js';
import { createRedis } from '../../common/redis.js';
import { buildReader, type DataReader } from '../../data-reader/build-reader.js';
import { buildWriter, type DataWriter } from '../../data-writer/build-writer.js';
import { http } from '../support/http.js';
import { testLogger, uniqueName, waitFor } from '../support/system.js';
import { databaseUrl, TEST_REDIS_URL } from '../support/test-env.js';

/** A committed batch of one auction: what the pump would have queued before the grid was lost. */
function auctionChange(auctionId: string, version: number): ChangeRecord {
  const at = Date.now();
  const iso = new Date(at).toISOString();
  const ends = new Date(at + 3_600_000).toISOString();
  return {
    aggregate: 'auction',
    key: auctionId,
    version,
    at,
    snapshot: {
      auctionId,
      title: 'Queued before the loss',
      status: 'OPEN',
      endsAt: ends,
      highestAmount: null,
      highestBidderId: null,
      bidCount: 0,
      version,
    } as any,
    events: [
      {
        type: 'AuctionCreated',
        auction: {
          auctionId,
          title: 'Queued before the loss',
          startingPrice: 1000,
          minIncrement: 100,
          reservePrice: null,
          softCloseSeconds: 0,
          startsAt: iso,
          endsAt: ends,
          createdAt: iso,
        },
      },
    ],
  };
}

/**
 * The data reader warms an empty grid only from a Postgres that has everything the lost grid had
 * acknowledged: while changes are still queued for the writers, or wait in the repair queue, it
 * waits and says why on /readyz; once they are stored it warms, and what was queued is in the grid.
 */
describe('a reader that never warms from behind', () => {
  const opened: Array<{ close(): Promise<unknown> }> = [];
  afterEach(async () => {
    for (const thing of opened.reverse()) await thing.close().catch(() => undefined);
    opened.length = 0;
  });

  const setUp = async () => {
    const namespace = uniqueName('wb');
    const dbUrl = databaseUrl(`spacegrid_${namespace}`);
    const hzMembers = inject('hzMembers');
    const hzClusterName = inject('hzClusterName');
    const queue = new Queue(gridNames(namespace).changeQueue, { connection: createRedis(TEST_REDIS_URL) });
    opened.push({ close: () => queue.obliterate({ force: true }).finally(() => queue.close()) });
    const reader: DataReader = buildReader(
      {
        hzMembers,
        hzClusterName,
        namespace,
        host: '127.0.0.1',
        port: 0,
        databaseUrl: dbUrl,
        redisUrl: TEST_REDIS_URL,
        checkIntervalMs: 100,
      },
      testLogger(),
    );
    const writer = (): DataWriter =>
      buildWriter(
        {
          port: 0,
          host: '127.0.0.1',
          databaseUrl: dbUrl,
          redisUrl: TEST_REDIS_URL,
          namespace,
          concurrency: 16,
          maxBatch: 100,
          statementTimeoutMs: 5_000,
          adminToken: undefined,
        },
        testLogger(),
      );
    return { namespace, dbUrl, hzMembers, hzClusterName, queue, reader, writer };
  };
  const readiness = async (reader: DataReader) => (await http('GET', `${reader.url}/readyz`)).body;

  it('waits while changes are still queued for the writers, then warms with them', async () => {
    const { namespace, hzMembers, hzClusterName, queue, reader, writer } = await setUp();
    const change = auctionChange('queued-lot', 1);
    await queue.add(CHANGE_JOB_NAME, change, { ...CHANGE_JOB_OPTIONS, jobId: changeJobId(change) });
    await reader.start();
    opened.push(reader);
    await waitFor(
      async () =>
        /1 changes are still queued for the data writers/.test(
          (await readiness(reader)).error?.message ?? '',
        ),
      20_000,
      'the reader to say it waits for the queue',
    );
    const write = writer();
    await write.start();
    opened.push(write);
    await reader.whenWarm();
    expect((await readiness(reader)).status).toBe('ready');
    const client = await connectGrid({ members: hzMembers, clusterName: hzClusterName, log: testLogger() });
    opened.push({ close: () => client.shutdown() });
    const maps = await openGridMaps(client, gridNames(namespace));
    const warmed = await maps.auctions.get('queued-lot');
    expect(warmed?.value).toMatchObject({
      title: 'Queued before the loss',
      version: 1,
    });
  });

  it('waits while a change waits for repair, and says so, until it is resolved', async () => {
    const { dbUrl, reader } = await setUp();
    const pool = await openDatabase(dbUrl, testLogger(), 1);
    opened.push({ close: () => pool.end() });
    await pool.query(
      `INSERT INTO change_repairs (aggregate, key, version, change, error) VALUES ('auction', 'stuck-lot', 3, '{}', 'test')`,
    );
    await reader.start();
    opened.push(reader);
    await waitFor(
      async () =>
        /1 changes wait for repair in the write-behind/.test((await readiness(reader)).error?.message ?? ''),
      20_000,
      'the reader to say it waits for the repair queue',
    );
    expect((await http('GET', `${reader.url}/status`)).body).toMatchObject({
      warm: false,
      waitingFor: expect.stringMatching(/repair/),
    });
    await pool.query('DELETE FROM change_repairs');
    await reader.whenWarm();
    expect((await readiness(reader)).status).toBe('ready');
  });
});
