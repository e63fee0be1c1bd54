import { describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from './cli-options.js';

const run = (args: string[]) => {
  const command = parseCliArgs(args);
  if (command.command !== 'run') throw new Error('expected a run');
  return command;
};

describe('parseCliArgs', () => {
  it('defaults to the closed model against the local grid, verified', () => {
    const { load, reportsDir, quiet } = run(['flash-sale']);
    expect(load).toMatchObject({
      scenario: 'flash-sale',
      target: 'http://127.0.0.1:8080',
      model: { type: 'closed', connections: 64 },
      durationMs: 10_000,
      rampMs: 0,
      verify: true,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/spacegrid',
      verifyTimeoutMs: 30_000,
    });
    expect(reportsDir).toBe('reports');
    expect(quiet).toBe(false);
  });

  it('reads the open model, durations, thresholds and scenario knobs', () => {
    const { load } = run([
      'auction-war',
      '--rate',
      '5000',
      '--max-in-flight',
      '200',
      '--duration',
      '30s',
      '--ramp',
      '2s',
      '--max-p99',
      '20ms',
      '--min-rate',
      '1000',
      '--max-error-rate',
      '0.01',
      '--no-verify',
      '--bidders',
      '50',
      '--purchase-ratio',
      '0',
      '--pipelining',
      '4',
      '--seed',
      '7',
    ]);
    expect(load.model).toEqual({ type: 'open', rate: 5000, maxInFlight: 200 });
    expect(load).toMatchObject({ durationMs: 30_000, rampMs: 2000, verify: false, pipelining: 4, seed: 7 });
    expect(load.thresholds).toEqual({ maxP99Ms: 20, minRate: 1000, maxErrorRate: 0.01 });
    expect(load.scenarioOptions).toEqual({ bidders: 50, purchaseRatio: 0 });
  });

  it('reads the basket-rush knobs', () => {
    const { load } = run(['basket-rush', '--section-capacity', '50', '--release-ratio', '0.2']);
    expect(load.scenarioOptions).toEqual({ sectionCapacity: 50, releaseRatio: 0.2 });
    expect(() => parseCliArgs(['basket-rush', '--release-ratio', '2'])).toThrow(/between 0 and 1/);
  });

  it('refuses what it cannot run', () => {
    expect(() => parseCliArgs([])).toThrow(UsageError);
    expect(() => parseCliArgs(['sell-everything'])).toThrow(/unknown scenario/);
    expect(() => parseCliArgs(['browse', '--rate', '10', '--connections', '5'])).toThrow(
      /exclude each other/,
    );
    expect(() => parseCliArgs(['browse', '--rate', 'fast'])).toThrow(/integer/);
    expect(() => parseCliArgs(['browse', '--duration', 'soon'])).toThrow(/not a duration/);
    expect(() => parseCliArgs(['browse', '--duration', '2s', '--ramp', '3s'])).toThrow(/ramp/);
    expect(() => parseCliArgs(['browse', '--frobnicate'])).toThrow(UsageError);
  });

  it('checks Postgres too unless the target keeps none (--no-postgres)', () => {
    expect(run(['flash-sale']).load.verifyPostgres).toBe(true);
    expect(run(['flash-sale', '--no-postgres']).load).toMatchObject({ verify: true, verifyPostgres: false });
  });

  it('answers --help', () => {
    expect(parseCliArgs(['--help'])).toEqual({ command: 'help' });
  });
});
