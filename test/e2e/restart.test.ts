import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureHazelcastJar } from '../../deploy-manager/hazelcast/hazelcast-jar.js';
import { startCluster, type ClusterHandle } from '../../deploy-manager/hazelcast/member-process.js';
import { http } from '../support/http.js';
import { startSystem, testLogger, uniqueName, type TestSystem } from '../support/system.js';

/**
 * Stop everything, the Hazelcast members included, and start again: the data reader must bring
 * back from Postgres exactly what the grid held — events, sections and their counts, active holds
 * (with their seats), closed holds, auctions and their bids.
 */
describe('a full restart', () => {
  let cluster: ClusterHandle | undefined;
  let system: TestSystem | undefined;
  let logDir = '';
  afterAll(async () => {
    await system?.close();
    await cluster?.stop();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  });

  const startGrid = async () => {
    const log = testLogger();
    const jarPath = await ensureHazelcastJar({ cacheDir: resolve('.cache/hazelcast'), log });
    return startCluster({
      jarPath,
      clusterName: uniqueName('restart-'),
      basePort: 5851,
      findFreePorts: true,
      count: 2,
      heapMb: 256,
      logDir,
      log,
    });
  };

  // Two clusters and two systems start inside this test: more than the default minute on a busy machine.
  it('brings back sections, holds, counts and auctions exactly', { timeout: 300_000 }, async () => {
    logDir = await mkdtemp(join(tmpdir(), 'spacegrid-restart-'));
    cluster = await startGrid();
    system = await startSystem({
      units: 1,
      hzMembers: cluster.addresses,
      hzClusterName: cluster.clusterName,
    });
    const namespace = system.namespace;
    const base = system.unitUrls[0]!;
    expect(
      (
        await http('POST', `${base}/events`, {
          id: 'again',
          name: 'Again',
          startsAt: '2026-12-20T18:00:00Z',
          holdTtlSeconds: 3600,
          sections: [
            { id: 'ga', capacity: 100 },
            { id: 'seats', seats: ['A-1', 'A-2', 'A-3', 'A-4'] },
          ],
        })
      ).status,
    ).toBe(201);
    const holds = [];
    for (let i = 0; i < 5; i += 1) {
      holds.push(
        (await http('POST', `${base}/events/again/sections/ga/holds`, { customerId: `c${i}`, quantity: 2 }))
          .body,
      );
    }
    const seatHold = (
      await http('POST', `${base}/events/again/sections/seats/holds`, {
        customerId: 's',
        seats: ['A-2', 'A-3'],
      })
    ).body;
    const soldSeat = (
      await http('POST', `${base}/events/again/sections/seats/holds`, { customerId: 't', seats: ['A-4'] })
    ).body;
    expect(
      (await http('POST', `${base}/events/again/sections/ga/holds/${holds[0].holdId}/purchase`, {})).status,
    ).toBe(201);
    expect(
      (await http('POST', `${base}/events/again/sections/seats/holds/${soldSeat.holdId}/purchase`, {}))
        .status,
    ).toBe(201);
    expect((await http('DELETE', `${base}/events/again/sections/ga/holds/${holds[1].holdId}`)).status).toBe(
      204,
    );
    const auction = await http('POST', `${base}/auctions`, {
      id: 'lot-1',
      title: 'Lot',
      startingPrice: 1000,
      minIncrement: 100,
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(auction.status).toBe(201);
    for (const amount of [1000, 1200, 1500]) {
      expect(
        (await http('POST', `${base}/auctions/lot-1/bids`, { bidderId: `b${amount}`, amount })).status,
      ).toBe(201);
    }

    const before = {
      event: (await http('GET', `${base}/events/again`)).body,
      seats: (await http('GET', `${base}/events/again/sections/seats`)).body,
      holds: await Promise.all(
        [...holds, seatHold, soldSeat].map(
          async (h) =>
            (await http('GET', `${base}/events/again/sections/${h.sectionId}/holds/${h.holdId}`)).body,
        ),
      ),
      auction: (await http('GET', `${base}/auctions/lot-1`)).body,
      bids: (await http('GET', `${base}/auctions/lot-1/bids`)).body,
    };

    // Everything stops: units, pump (flushing), writer (draining), reader, and every member.
    await system.close();
    system = undefined;
    await cluster.stop();
    cluster = await startGrid();
    system = await startSystem({
      units: 1,
      namespace,
      hzMembers: cluster.addresses,
      hzClusterName: cluster.clusterName,
    });
    const again = system.unitUrls[0]!;

    expect((await http('GET', `${again}/events/again`)).body).toEqual(before.event);
    expect((await http('GET', `${again}/events/again/sections/seats`)).body).toEqual(before.seats);
    const holdsAfter = await Promise.all(
      [...holds, seatHold, soldSeat].map(
        async (h) =>
          (await http('GET', `${again}/events/again/sections/${h.sectionId}/holds/${h.holdId}`)).body,
      ),
    );
    expect(holdsAfter).toEqual(before.holds);
    expect((await http('GET', `${again}/auctions/lot-1`)).body).toEqual(before.auction);
    expect((await http('GET', `${again}/auctions/lot-1/bids`)).body).toEqual(before.bids);
    // And the restored grid keeps working: the restored active holds still count.
    const rest = await http('POST', `${again}/events/again/sections/ga/holds`, {
      customerId: 'late',
      quantity: 10,
    });
    expect(rest.status).toBe(201);
    expect((await http('GET', `${again}/events/again/sections/ga`)).body).toMatchObject({
      held: 16,
      sold: 2,
      available: 82,
    });
  });
});
