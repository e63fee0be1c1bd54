import { describe, expect, it } from 'vitest';
import { ClientWindow } from './client-window.js';

describe('ClientWindow', () => {
  it('counts the answers, granted holds and errors of a window, with its p99, then starts afresh', () => {
    const window = new ClientWindow();
    for (let i = 1; i <= 100; i += 1) window.record('hold', { type: 'ok' }, i);
    window.record('hold', { type: 'rejected', code: 'NOT_ENOUGH_SEATS' }, 1);
    window.record('purchase', { type: 'ok' }, 1);
    window.record('purchase', { type: 'error', category: 'timeout' }, 1);
    expect(window.take()).toEqual({
      requests: 103,
      holdsGranted: 100,
      errors: 1,
      p99Ms: expect.closeTo(99, 0),
    });
    expect(window.take()).toEqual({ requests: 0, holdsGranted: 0, errors: 0, p99Ms: 0 });
  });
});
