import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

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
