import type { ProcessLister } from '../cpu/cpu-sampler.js';
import { spacegridProcesses } from '../cpu/watched-processes.js';

/** Where the sustained run reads the write-behind's figures and the members' heaps. */
export interface SoakTargets {
  /** The data writer's base URL (`/metrics`: the lag histogram). */
  writerUrl: string;
  /** The data pump's base URL (`/metrics`: the change queue's jobs by state). */
  pumpUrl: string;
  /** The Redis of the change queue (`INFO memory`). */
  redisUrl: string;
  /** The Hazelcast members' JVMs, asked again at each sample so a restarted member is followed. */
  members(): Promise<Array<{ name: string; pid: number }>>;
}

/** The deploy manager's defaults (`WRITER_PORT`, `PUMP_PORT`), for a spacegrid whose admin API does not answer. */
const DEFAULT_WRITER_URL = 'http://127.0.0.1:8091';
const DEFAULT_PUMP_URL = 'http://127.0.0.1:8092';

const isMember = (name: string): boolean => name.startsWith('Hazelcast member');

/**
 * The writer's and pump's URLs from the deploy manager's `GET /admin/status` (or its default
 * ports), and the members as the benchmark's CPU table finds them (admin status, else `/proc`
 * below the deploy manager).
 */
export async function findSoakTargets(options: {
  adminUrl: string;
  token: string;
  managerPid: number | undefined;
  redisUrl: string;
}): Promise<SoakTargets> {
  const urls = { writerUrl: DEFAULT_WRITER_URL, pumpUrl: DEFAULT_PUMP_URL };
  try {
    const response = await fetch(`${options.adminUrl}/admin/status`, {
      headers: { authorization: `Bearer ${options.token}` },
      signal: AbortSignal.timeout(5_000),
    });
    if (response.ok) {
      const status = (await response.json()) as { processes?: Array<{ kind: string; url?: string }> };
      const url = (kind: string) => status.processes?.find((p) => p.kind === kind)?.url;
      urls.writerUrl = url('data-writer') ?? urls.writerUrl;
      urls.pumpUrl = url('data-pump') ?? urls.pumpUrl;
    }
  } catch {
    // The defaults stand.
  }
  const processes: ProcessLister = spacegridProcesses(options);
  return {
    ...urls,
    redisUrl: options.redisUrl,
    members: async () =>
      (await processes()).flatMap((row) =>
        isMember(row.name) ? row.pids.map((pid) => ({ name: row.name, pid })) : [],
      ),
  };
}
