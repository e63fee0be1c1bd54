import { describe, expect, it } from 'vitest';
import { isStreamRequest, routingKey } from './routing-key.js';

describe('routingKey', () => {
  it('gives every request about one section the same key', () => {
    const paths = [
      '/events/final-2026/sections/north',
      '/events/final-2026/sections/north/holds',
      '/events/final-2026/sections/north/holds/h-1',
      '/events/final-2026/sections/north/holds/h-1/purchase',
      '/events/final-2026/sections/north/holds?x=1',
      '/events/final-2026/sections/north?verbose=true',
      '/events/final-2026/sections/north/',
    ];
    for (const path of paths) expect(routingKey(path), path).toBe('section:final-2026.north');
  });

  it('keeps sections of one event apart', () => {
    expect(routingKey('/events/e/sections/a/holds')).toBe('section:e.a');
    expect(routingKey('/events/e/sections/b/holds')).toBe('section:e.b');
  });

  it('routes an event by its id', () => {
    expect(routingKey('/events/final-2026')).toBe('event:final-2026');
    expect(routingKey('/events/final-2026/')).toBe('event:final-2026');
    expect(routingKey('/events/final-2026?x=/sections/a')).toBe('event:final-2026');
    expect(routingKey('/events/final-2026/sections')).toBe('event:final-2026');
    expect(routingKey('/events/final-2026/sections/')).toBe('event:final-2026');
  });

  it('routes an auction and everything below it by the auction id', () => {
    expect(routingKey('/auctions/lot-7')).toBe('auction:lot-7');
    expect(routingKey('/auctions/lot-7/bids')).toBe('auction:lot-7');
    expect(routingKey('/auctions/lot-7/bids?limit=50')).toBe('auction:lot-7');
  });

  it('routes a basket and everything below it by the basket id', () => {
    expect(routingKey('/baskets/bkt-1')).toBe('basket:bkt-1');
    expect(routingKey('/baskets/bkt-1/purchase')).toBe('basket:bkt-1');
    expect(routingKey('/baskets/bkt-1?x=1')).toBe('basket:bkt-1');
    expect(routingKey('/baskets/bkt%2D1/purchase')).toBe('basket:bkt-1');
  });

  it('keeps events and auctions with the same id apart', () => {
    expect(routingKey('/events/x')).not.toBe(routingKey('/auctions/x'));
  });

  it('decodes percent-encoded ids the way the unit router does', () => {
    expect(routingKey('/events/a%2Db/sections/n%5F1/holds')).toBe('section:a-b.n_1');
    expect(routingKey('/auctions/lot%2D7')).toBe('auction:lot-7');
    expect(routingKey('/auctions/bad%zz')).toBe('auction:bad%zz');
  });

  it('has no key for creations and unknown paths', () => {
    for (const path of [
      '/events',
      '/events/',
      '/events?x=1',
      '/events//sections/a',
      '/auctions',
      '/auctions/',
      '/auctions?x=/auctions/a',
      '/baskets',
      '/baskets/',
      '/baskets?x=/baskets/a',
      '/basketsx/a',
      '/',
      '/healthz',
      '/eventsx/a',
      '/auctionsx/a',
      '/other/events/a',
    ]) {
      expect(routingKey(path), path).toBeNull();
    }
  });
});

describe('isStreamRequest', () => {
  it('knows a stream by its path as the units’ router decodes it', () => {
    for (const url of [
      '/auctions/a1/stream',
      '/events/e1/stream?x=1',
      '/events/e1/%73tream',
      '/%61uctions/a1/stream',
      '/events/e%2D1/stream',
      '/events/e1/stream#frag',
    ])
      expect([url, isStreamRequest('GET', url)]).toEqual([url, true]);
    for (const url of [
      '/auctions/a1/streams',
      '/auctions/a1/stream/x',
      '/auctions/stream',
      '/events/e1/bids/stream',
      '/events/e1/%E0%A4%A/stream', // malformed: the router refuses it
      '/other/e1/stream',
    ])
      expect([url, isStreamRequest('GET', url)]).toEqual([url, false]);
    expect(isStreamRequest('HEAD', '/auctions/a1/stream')).toBe(false);
    expect(isStreamRequest('POST', '/auctions/a1/stream')).toBe(false);
  });
});
