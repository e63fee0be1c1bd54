import { describe, expect, it } from 'vitest';
import { splitBrainProtection } from './member-jvm.js';

describe('splitBrainProtection: what member.yaml gets for a cluster of n members', () => {
  it('is off under 3 members, where no side of a split can be a majority', () => {
    expect(splitBrainProtection(1)).toEqual({ enabled: false, minimum: 2 });
    expect(splitBrainProtection(2)).toEqual({ enabled: false, minimum: 2 });
  });

  it('asks for a majority from 3 members on', () => {
    expect(splitBrainProtection(3)).toEqual({ enabled: true, minimum: 2 });
    expect(splitBrainProtection(4)).toEqual({ enabled: true, minimum: 3 });
    expect(splitBrainProtection(5)).toEqual({ enabled: true, minimum: 3 });
    expect(splitBrainProtection(9)).toEqual({ enabled: true, minimum: 5 });
  });

  it('takes an explicit minimum: 1 switches it off, 2 or more switches it on', () => {
    expect(splitBrainProtection(3, 1)).toEqual({ enabled: false, minimum: 2 });
    expect(splitBrainProtection(2, 2)).toEqual({ enabled: true, minimum: 2 });
    expect(splitBrainProtection(5, 4)).toEqual({ enabled: true, minimum: 4 });
  });

  it('refuses a minimum that no cluster of n members could meet, or that is not a count', () => {
    expect(() => splitBrainProtection(3, 4)).toThrow(/from 1 to 3/);
    expect(() => splitBrainProtection(3, 0)).toThrow(/from 1 to 3/);
    expect(() => splitBrainProtection(3, 1.5)).toThrow(/from 1 to 3/);
  });
});
