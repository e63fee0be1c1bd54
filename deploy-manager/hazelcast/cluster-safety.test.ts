import { describe, expect, it } from 'vitest';
import { clusterSafety } from './member-supervisor.js';

const whole = { nodeState: 'ACTIVE', clusterSafe: true, clusterSize: 2, migrationQueueSize: 0 };

describe('clusterSafety: what the supervisor says of the cluster, from its members', () => {
  it('is safe when every member runs and says the whole cluster is safe', () => {
    expect(
      clusterSafety([
        { running: true, health: whole },
        { running: true, health: whole },
      ]),
    ).toEqual({ size: 2, safe: true });
  });

  it('is not safe while a member migrates or sees fewer than all', () => {
    expect(
      clusterSafety([
        { running: true, health: { ...whole, migrationQueueSize: 3 } },
        { running: true, health: whole },
      ]).safe,
    ).toBe(false);
    expect(
      clusterSafety([
        { running: true, health: { ...whole, clusterSize: 1 } },
        { running: true, health: undefined },
      ]).safe,
    ).toBe(false);
  });

  it('is not safe, not unknown, when a member is dead even if the survivor does not answer (the fault CI saw)', () => {
    // The killed member's JVM is gone; the survivor, busy re-creating backups, missed its health
    // polls: nothing is known of its view, but a dead member's backups are missing for certain.
    expect(
      clusterSafety([
        { running: false, health: undefined },
        { running: true, health: undefined },
      ]),
    ).toEqual({ size: null, safe: false });
  });

  it('is unknown while every member runs and none has answered yet', () => {
    expect(
      clusterSafety([
        { running: true, health: undefined },
        { running: true, health: undefined },
      ]),
    ).toEqual({ size: null, safe: null });
  });
});
