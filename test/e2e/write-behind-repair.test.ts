/* eslint-disable @typescript-eslint/no-explicit-any -- admin answers are inspected loosely */
import { Queue } from 'bullmq';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_JOB_OPTIONS } from '../../common/change-queue.js';
import { CHANGE_JOB_NAME, changeJobId, type ChangeRecord } from '../../common/change-record.js';
import { createPool } from '../../common/db/postgres.js';
import { gridNames } from '../../common/map-names.js';
import { createRedis } from '../../common/redis.js';
import type { Hold } from '../../common/ticketing-model.js';
import { buildWriter, type DataWriter } from '../../data-writer/build-writer.js';
import { http } from '../support/http.js';
import { scrapeSum } from '../support/metrics.js';
import { testLogger, uniqueName, waitFor } from '../support/system.js';
import { databaseUrl, TEST_REDIS_URL } from '../support/test-env.js';

const TOKEN = 'repair-token-1';
const auth = { authorization: `Bearer ${TOKEN}` };

/** A section's committed batch: its snapshot and the holds it placed. */
function sectionChange(eventId: string, version: number, customers: string[]): ChangeRecord {
  const sectionId = 'main';
  const at = Date.now();
  const holds: Hold[] = customers.map((customerId, i) => ({
    holdId: `${eventId}-h${version}-${i}`,
    eventId,
    sectionId,
    customerId,
    quantity: 1,
    status: 'HELD',
    createdAt: new Date(at).toISOString(),
    expiresAt: new Date(at + 600_000).toISOString(),
    version,
  }));
  return {
    aggregate: 'section',
    key: `${eventId}.${sectionId}`,
    version,
    at,
    snapshot: { eventId, sectionId, kind: 'GA', capacity: 1000, held: version * 10, sold: 0, version },
    events: holds.map((hold) => ({ type: 'HoldPlaced' as const, hold })),
  };
}

/** A data writer on a namespace and database of its own, with its change queue and a pool on its database. */
function writerFixture(prefix: string, statementTimeoutMs: number) {
  const namespace = uniqueName(prefix);
  const dbUrl = databaseUrl(`spacegrid_${namespace}`);
  const f = {
    writer: undefined as unknown as DataWriter,
    queue: undefined as unknown as Queue,
    db: undefined as unknown as pg.Pool,
    /** A new writer on the same queue and database (the old one closed first by the caller). */
    async startWriter() {
      f.writer = buildWriter(
        {
          port: 0,
          host: '127.0.0.1',
          databaseUrl: dbUrl,
          redisUrl: TEST_REDIS_URL,
          namespace,
          concurrency: 64,
          maxBatch: 500,
          statementTimeoutMs,
          adminToken: TOKEN,
        },
        testLogger(),
      );
      await f.writer.start();
    },
  };
  beforeAll(async () => {
    f.queue = new Queue(gridNames(namespace).changeQueue, { connection: createRedis(TEST_REDIS_URL) });
    await f.startWriter();
    f.db = createPool(dbUrl, 2);
  });
  afterAll(async () => {
    await f.writer?.close();
    await f.queue?.obliterate({ force: true }).catch(() => undefined);
    await f.queue?.close();
    await f.db?.end();
  });
  return f;
}

/**
 * The data writer as the book's workflow event pattern, against real Redis and Postgres: a change
 * Postgres cannot store (here a customer id with a NUL, which jsonb refuses) never blocks the good
 * ones of its batch, waits in a durable repair queue with the later changes of its key held back
 * behind it, and is retried (corrected) or discarded by an operator.
 */
describe('the write-behind repair queue', () => {
  const f = writerFixture('rp', 5_000);
  const send = (records: ChangeRecord[]) =>
    f.queue.addBulk(
      records.map((data) => ({
        name: CHANGE_JOB_NAME,
        data,
        opts: { ...CHANGE_JOB_OPTIONS, jobId: changeJobId(data) },
      })),
    );
  const jobsDone = (records: ChangeRecord[]) =>
    waitFor(
      async () => {
        const states = await Promise.all(records.map((r) => f.queue.getJobState(changeJobId(r))));
        return states.every((s) => s === 'completed');
      },
      20_000,
      'every job completed',
    );
  const sectionRow = async (eventId: string) =>
    (await f.db.query('SELECT held, version FROM sections WHERE event_id = $1', [eventId])).rows[0];
  const holdIds = async (eventId: string) =>
    (await f.db.query('SELECT hold_id FROM holds WHERE event_id = $1 ORDER BY hold_id', [eventId])).rows.map(
      (r) => r.hold_id as string,
    );
  const repairs = async () =>
    (await http('GET', `${f.writer.url}/admin/repairs`, undefined, auth)).body.items as any[];

  it('commits the good changes of a batch, files the bad one, and holds back the later ones of its key', async () => {
    const good = ['a', 'b', 'c', 'd'].map((e) => sectionChange(`good-${e}`, 1, ['c1', 'c2']));
    const v1 = sectionChange('poison', 1, ['ok-1']);
    const v2 = sectionChange('poison', 2, ['bad\u0000customer']);
    const v3 = sectionChange('poison', 3, ['ok-3']);
    // One batch: the writer groups jobs that arrive together.
    await send([...good, v1, v2, v3]);
    await jobsDone([...good, v1, v2, v3]);

    for (const record of good) expect(await holdIds(record.key.split('.')[0]!)).toHaveLength(2);
    // v1 came before the bad change: written. v2 waits for repair, v3 behind it.
    expect(await sectionRow('poison')).toEqual({ held: 10, version: '1' });
    expect(await holdIds('poison')).toEqual(['poison-h1-0']);
    const items = await repairs();
    expect(items).toEqual([
      expect.objectContaining({
        aggregate: 'section',
        key: 'poison.main',
        version: 2,
        attempts: 1,
        heldBack: 1,
        sqlstate: expect.stringMatching(/^22/),
        error: expect.stringContaining('SQLSTATE 22'),
      }),
    ]);
    expect(items[0].change.events[0].hold.customerId).toBe('bad\u0000customer');
    const metrics = (await http('GET', `${f.writer.url}/metrics`)).body as string;
    await waitFor(
      async () => (await scrapeSum(f.writer.url, 'spacegrid_writer_repairs')) === 1,
      5_000,
      'the repairs gauge',
    );
    expect(metrics).toMatch(/spacegrid_writer_held_back_changes/);
  });

  it('keeps holding back later changes of that key while other keys flow', async () => {
    const v4 = sectionChange('poison', 4, ['ok-4']);
    const other = sectionChange('other', 1, ['x']);
    await send([v4, other]);
    await jobsDone([v4, other]);
    expect(await holdIds('other')).toEqual(['other-h1-0']);
    expect(await sectionRow('poison')).toEqual({ held: 10, version: '1' });
    expect((await repairs())[0].heldBack).toBe(2);
  });

  it('is durable: a new writer and an emptied Redis still see the item and what waits behind it', async () => {
    await f.writer.close();
    await f.queue.obliterate({ force: true });
    await f.startWriter();
    const items = await repairs();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ key: 'poison.main', version: 2, heldBack: 2 });
  });

  it('refuses repair calls without the token, unknown items, and a discard without confirmation', async () => {
    const id = (await repairs())[0].id as string;
    expect((await http('GET', `${f.writer.url}/admin/repairs`)).status).toBe(401);
    expect((await http('POST', `${f.writer.url}/admin/repairs/${id}/retry`, {})).status).toBe(401);
    const missing = await http('POST', `${f.writer.url}/admin/repairs/999999/retry`, {}, auth);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('REPAIR_NOT_FOUND');
    for (const body of [{}, { confirm: false }, { confirm: 'yes' }]) {
      const refused = await http('POST', `${f.writer.url}/admin/repairs/${id}/discard`, body, auth);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error.code).toBe('VALIDATION_FAILED');
    }
    const wrongKey = { ...(await repairs())[0].change, key: 'someone.else' };
    const moved = await http('POST', `${f.writer.url}/admin/repairs/${id}/retry`, { change: wrongKey }, auth);
    expect(moved.status).toBe(400);
    const notAChange = await http(
      'POST',
      `${f.writer.url}/admin/repairs/${id}/retry`,
      { change: { x: 1 } },
      auth,
    );
    expect(notAChange.status).toBe(400);
    expect(await repairs()).toHaveLength(1);
  });

  it('retried as it is, it fails again and counts the attempt; corrected, it and every held-back change land in order', async () => {
    const [item] = await repairs();
    const again = await http('POST', `${f.writer.url}/admin/repairs/${item.id}/retry`, undefined, auth);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ status: 'failed', written: 0 });
    expect((await repairs())[0].attempts).toBe(2);

    const corrected = structuredClone(item.change);
    corrected.events[0].hold.customerId = 'bad-customer';
    const fixed = await http(
      'POST',
      `${f.writer.url}/admin/repairs/${item.id}/retry`,
      { change: corrected },
      auth,
    );
    expect(fixed.status).toBe(202);
    expect(fixed.body).toEqual({ status: 'resolved', written: 3 });
    expect(await repairs()).toEqual([]);
    expect(await sectionRow('poison')).toEqual({ held: 40, version: '4' });
    expect(await holdIds('poison')).toEqual(['poison-h1-0', 'poison-h2-0', 'poison-h3-0', 'poison-h4-0']);
    const customer = await f.db.query("SELECT customer_id FROM holds WHERE hold_id = 'poison-h2-0'");
    expect(customer.rows[0].customer_id).toBe('bad-customer');
    // Changes of the key flow straight through again.
    const v5 = sectionChange('poison', 5, ['ok-5']);
    await send([v5]);
    await jobsDone([v5]);
    expect(await sectionRow('poison')).toEqual({ held: 50, version: '5' });
  });

  it('discarded (with confirmation), the bad change is dropped and the ones behind it are written', async () => {
    const v1 = sectionChange('dropped', 1, ['bad\u0000']);
    const v2 = sectionChange('dropped', 2, ['fine']);
    await send([v1, v2]);
    await jobsDone([v1, v2]);
    const [item] = await repairs();
    expect(item).toMatchObject({ key: 'dropped.main', version: 1, heldBack: 1 });
    const discarded = await http(
      'POST',
      `${f.writer.url}/admin/repairs/${item.id}/discard`,
      { confirm: true },
      auth,
    );
    expect(discarded.status).toBe(204);
    expect(await repairs()).toEqual([]);
    expect(await holdIds('dropped')).toEqual(['dropped-h2-0']);
    expect(await sectionRow('dropped')).toEqual({ held: 20, version: '2' });
  });

  it('an older change that fails after a newer one of its key is in repair takes its place, never dropped', async () => {
    // Jobs may complete out of order (a retry in backoff, a resend after Redis restarted empty).
    const v2 = sectionChange('late', 2, ['bad\u0000two']);
    await send([v2]);
    await jobsDone([v2]);
    const v1 = sectionChange('late', 1, ['ok-1', 'bad\u0000one']);
    await send([v1]);
    await jobsDone([v1]);
    // v1 is the key's repair now (it comes first), v2 waits behind it; both are kept, none lost.
    const [item] = (await repairs()).filter((i) => i.key === 'late.main');
    expect(item).toMatchObject({ version: 1, attempts: 1, heldBack: 1 });
    expect(item.change.events.map((e: any) => e.hold.customerId)).toEqual(['ok-1', 'bad\u0000one']);

    // Corrected, v1 lands; v2 behind it is tried in turn, fails, and becomes the repair.
    const corrected = sectionChange('late', 1, ['ok-1', 'fixed-one']);
    const retried = await http(
      'POST',
      `${f.writer.url}/admin/repairs/${item.id}/retry`,
      { change: corrected },
      auth,
    );
    expect(retried.body).toMatchObject({ status: 'failed', written: 1 });
    expect(await holdIds('late')).toEqual(['late-h1-0', 'late-h1-1']);
    const [next] = (await repairs()).filter((i) => i.key === 'late.main');
    expect(next).toMatchObject({ version: 2, heldBack: 0 });
  });
});

/**
 * A write that hangs (here: a table locked by someone else) is cancelled by the statement timeout,
 * counted as transient (never as the change's fault), retried, and the writer says it is not ready
 * meanwhile; once the lock goes, everything is written.
 */
describe('a write that hangs', () => {
  const f = writerFixture('hang', 500);

  it('is cancelled, retried, not held against the change, and written once the database lets it', async () => {
    const locker = await f.db.connect();
    const record = sectionChange('locked', 1, ['c1']);
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE holds IN ACCESS EXCLUSIVE MODE');
      await f.queue.add(CHANGE_JOB_NAME, record, { ...CHANGE_JOB_OPTIONS, jobId: changeJobId(record) });
      await waitFor(
        async () => {
          const ready = await http('GET', `${f.writer.url}/readyz`);
          return (
            ready.status === 503 &&
            /canceling statement due to statement timeout/.test(ready.body.error.message)
          );
        },
        10_000,
        'the writer to say why it is not ready',
      );
      expect(await f.queue.getJobState(changeJobId(record))).not.toBe('completed');
      expect((await http('GET', `${f.writer.url}/admin/repairs`, undefined, auth)).body.items).toEqual([]);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    await waitFor(
      async () => (await f.queue.getJobState(changeJobId(record))) === 'completed',
      20_000,
      'the write',
    );
    expect(
      (await f.db.query("SELECT count(*)::int AS n FROM holds WHERE event_id = 'locked'")).rows[0].n,
    ).toBe(1);
    await waitFor(
      async () => (await http('GET', `${f.writer.url}/readyz`)).status === 200,
      5_000,
      'ready again',
    );
    expect((await http('GET', `${f.writer.url}/admin/repairs`, undefined, auth)).body.items).toEqual([]);
  });
});
