import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpClient } from '../http-client.js';

/** The server refused or failed a set-up request: the run cannot start. */
export class SetupError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(message: string, status: number, body: unknown) {
    super(message);
    this.name = 'SetupError';
    this.status = status;
    this.body = body;
  }
}

export interface SetupApi {
  /** POSTs JSON and expects 201. */
  create(path: string, body: unknown): Promise<unknown>;
  /** GETs and expects 200. */
  read(path: string): Promise<unknown>;
}

export function createSetupApi(http: HttpClient, target: string): SetupApi {
  const describe = (status: number, failure: string | undefined, body: unknown): string =>
    failure ? `${failure} error (is the server at ${target} running?)` : `${status} ${JSON.stringify(body)}`;
  return {
    async create(path, body) {
      const result = await http.send('POST', path, JSON.stringify(body));
      if (result.status !== 201) {
        throw new SetupError(
          `set-up POST ${path} failed: ${describe(result.status, result.failure, result.body)}`,
          result.status,
          result.body,
        );
      }
      return result.body;
    },
    async read(path) {
      const result = await http.send('GET', path);
      if (result.status !== 200) {
        throw new SetupError(
          `set-up GET ${path} failed: ${describe(result.status, result.failure, result.body)}`,
          result.status,
          result.body,
        );
      }
      return result.body;
    },
  };
}

/** Polls GET /readyz until it answers 200, for at most `timeoutMs`. */
export async function waitUntilReady(http: HttpClient, target: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const result = await http.send('GET', '/readyz');
    if (result.status === 200) return;
    last = result.failure ? `${result.failure} error` : `status ${result.status}`;
    await sleep(250);
  }
  throw new SetupError(`${target} is not ready after ${timeoutMs} ms (last /readyz: ${last})`, 0, undefined);
}
