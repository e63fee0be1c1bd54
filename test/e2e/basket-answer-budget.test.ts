import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectGrid, type HazelcastClient } from '../../common/grid-client.js';
import { silentLogger } from '../../common/logger.js';
import { gridNames, sectionKey } from '../../common/map-names.js';
import { rank, route } from '../../common/rendezvous.js';
import { http } from '../support/http.js';
import { scrapeSamples } from '../support/metrics.js';
import { startSystem, waitFor, type TestSystem } from '../support/system.js';

/**
 * A basket whose own placing stalls (the unit that owns a section accepts the call and never
 * answers) is answered within the request's budget: 504 BASKET_PENDING with the basket's id, while
 * the coordinator goes on under its lease. Before, the request waited for the placing itself and
 * the client got the messaging grid's 504 UNIT_TIMEOUT, without the id, or waited for the whole
 * call timeout.
 */
describe('a basket whose placing stalls', () => {
  let system: TestSystem;
  let client: HazelcastClient;
  let silent: Server;
  const sockets = new Set<Socket>();
  let beating: NodeJS.Timeout | undefined;
  const silentId = 'unit-that-never-answers';
  let silentUrl = '';

  beforeAll(async () => {
    // Far longer than the ~9 s a request waits: the stalled call outlives the answer.
    system = await startSystem({ units: 2, baskets: { callTimeoutMs: 45_000 } });
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    client = await connectGrid({
      members: system.hzMembers,
      clusterName: system.hzClusterName,
      log: silentLogger,
    });
    // It joins the live units as any unit does: an entry with a time to live, kept alive.
    const units = await client.getMap<string, string>(gridNames(system.namespace).units);
    const beat = () => units.set(silentId, silentUrl, 5_000).catch(() => undefined);
    await beat();
    beating = setInterval(() => void beat(), 1_000);
  });
  afterAll(async () => {
    clearInterval(beating);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
    await client?.shutdown();
    await system?.close();
  });

  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    http(method, `${system.gridUrl}${path}`, body, headers);

  it('is answered 504 BASKET_PENDING with its id within the budget, and the basket exists', async () => {
    const live = [...system.unitUrls, silentUrl].sort();
    // A section the silent unit owns, as every unit's table ranks it once the heartbeats met.
    const sectionId = Array.from({ length: 200 }, (_, i) => `s${i}`).find(
      (id) => rank(route.section(sectionKey('stall', id)), live)[0] === silentUrl,
    )!;
    expect(sectionId).toBeDefined();
    const created = await api('POST', '/events', {
      id: 'stall',
      name: 'stall',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: sectionId, capacity: 10 }],
    });
    expect(created.status).toBe(201);
    // Units re-read the live set at every heartbeat (1 s): wait until both real ones count three.
    await waitFor(
      async () => {
        const counts = await Promise.all(
          system.unitUrls.map(async (url) => (await scrapeSamples(url, 'spacegrid_live_units'))[0]?.value),
        );
        return counts.every((count) => count === 3);
      },
      30_000,
      'both units see the silent unit among the live ones (spacegrid_live_units 3)',
    );

    const answer = await api(
      'POST',
      '/baskets',
      { customerId: 'c-stall', items: [{ eventId: 'stall', sectionId, quantity: 1 }] },
      { 'idempotency-key': 'stalled-basket' },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(504);
    expect(answer.body.error.code).toBe('BASKET_PENDING');
    const basketId = answer.body.error.details?.basketId as string;
    expect(basketId).toMatch(/^bkt/);
    // The basket is real and still being worked on: looking at it says so, not 404.
    const looked = await api('GET', `/baskets/${basketId}`);
    expect([504, 200]).toContain(looked.status);
    if (looked.status === 504) expect(looked.body.error.code).toBe('BASKET_PENDING');
  });
});
