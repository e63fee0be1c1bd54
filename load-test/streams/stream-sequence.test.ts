import { describe, expect, it } from 'vitest';
import { StreamSequence, followsDirectly } from './stream-sequence.js';

const run = (start: string, ids: string[]): { steps: string[]; sequence: StreamSequence } => {
  const sequence = new StreamSequence();
  sequence.start(start);
  return { steps: ids.map((id) => sequence.accept(id)), sequence };
};

describe('StreamSequence', () => {
  it('accepts ids that follow each other: whole versions and versions of several messages', () => {
    const { steps, sequence } = run('5', ['6', '7.0', '7.1', '7', '8', '9.0', '9']);
    expect(steps.every((s) => s === 'next')).toBe(true);
    expect(sequence.gaps + sequence.duplicates).toBe(0);
  });

  it('counts a missed version, or a missed message inside one, as a gap and goes on from there', () => {
    const { steps, sequence } = run('5', ['6', '8', '9', '10.0', '10', '11.1', '11']);
    expect(steps).toEqual(['next', 'gap', 'next', 'next', 'next', 'gap', 'next']);
    expect(sequence.gaps).toBe(2);
  });

  it('counts a repeated or older id as a duplicate without moving back', () => {
    const { steps, sequence } = run('5', ['6', '6', '5', '7.0', '7.0', '7', '8']);
    expect(steps).toEqual(['next', 'duplicate', 'duplicate', 'next', 'duplicate', 'next', 'next']);
    expect(sequence.duplicates).toBe(3);
    expect(sequence.position).toEqual({ version: 8 });
  });

  it('counts ids that are not positions', () => {
    const { steps } = run('5', ['x', '6']);
    expect(steps).toEqual(['unparsable', 'next']);
  });

  it('followsDirectly: a version ends with its whole id, the next starts at index 0 or whole', () => {
    expect(followsDirectly({ version: 3, index: 1 }, { version: 3 })).toBe(true);
    expect(followsDirectly({ version: 3 }, { version: 4, index: 0 })).toBe(true);
    expect(followsDirectly({ version: 3 }, { version: 4, index: 1 })).toBe(false);
    expect(followsDirectly({ version: 3, index: 1 }, { version: 4 })).toBe(false);
  });
});
