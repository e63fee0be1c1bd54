/* eslint-disable @typescript-eslint/no-explicit-any -- stream messages are inspected loosely */
import { execFile } from 'node:child_process';
import { Agent, get, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGrid, type Grid } from '../../messaging-grid/build-grid.js';
import { http } from '../support/http.js';
import { scrapeSum } from '../support/metrics.js';
import { createNetLab, type NetLab } from '../support/network-namespaces.js';
import { startStalledReader } from '../support/stalled-reader.js';
import { startSystem, testLogger, waitFor, type TestSystem } from '../support/system.js';

interface SseMessage {
  id: string | undefined;
  event: string;
  data: any;
}

/** A Server-Sent Events client on a plain HTTP request: parses messages as they arrive. */
class SseClient {
  readonly messages: SseMessage[] = [];
  comments = 0;
  ended = false;
  private buffer = '';
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly request: ClientRequest,
    readonly response: IncomingMessage,
  ) {
    response.setEncoding('utf8');
    response.on('data', (text: string) => this.take(text));
    response.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const request = get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) =>
        resolve(new SseClient(request, response)),
      );
      request.on('error', reject);
    });
  }

  /** Resolves once `count` messages have arrived (fails if the stream ends first). */
  async atLeast(count: number): Promise<SseMessage[]> {
    while (this.messages.length < count) {
      if (this.ended) throw new Error(`stream ended after ${this.messages.length} of ${count} messages`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.messages;
  }

  /** The whole body of a non-stream answer. */
  async text(): Promise<string> {
    while (!this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.buffer;
  }

  close(): void {
    this.request.destroy();
  }

  private take(text: string): void {
    this.buffer += text;
    if (!this.response.headers['content-type']?.startsWith('text/event-stream')) return;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let id: string | undefined;
      let event = 'message';
      let data = '';
      let fields = 0;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments += 1;
          continue;
        }
        const colon = line.indexOf(':');
        const name = line.slice(0, colon);
        const value = line.slice(colon + 1).replace(/^ /, '');
        fields += 1;
        if (name === 'id') id = value;
        else if (name === 'event') event = value;
        else if (name === 'data') data += value;
      }
      if (fields > 0) this.messages.push({ id, event, data: JSON.parse(data) });
    }
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

describe('live streams through the messaging grid', () => {
  let system: TestSystem;
  let api: string;
  const open: SseClient[] = [];
  const watch = async (path: string, headers: Record<string, string> = {}): Promise<SseClient> => {
    const client = await SseClient.open(`${api}${path}`, headers);
    open.push(client);
    return client;
  };

  beforeAll(async () => {
    system = await startSystem({ units: 2 });
    api = system.gridUrl;
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await system?.close();
  });

  const createAuction = async (id: string): Promise<void> => {
    const created = await http('POST', `${api}/auctions`, {
      id,
      title: 'Signed ball',
      startingPrice: 1000,
      minIncrement: 100,
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(created.status).toBe(201);
  };
  const bid = async (auctionId: string, amount: number, bidderId = 'bidder'): Promise<void> => {
    const answer = await http('POST', `${api}/auctions/${auctionId}/bids`, { bidderId, amount });
    expect(answer.status).toBe(201);
  };

  it('a watcher sees every bid, in version order, with its amount', async () => {
    await createAuction('live-1');
    const watcher = await watch('/auctions/live-1/stream');
    expect(watcher.response.statusCode).toBe(200);
    expect(watcher.response.headers['content-type']).toMatch(/^text\/event-stream/);
    const [snapshot] = await watcher.atLeast(1);
    expect(snapshot).toMatchObject({ event: 'snapshot', data: { id: 'live-1', bidCount: 0 } });

    const amounts = [1000, 1100, 1250, 1400, 2000];
    for (const amount of amounts) await bid('live-1', amount);
    const messages = (await watcher.atLeast(1 + amounts.length)).slice(1);
    expect(messages.map((m) => m.event)).toEqual(amounts.map(() => 'bid'));
    expect(messages.map((m) => m.data.amount)).toEqual(amounts);
    const versions = messages.map((m) => Number(m.id));
    expect(versions[0]).toBe(Number(snapshot!.id) + 1);
    versions.forEach((v, i) => expect(v).toBe(versions[0]! + i));
  });

  it('a watcher that reconnects with Last-Event-ID gets what it missed: no gap, no duplicate', async () => {
    await createAuction('live-2');
    const first = await watch('/auctions/live-2/stream');
    await first.atLeast(1);
    await bid('live-2', 1000);
    await bid('live-2', 1100);
    const seen = await first.atLeast(3);
    const lastId = seen[2]!.id!;
    first.close();

    await bid('live-2', 1200);
    await bid('live-2', 1300);
    await bid('live-2', 1500);
    const again = await watch('/auctions/live-2/stream', { 'last-event-id': lastId });
    await bid('live-2', 1600);
    const resumed = await again.atLeast(4);
    expect(resumed.map((m) => [m.event, m.data.amount])).toEqual([
      ['bid', 1200],
      ['bid', 1300],
      ['bid', 1500],
      ['bid', 1600],
    ]);
    expect(resumed.map((m) => Number(m.id))).toEqual([1, 2, 3, 4].map((i) => Number(lastId) + i));

    // Up to date already: nothing is repeated, the next change comes.
    const current = await watch('/auctions/live-2/stream', { 'last-event-id': resumed[3]!.id! });
    await bid('live-2', 1700);
    const [next] = await current.atLeast(1);
    expect(next).toMatchObject({ event: 'bid', data: { amount: 1700 }, id: String(Number(lastId) + 5) });
  });

  it('a client from before what the unit remembers gets a snapshot first, never a silent gap', async () => {
    await createAuction('live-3');
    for (const amount of [1000, 1100, 1200]) await bid('live-3', amount);
    await system.drained();
    await bid('live-3', 1300);
    // Version 1 is the creation: whatever follows it is either all there or replaced by a snapshot.
    const late = await watch('/auctions/live-3/stream', { 'last-event-id': '1' });
    const [head] = await late.atLeast(1);
    if (head!.event === 'snapshot') {
      expect(head!.data).toMatchObject({ bidCount: 4, highestBid: { amount: 1300 } });
    } else {
      const replay = await late.atLeast(4);
      expect(replay.map((m) => m.data.amount)).toEqual([1000, 1100, 1200, 1300]);
    }
  });

  it('unknown auctions and events are 404 in the API error shape, before any stream', async () => {
    const auction = await http('GET', `${api}/auctions/nope-404/stream`);
    expect(auction.status).toBe(404);
    expect(auction.body.error.code).toBe('AUCTION_NOT_FOUND');
    const event = await http('GET', `${api}/events/nope-404/stream`);
    expect(event.status).toBe(404);
    expect(event.body.error.code).toBe('EVENT_NOT_FOUND');
  });

  it('HEAD on a stream answers its headers and ends: a keep-alive client reuses the connection', async () => {
    // Every GET answers HEAD. A HEAD answer has no body, so a keep-alive client may send its next
    // request on the same connection once the headers arrive: a stream left open behind them would
    // stall it. (The grid's client, undici, closes a connection after a HEAD, so through the grid
    // this only cost a feed and a watcher for as long as the connection took to close.)
    await createAuction('head-stream');
    const created = await http('POST', `${api}/events`, {
      id: 'head-stream',
      name: 'Heads',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: 'main', capacity: 10 }],
    });
    expect(created.status).toBe(201);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const call = (method: string, url: string): Promise<{ status: number; type?: string; socket: unknown }> =>
      new Promise((resolve, reject) => {
        const req = request(url, { method, agent }, (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ status: res.statusCode!, type: res.headers['content-type'], socket: req.socket }),
          );
        });
        req.on('error', reject);
        req.end();
      });
    try {
      for (const unit of system.unitUrls) {
        for (const path of ['/auctions/head-stream', '/events/head-stream']) {
          const head = await call('HEAD', `${unit}${path}/stream`);
          expect([head.status, head.type]).toEqual([200, 'text/event-stream; charset=utf-8']);
          const next = await call('GET', `${unit}${path}`);
          expect(next.status).toBe(200);
          expect(next.socket).toBe(head.socket);
        }
        expect((await call('HEAD', `${unit}/auctions/nope-404/stream`)).status).toBe(404);
        expect((await call('HEAD', `${unit}/events/nope-404/stream`)).status).toBe(404);
      }
    } finally {
      agent.destroy();
    }
  });

  it('an event stream shows holds, purchases and releases as availability', async () => {
    const created = await http('POST', `${api}/events`, {
      id: 'live-event',
      name: 'Cup final',
      startsAt: '2026-12-20T18:00:00Z',
      holdTtlSeconds: 600,
      maxSeatsPerHold: 10,
      sections: [
        { id: 'north', capacity: 100 },
        { id: 'vip', seats: ['A-1', 'A-2', 'A-3'] },
      ],
    });
    expect(created.status).toBe(201);
    const watcher = await watch('/events/live-event/stream');
    const [initial] = await watcher.atLeast(1);
    expect(initial!.event).toBe('availability');
    expect(initial!.data.sections).toEqual([
      { id: 'north', available: 100, held: 0, sold: 0 },
      { id: 'vip', available: 3, held: 0, sold: 0 },
    ]);

    const hold = await http('POST', `${api}/events/live-event/sections/north/holds`, {
      customerId: 'c-1',
      quantity: 4,
    });
    expect(hold.status).toBe(201);
    const seat = await http('POST', `${api}/events/live-event/sections/vip/holds`, {
      customerId: 'c-2',
      seats: ['A-2'],
    });
    expect(seat.status).toBe(201);
    const bought = await http(
      'POST',
      `${api}/events/live-event/sections/north/holds/${hold.body.holdId}/purchase`,
      {},
    );
    expect(bought.status).toBe(201);
    const final = [
      { id: 'north', available: 96, held: 0, sold: 4 },
      { id: 'vip', available: 2, held: 1, sold: 0 },
    ];
    // Messages are coalesced: wait for the one that shows everything.
    while (!watcher.messages.some((m) => JSON.stringify(m.data.sections) === JSON.stringify(final))) {
      await watcher.atLeast(watcher.messages.length + 1);
    }
    const last = watcher.messages[watcher.messages.length - 1]!;
    expect(last.data.sections).toEqual(final);
    expect(last.id).toMatch(/^north:\d+,vip:\d+$/);

    // Resuming with that id sends nothing until the next change; then the change.
    const resumed = await watch('/events/live-event/stream', { 'last-event-id': last.id! });
    expect(
      (await http('DELETE', `${api}/events/live-event/sections/vip/holds/${seat.body.holdId}`)).status,
    ).toBe(204);
    const [released] = await resumed.atLeast(1);
    expect(released!.data.sections).toEqual([final[0], { id: 'vip', available: 3, held: 0, sold: 0 }]);
  });
});

describe("open streams and the messaging grid's in-flight bound", () => {
  let system: TestSystem | undefined;
  const open: SseClient[] = [];
  beforeAll(async () => {
    system = await startSystem({ units: 1, gridMaxInFlight: 2 });
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await system?.close();
  });

  it('a stream, once open, does not hold one of the MAX_IN_FLIGHT request slots', async () => {
    const api = system!.gridUrl;
    const created = await http('POST', `${api}/auctions`, {
      id: 'slots',
      title: 'Slots',
      startingPrice: 1000,
      minIncrement: 100,
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(created.status).toBe(201);
    // Three watchers against a bound of two requests in flight: each is answered and stays open.
    for (let i = 0; i < 3; i += 1) {
      const watcher = await SseClient.open(`${api}/auctions/slots/stream`);
      open.push(watcher);
      expect(watcher.response.statusCode).toBe(200);
      await watcher.atLeast(1);
    }
    // And plain requests still get through.
    expect((await http('GET', `${api}/auctions/slots`)).status).toBe(200);
    expect((await http('POST', `${api}/auctions/slots/bids`, { bidderId: 'b', amount: 1000 })).status).toBe(
      201,
    );
  });
});

/**
 * A watcher that stops reading is cut off, and the writers never wait for it. On loopback the
 * kernel absorbs megabytes before the grid sees any backlog, so the slow watcher runs on a host of
 * its own (a network namespace) whose TCP receive buffer is 4 KiB: once it fills, the bytes pile
 * up in the messaging grid, which cuts the stream off past its bound (256 KiB).
 */
describe('a watcher that stops reading', () => {
  let system: TestSystem | undefined;
  let lab: NetLab | undefined;
  let grid: Grid | undefined;
  const open: SseClient[] = [];
  beforeAll(async () => {
    system = await startSystem({ units: 1 });
    lab = await createNetLab(1);
    await promisify(execFile)('ip', [
      'netns',
      'exec',
      lab.namespaces[0]!,
      'sysctl',
      '-q',
      '-w',
      'net.ipv4.tcp_rmem=4096 4096 4096',
    ]);
    // The system's grid listens on loopback, which the namespace cannot reach: the same grid
    // in front of the same unit, on this process's address on the lab's network.
    grid = buildGrid(
      {
        port: 0,
        host: lab.ownAddress,
        unitUrls: system.unitUrls,
        healthIntervalMs: 100,
        healthTimeoutMs: 2_000,
        maxInFlight: 50_000,
        requestTimeoutMs: 30_000,
        unitConnections: 16,
        adminPort: 0,
        adminHost: '127.0.0.1',
        adminToken: undefined,
      },
      testLogger(),
    );
    await grid.start();
    await waitFor(
      () =>
        fetch(`${grid!.url}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      10_000,
      'the lab grid ready',
    );
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await grid?.close();
    await system?.close();
    await lab?.destroy();
  });

  /** Auction streams open on the system's one unit (its `spacegrid_stream_watchers` gauge). */
  const watchersOnUnit = (): Promise<number> =>
    scrapeSum(system!.unitUrls[0]!, 'spacegrid_stream_watchers', { stream: 'auction' });

  it('is dropped while bids go on being accepted and a reading watcher gets every one', async () => {
    const api = grid!.url;
    // Long ids make every message ~330 bytes, so fewer bids fill the bound.
    const auctionId = `slow-${'a'.repeat(59)}`;
    const bidderId = 'b'.repeat(64);
    const created = await http('POST', `${api}/auctions`, {
      id: auctionId,
      title: 'Slow watcher',
      startingPrice: 1000,
      minIncrement: 100,
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(created.status).toBe(201);
    const { hostname, port } = new URL(api);
    const slow = await startStalledReader(lab!.namespaces[0]!, {
      host: hostname,
      port: Number(port),
      path: `/auctions/${auctionId}/stream`,
    });
    try {
      const reader = await SseClient.open(`${api}/auctions/${auctionId}/stream`);
      open.push(reader);
      const [snapshot] = await reader.atLeast(1);
      await waitFor(async () => (await watchersOnUnit()) === 2, 30_000, 'both watchers on the unit');

      // Bids one after another (each must be accepted) until the unit has only the reader left.
      let amount = 1000;
      let accepted = 0;
      const bid = async (): Promise<void> => {
        const answer = await http('POST', `${api}/auctions/${auctionId}/bids`, { bidderId, amount });
        expect(answer.status).toBe(201);
        accepted += 1;
        amount += 100;
      };
      while ((await watchersOnUnit()) > 1) {
        for (let i = 0; i < 50; i += 1) await bid();
        if (accepted > 20_000) throw new Error('the slow watcher was never dropped');
      }
      // Bidding goes on as before, the reader keeps up with every bid, in order.
      for (let i = 0; i < 20; i += 1) await bid();
      const seen = (await reader.atLeast(1 + accepted)).slice(1);
      expect(seen).toHaveLength(accepted);
      expect(seen.map((m) => m.data.amount)).toEqual(
        Array.from({ length: accepted }, (_, i) => 1000 + i * 100),
      );
      expect(seen.map((m) => Number(m.id))).toEqual(
        Array.from({ length: accepted }, (_, i) => Number(snapshot!.id) + 1 + i),
      );
      expect(reader.ended).toBe(false);

      // The slow watcher, reading at last, finds its stream ended short of the bids.
      const end = await slow.readToEnd(120_000);
      console.log(
        `slow watcher cut off after ${accepted - 20} bids: it got ${end.messages} messages (${end.bytes} bytes), then ${end.ending}`,
      );
      expect(end.messages).toBeLessThan(accepted);
    } finally {
      slow.kill();
    }
  }, 300_000);
});
