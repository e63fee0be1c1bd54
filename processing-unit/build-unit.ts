import { Predicates } from 'hazelcast-client';
import type { AddressInfo } from 'node:net';
import { aggregateId, type AggregateType } from '../common/change-record.js';
import { RetryLaterError } from '../common/errors.js';
import { openGridLink, type GridLink } from '../common/grid-client.js';
import { openGridMaps } from '../common/grid-maps.js';
import { closeGracefully, createHttpServer } from '../common/http-server.js';
import type { Logger } from '../common/logger.js';
import { gridNames, holdPartitionKey } from '../common/map-names.js';
import { route } from '../common/rendezvous.js';
import { registerEventLoopUtilization } from '../common/event-loop-utilization.js';
import { createRegistry, registerOpsRoutes } from '../common/ops-routes.js';
import { ReaderArchive } from './archive-client.js';
import { DeadlineSweeper } from './deadline-sweeper.js';
import { GridReadiness } from './grid-readiness.js';
import { Idempotency } from './idempotency.js';
import { BasketCoordinator } from './baskets/basket-coordinator.js';
import { BasketLog } from './baskets/basket-log.js';
import { basketRecovery } from './baskets/basket-recovery.js';
import { registerBasketRoutes } from './baskets/basket-routes.js';
import { SectionCalls } from './baskets/section-calls.js';
import { registerBiddingRoutes } from './bidding/bidding-routes.js';
import { registerStreamRoutes } from './streams/stream-routes.js';
import { BiddingService, type AuctionEngine } from './bidding/bidding-service.js';
import { registerTicketingRoutes } from './ticketing/ticketing-routes.js';
import { TicketingService, type SectionEngine } from './ticketing/ticketing-service.js';
import { createUnitMetrics } from './unit-metrics.js';
import { UnitRegistry } from './unit-registry.js';
import type { UnitConfig } from './unit-config.js';
import { BatchEngine, type BatchEngineOptions } from './write-path/batch-engine.js';
import { PumpMarksView } from './write-path/pump-marks-view.js';

export interface Unit {
  start(): Promise<void>;
  close(): Promise<void>;
  /** `http://host:port`, known once started. */
  readonly url: string;
  readonly ready: boolean;
}

/**
 * A processing unit: stateless HTTP in front of the grid. Holds no state of its own beyond
 * caches of immutable catalog entries; every change goes through a per-key single writer.
 */
export function buildUnit(config: UnitConfig, rootLog: Logger): Unit {
  const log = rootLog.child({ part: 'processing-unit', unit: config.unitId });
  const names = gridNames(config.namespace);
  const registry = createRegistry('processing-unit');
  const app = createHttpServer({ log: log.child({ module: 'http' }) });
  let link: GridLink | undefined;
  let readiness: GridReadiness | undefined;
  let marks: PumpMarksView | undefined;
  let sweeper: DeadlineSweeper | undefined;
  let basketSweeper: DeadlineSweeper | undefined;
  let unitRegistry: UnitRegistry | undefined;
  const engines: Array<{ pending: number; idle(): Promise<void> }> = [];
  const pending = () => engines.reduce((n, e) => n + e.pending, 0);
  const metrics = createUnitMetrics(registry, pending, () => unitRegistry?.size ?? 0);
  const utilization = registerEventLoopUtilization(registry);
  let url = '';

  return {
    get url() {
      return url;
    },
    get ready() {
      return readiness?.current.ready ?? false;
    },

    async start() {
      link = await openGridLink({
        members: config.hzMembers,
        clusterName: config.hzClusterName,
        instanceName: config.unitId,
        log,
      });
      const maps = await openGridMaps(link.client, names);
      // Entry listeners survive a reconnection: the client registers them again on every new connection.
      marks = new PumpMarksView(maps.pumpMarks);
      await marks.start();
      readiness = new GridReadiness(maps.meta, link, log.child({ module: 'readiness' }));
      await readiness.start();

      const engineOptions = (module: string, aggregate: AggregateType): BatchEngineOptions => ({
        log: log.child({ module }),
        maxBatch: config.maxBatch,
        writeBehindBound: config.writeBehindBound,
        pumpedUpTo: (key) => marks?.get(aggregateId(aggregate, key)),
        onBatch: ({ map, size, attempts, ms }) => {
          metrics.batchSize.observe({ map }, size);
          metrics.batchSeconds.observe({ map }, ms / 1000);
          if (attempts > 1) metrics.casConflicts.inc({ map }, attempts - 1);
        },
      });
      const sectionEngine: SectionEngine = new BatchEngine(
        maps.sections,
        engineOptions('section-writer', 'section'),
      );
      engines.push(sectionEngine);
      const archive = new ReaderArchive(config.readerUrl);
      const ticketing = new TicketingService(
        maps,
        sectionEngine,
        archive,
        Date.now,
        log.child({ module: 'ticketing' }),
      );
      const auctionEngine: AuctionEngine = new BatchEngine(
        maps.auctions,
        engineOptions('auction-writer', 'auction'),
      );
      engines.push(auctionEngine);
      const bidding = new BiddingService(maps, auctionEngine, archive);
      const idempotency = new Idempotency(maps, { ttlSeconds: config.idempotencyTtlSeconds });

      registerOpsRoutes(app, registry, () => readiness!.current);
      app.addHook('onRequest', async (request) => {
        if (
          request.url.startsWith('/healthz') ||
          request.url.startsWith('/readyz') ||
          request.url.startsWith('/metrics')
        )
          return;
        const state = readiness!.current;
        if (!state.ready) throw new RetryLaterError('NOT_READY', state.reason ?? 'not ready', 1);
        if (pending() >= config.maxInFlight)
          throw new RetryLaterError('OVERLOADED', 'this unit is at capacity', 1);
      });
      app.addHook('onResponse', async (request, reply) => {
        const route = request.routeOptions.url ?? 'unknown';
        const labels = { method: request.method, route, status_code: reply.statusCode };
        metrics.requests.inc(labels);
        metrics.latency.observe(labels, reply.elapsedTime / 1000);
      });
      registerTicketingRoutes(app, ticketing, idempotency);
      registerBiddingRoutes(app, bidding, idempotency);
      const basketLog = new BasketLog(maps.baskets, config.baskets.retentionMs);
      const baskets = new BasketCoordinator({
        log: basketLog,
        calls: new SectionCalls({
          rank: (routingKey) => unitRegistry?.rank(routingKey) ?? [],
          timeoutMs: config.baskets.callTimeoutMs,
          log: log.child({ module: 'section-calls' }),
        }),
        unitId: config.unitId,
        settings: config.baskets,
        logger: log.child({ module: 'baskets' }),
        onSettled: (status) => metrics.baskets.inc({ outcome: status.toLowerCase() }),
      });
      registerBasketRoutes(app, baskets, idempotency);
      registerStreamRoutes(app, {
        auctions: maps.auctions,
        sections: maps.sections,
        requireAuction: (auctionId) => bidding.getAuction(auctionId),
        getEvent: (eventId) => ticketing.getEvent(eventId),
        log: log.child({ module: 'streams' }),
        onWatcher: (stream, change) => {
          if (change === 'joined') metrics.watchers.inc({ stream });
          else metrics.watchers.dec({ stream });
          if (change === 'dropped') metrics.watchersDropped.inc({ stream });
        },
      });

      // Holds expire and auctions close by themselves; closings whose unit died half-way get settled.
      // Only while this unit serves: an unreachable grid fails every query, and one still warming
      // from Postgres (after the members came back empty) is not yet the whole truth.
      const settleAfterMs = Math.max(2_000, config.sweepIntervalMs * 4);
      const whileReady =
        (due: (now: number) => Promise<string[]>) =>
        async (now: number): Promise<string[]> =>
          readiness!.current.ready ? due(now) : [];
      sweeper = new DeadlineSweeper(
        [
          {
            name: 'hold expiry',
            due: whileReady((now) => maps.holds.keysWhere(Predicates.lessEqual('deadline', now))),
            touch: (key) => ticketing.expire(key),
            route: (key) => route.section(holdPartitionKey(key)),
          },
          {
            name: 'pending settlements',
            due: whileReady((now) =>
              maps.holds.keysWhere(Predicates.lessEqual('pendingSince', now - settleAfterMs)),
            ),
            touch: (key) => ticketing.settlePending(key),
            route: (key) => route.section(holdPartitionKey(key)),
          },
          {
            name: 'auction close',
            due: whileReady((now) => maps.auctions.keysWhere(Predicates.lessEqual('nextDeadline', now))),
            touch: (auctionId) => bidding.touch(auctionId),
            route: (auctionId) => route.auction(auctionId),
          },
        ],
        log.child({ module: 'deadline-sweeper' }),
        {
          intervalMs: config.sweepIntervalMs,
          owns: (routingKey) => unitRegistry?.owns(routingKey) ?? true,
          onSwept: (work, keys) => metrics.swept.inc({ work }, keys),
        },
      );

      // Baskets whose coordinator stopped, or whose holds expire, are finished by the unit owning their id.
      basketSweeper = new DeadlineSweeper(
        [basketRecovery(basketLog, baskets, () => readiness!.current.ready)],
        log.child({ module: 'basket-recovery' }),
        {
          intervalMs: config.baskets.recoveryIntervalMs,
          owns: (routingKey) => unitRegistry?.owns(routingKey) ?? true,
          onSwept: (work, keys) => metrics.swept.inc({ work }, keys),
        },
      );

      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address() as AddressInfo;
      url = `http://${config.host}:${address.port}`;
      // Time-driven work is shared out by the grid's own routing, once this unit's URL is known.
      unitRegistry = new UnitRegistry(
        await link.client.getMap<string, string>(names.units),
        { id: config.unitId, url },
        log.child({ module: 'unit-registry' }),
      );
      await unitRegistry.start();
      sweeper.start();
      basketSweeper.start();
      log.info({ url }, 'unit listening');
    },

    async close() {
      // Stop accepting, let in-flight requests finish (their batches commit), then leave the grid.
      await closeGracefully(app);
      await sweeper?.stop();
      await basketSweeper?.stop();
      await unitRegistry?.close();
      await Promise.all(engines.map((e) => e.idle()));
      readiness?.stop();
      await marks?.close();
      await link?.close();
      utilization.stop();
      log.info('unit stopped');
    },
  };
}
