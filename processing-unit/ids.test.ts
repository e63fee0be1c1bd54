import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';
import { idempotentHoldId } from './ticketing/ticketing-service.js';

describe('newId', () => {
  it('makes ids within API.md, with the prefix, and no two alike across many refills of its pool', () => {
    const ids = Array.from({ length: 5000 }, () => newId('hold'));
    for (const id of ids) expect(id).toMatch(/^hold-[0-9a-z]+[0-9a-f]{16}$/);
    expect(ids.every((id) => id.length <= 64)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    // The random part differs even within one millisecond.
    expect(new Set(ids.map((id) => id.slice(-16))).size).toBe(ids.length);
  });
});

describe('idempotentHoldId', () => {
  it('is the same for every retry of a key in a section, and differs between sections and keys', () => {
    const id = idempotentHoldId('evt', 'north', 'order-17');
    expect(id).toMatch(/^hold-k[A-Za-z0-9_-]{32}$/);
    expect(idempotentHoldId('evt', 'north', 'order-17')).toBe(id);
    expect(idempotentHoldId('evt', 'south', 'order-17')).not.toBe(id);
    expect(idempotentHoldId('evt', 'north', 'order-18')).not.toBe(id);
    // The separator keeps (event, section) pairs apart.
    expect(idempotentHoldId('ev', 't\nnorth', 'order-17')).not.toBe(id);
  });
});
