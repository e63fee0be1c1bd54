/* eslint-disable @typescript-eslint/no-explicit-any -- the engine's type parameters are the section's, not this test's business */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryLaterError } from '../../common/errors.js';
import { connectGrid, type HazelcastClient } from '../../common/grid-client.js';
import { openGridMaps } from '../../common/grid-maps.js';
import { silentLogger } from '../../common/logger.js';
import { gridNames, holdKey } from '../../common/map-names.js';
import { ReaderArchive } from '../../processing-unit/archive-client.js';
import type { SectionCommand } from '../../processing-unit/ticketing/section-commands.js';
import { TicketingService } from '../../processing-unit/ticketing/ticketing-service.js';
import { BatchEngine } from '../../processing-unit/write-path/batch-engine.js';
import { http } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

/**
 * A purchase or release is decided by the compare-and-set on the hold's entry; settling it with the
 * section comes after. When that second step fails (the section's queue full, contention, the grid
 * slow), the decision stands and the pending-settlements sweeper finishes it: the client must be
 * told what happened (201, 204), not 429 "nothing done" for an order that exists.
 */
describe('a purchase whose settlement fails', () => {
  let system: TestSystem;
  let client: HazelcastClient;
  beforeAll(async () => {
    system = await startSystem({ units: 1 });
    client = await connectGrid({
      members: system.hzMembers,
      clusterName: system.hzClusterName,
      log: silentLogger,
    });
    const created = await http('POST', `${system.gridUrl}/events`, {
      id: 'settle-later',
      name: 'Settle later',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: 'ga', capacity: 10 }],
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await client?.shutdown();
    await system?.close();
  });

  it('is answered as done, and the sweeper settles it', async () => {
    const maps = await openGridMaps(client, gridNames(system.namespace));
    // The section's real engine, but its next settle is shed, as a full per-key queue sheds it.
    let shed = 0;
    class ShedNextSettle extends BatchEngine<any, SectionCommand, any, any, any> {
      override submit(key: string, spec: any, command: SectionCommand): Promise<any> {
        if (command.type === 'settle' && shed === 0) {
          shed += 1;
          return Promise.reject(new RetryLaterError('OVERLOADED', `too many requests waiting on ${key}`, 1));
        }
        return super.submit(key, spec, command);
      }
    }
    const engine = new ShedNextSettle(maps.sections, { log: silentLogger });
    const service = new TicketingService(maps, engine, new ReaderArchive(system.reader.url));

    const hold = await service.placeHold('settle-later', 'ga', { customerId: 'c-1', quantity: 2 });
    const bought = await service.purchase('settle-later', 'ga', hold.holdId);
    expect(shed).toBe(1);
    expect(bought).toMatchObject({ firstTime: true, order: { holdId: hold.holdId, status: 'CONFIRMED' } });

    // Decided: the hold is PURCHASED; the section learns it from the sweeper's settle.
    const entry = await maps.holds.get(holdKey('settle-later', 'ga', hold.holdId));
    expect(entry?.value).toMatchObject({ status: 'PURCHASED', orderId: bought.order.orderId });
    await service.settlePending(holdKey('settle-later', 'ga', hold.holdId));
    await engine.idle();
    const section = await http('GET', `${system.gridUrl}/events/settle-later/sections/ga`);
    expect(section.body).toMatchObject({ held: 0, sold: 2, available: 8 });
    // A repeat answers the same order.
    const again = await http(
      'POST',
      `${system.gridUrl}/events/settle-later/sections/ga/holds/${hold.holdId}/purchase`,
      {},
    );
    expect([again.status, again.body.orderId]).toEqual([200, bought.order.orderId]);
  });
});
