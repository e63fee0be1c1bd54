import type { Outcome } from './outcome.js';
import type { ScenarioName } from './scenarios/create-scenario.js';
import type { ScenarioOptions } from './scenarios/scenario.js';
import type { Thresholds } from './thresholds.js';

/**
 * `open`: requests arrive at `rate` per second whatever the server does (latency from the
 * intended send time); `closed`: `connections` users, each waiting for its answer.
 */
export type WorkloadModel =
  | {
      type: 'open';
      rate: number;
      /** Requests in flight at most; the ones due beyond it are counted as overflow. Default 10,000. */
      maxInFlight?: number;
    }
  | { type: 'closed'; connections: number };

export interface LoadOptions {
  scenario: ScenarioName;
  /** The server under test. Default http://127.0.0.1:8080. */
  target?: string;
  /** Default: closed, 64 connections. */
  model?: WorkloadModel;
  /** Length of the load, ramp included. Default 10 s. */
  durationMs?: number;
  /** Open: the rate rises linearly from 0; closed: users start one by one. Default 0. */
  rampMs?: number;
  /** HTTP connections. Default: `connections` (closed), 64 (open). */
  poolConnections?: number;
  /** Requests in flight per connection. Default 1 (no pipelining). */
  pipelining?: number;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  /** How long to wait for GET /readyz before set-up. Default 30 s. */
  readyTimeoutMs?: number;
  /** Run the invariant checks after the load. Default true. */
  verify?: boolean;
  /** Default postgres://postgres@127.0.0.1:5432/spacegrid. */
  databaseUrl?: string;
  /**
   * False for a target that keeps nothing in Postgres (the Redis + Lua reference): the checks run
   * on the API's views only, and the Postgres ones are SKIPped. Default true.
   */
  verifyPostgres?: boolean;
  /** How long Postgres may take to catch up. Default 30 s. */
  verifyTimeoutMs?: number;
  thresholds?: Thresholds;
  scenarioOptions?: Partial<ScenarioOptions>;
  /** Seed of the scenario's random choices. Default: from the clock. */
  seed?: number;
  /** Gets a progress line every second. */
  progress?: (line: string) => void;
  /**
   * Sees every recorded answer (kind, outcome, latency from the intended send time), for a caller
   * that keeps figures of its own over other windows (the sustained run's 5 s samples).
   */
  onRecord?: RecordListener;
  /** Stops the load early (the report covers what ran). */
  signal?: AbortSignal;
}

/** One recorded answer: its request kind, how it ended, its latency in ms from the intended send time. */
export type RecordListener = (kind: string, outcome: Outcome, latencyMs: number) => void;

export const DEFAULT_TARGET = 'http://127.0.0.1:8080';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/spacegrid';
