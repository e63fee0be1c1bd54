import { LifecycleState } from 'hazelcast-client';
import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from './errors.js';
import { GridLink, openGridLink } from './grid-client.js';
import { silentLogger } from './logger.js';

describe('openGridLink', () => {
  it('fails fast, saying where it looked, when no member answers the first connection', async () => {
    const started = Date.now();
    const failure = await openGridLink({
      members: ['127.0.0.1:1'],
      clusterName: 'nowhere',
      connectTimeoutMs: 1_000,
      log: silentLogger,
    }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ServiceUnavailableError);
    expect((failure as ServiceUnavailableError).message).toMatch(
      /^Hazelcast is unreachable at 127\.0\.0\.1:1 \(cluster "nowhere"\)/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('GridLink', () => {
  it('follows the client through an outage: down with a reason and a time, then up again', () => {
    const link = new GridLink(silentLogger);
    const changes: boolean[] = [];
    link.onChange(() => changes.push(link.connected));
    expect(link.reason).toBe('connecting to the grid');

    link.lifecycle(LifecycleState.STARTING);
    link.lifecycle(LifecycleState.CONNECTED);
    expect(link.connected).toBe(true);
    expect(link.reason).toBeUndefined();
    expect(link.connections).toBe(1);

    link.lifecycle(LifecycleState.DISCONNECTED);
    expect(link.connected).toBe(false);
    const since = /reconnecting since (\S+)$/.exec(link.reason ?? '')?.[1];
    expect(link.reason).toMatch(/^the grid is unreachable: reconnecting since /);
    expect(Math.abs(Date.parse(since ?? '') - Date.now())).toBeLessThan(1_000);

    link.lifecycle(LifecycleState.CONNECTED);
    expect(link.connected).toBe(true);
    expect(link.connections).toBe(2);
    expect(changes).toEqual([true, false, true]);
  });

  it('says the process must restart when the client shut down by itself', () => {
    const link = new GridLink(silentLogger);
    link.lifecycle(LifecycleState.CONNECTED);
    link.lifecycle(LifecycleState.SHUTTING_DOWN);
    link.lifecycle(LifecycleState.DISCONNECTED);
    link.lifecycle(LifecycleState.SHUTDOWN);
    expect(link.connected).toBe(false);
    expect(link.reason).toMatch(/will not reconnect: restart this process$/);
  });
});
