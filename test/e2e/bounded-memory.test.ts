import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectGrid, type HazelcastClient } from '../../common/grid-client.js';
import { openGridMaps } from '../../common/grid-maps.js';
import { silentLogger } from '../../common/logger.js';
import { gridNames } from '../../common/map-names.js';
import { loadHolds } from '../../data-reader/load-ticketing.js';
import { Progress } from '../../data-reader/progress.js';
import { http } from '../support/http.js';
import { startSystem, uniqueName, waitFor, type TestSystem } from '../support/system.js';

const HOLDS = 90;

/**
 * A long sale must not fill the members. Closed holds leave the grid a retention after their
 * closing reached Postgres, idempotency records after theirs; what left is still answered, from
 * Postgres through the data reader; and a warm-up brings back only live holds.
 */
describe('bounded memory: closed holds and idempotency records leave the grid', () => {
  let system: TestSystem;
  let client: HazelcastClient;

  beforeAll(async () => {
    system = await startSystem({ units: 2, closedHoldRetentionMs: 1_000, idempotencyTtlSeconds: 3 });
    client = await connectGrid({
      members: system.hzMembers,
      clusterName: system.hzClusterName,
      log: silentLogger,
    });
  });
  afterAll(async () => {
    await client?.shutdown();
    await system?.close();
  });

  it(
    'lets closed holds go, keeps live ones, and still answers for the ones that left',
    { timeout: 120_000 },
    async () => {
      const grid = system.gridUrl;
      const maps = await openGridMaps(client, gridNames(system.namespace));
      expect(
        (
          await http('POST', `${grid}/events`, {
            id: 'long-sale',
            name: 'A long sale',
            startsAt: '2026-12-20T18:00:00Z',
            holdTtlSeconds: 10,
            sections: [{ id: 'ga', capacity: 1000 }],
          })
        ).status,
      ).toBe(201);
      // Thirty bought, thirty released, thirty left to expire (10 s); the last placed are those.
      const purchased: string[] = [];
      const released: string[] = [];
      const expiring: string[] = [];
      const orders = new Map<string, string>();
      for (let i = 0; i < HOLDS; i += 1) {
        const placed = await http(
          'POST',
          `${grid}/events/long-sale/sections/ga/holds`,
          { customerId: `c${i}`, quantity: 2 },
          { 'idempotency-key': `long-sale-${i}` },
        );
        expect(placed.status).toBe(201);
        const id: string = placed.body.holdId;
        if (i < 30) {
          const bought = await http('POST', `${grid}/events/long-sale/sections/ga/holds/${id}/purchase`);
          expect(bought.status).toBe(201);
          orders.set(id, bought.body.orderId);
          purchased.push(id);
        } else if (i < 60) {
          expect((await http('DELETE', `${grid}/events/long-sale/sections/ga/holds/${id}`)).status).toBe(204);
          released.push(id);
        } else {
          expiring.push(id);
        }
      }
      // The live holds are entries, and keyed requests left records.
      expect(await maps.holds.map.size()).toBeGreaterThanOrEqual(expiring.length);
      expect(await maps.idempotency.map.size()).toBeGreaterThan(0);

      // The rest expire (10 s); once each closing is in Postgres, the entries go a second later.
      await waitFor(async () => (await maps.holds.map.size()) === 0, 60_000, 'the holds map to empty', 200);
      await waitFor(
        async () => (await maps.idempotency.map.size()) === 0,
        30_000,
        'idempotency records to expire',
      );

      // Old holds are still answered, as they ended: from Postgres.
      const bought = await http('GET', `${grid}/events/long-sale/sections/ga/holds/${purchased[0]}`);
      expect(bought.status).toBe(200);
      expect(bought.body).toMatchObject({ holdId: purchased[0], status: 'PURCHASED', quantity: 2 });
      expect(
        (await http('GET', `${grid}/events/long-sale/sections/ga/holds/${released[0]}`)).body.status,
      ).toBe('RELEASED');
      expect(
        (await http('GET', `${grid}/events/long-sale/sections/ga/holds/${expiring[0]}`)).body.status,
      ).toBe('EXPIRED');
      // ... and act as they did: a repeated purchase returns the same order, an expired hold stays expired.
      const again = await http('POST', `${grid}/events/long-sale/sections/ga/holds/${purchased[1]}/purchase`);
      expect(again.status).toBe(200);
      expect(again.body.orderId).toBe(orders.get(purchased[1]!));
      const late = await http('POST', `${grid}/events/long-sale/sections/ga/holds/${expiring[1]}/purchase`);
      expect(late.status).toBe(410);
      expect(late.body.error.code).toBe('HOLD_EXPIRED');
      expect((await http('DELETE', `${grid}/events/long-sale/sections/ga/holds/${released[1]}`)).status).toBe(
        204,
      );
      const bogus = await http('GET', `${grid}/events/long-sale/sections/ga/holds/hold-never-placed`);
      expect(bogus.status).toBe(404);
      expect(bogus.body.error.code).toBe('HOLD_NOT_FOUND');
      // Nothing of it came back into the grid, and the section counts what was sold, nothing held.
      expect(await maps.holds.map.size()).toBe(0);
      const section = await http('GET', `${grid}/events/long-sale/sections/ga`);
      expect(section.body).toMatchObject({ capacity: 1000, held: 0, sold: 60 });

      // A warm-up brings back live holds only: three live ones among the closed ninety.
      const live: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        const placed = await http('POST', `${grid}/events/long-sale/sections/ga/holds`, {
          customerId: `live${i}`,
          quantity: 1,
        });
        live.push(placed.body.holdId);
      }
      await system.drained();
      await waitFor(
        async () => (await system.db.query("SELECT 1 FROM holds WHERE status = 'HELD'")).rowCount === 3,
        30_000,
        'the live holds in Postgres',
      );
      const fresh = await openGridMaps(client, gridNames(uniqueName('warm')));
      await loadHolds(system.db, fresh, new Progress(silentLogger));
      const warmed = [...(await fresh.holds.map.keySet())].length;
      expect(warmed).toBe(3);
      await Promise.all(
        [fresh.events, fresh.sections, fresh.holds, fresh.auctions].map((m) => m.map.destroy()),
      );
    },
  );
});
