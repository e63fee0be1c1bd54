import type { ProcessLister, WatchedProcess } from './cpu-sampler.js';
import { listProcesses, readCommandLine, type ProcessStat } from './proc-stat.js';

/** Rows for processes whose pids are known (a child the benchmark started, itself). */
export const knownProcesses =
  (rows: WatchedProcess[]): ProcessLister =>
  async () =>
    rows;

/** One row summing every process with this executable name (`postgres`, `redis-server`). */
export function processesNamed(comm: string, name: string): ProcessLister {
  return async () => [
    { name, pids: (await listProcesses()).filter((p) => p.comm === comm).map((p) => p.pid) },
  ];
}

/** Several listers as one. */
export const allOf =
  (...listers: ProcessLister[]): ProcessLister =>
  async () =>
    (await Promise.all(listers.map((list) => list()))).flat();

/** The parts of `GET /admin/status` that name processes. */
interface AdminStatus {
  units?: Array<{ id: string; pid: number | null }>;
  members?: Array<{ address: string; pid: number | null }>;
  processes?: Array<{ name: string; kind: string; pid: number | null }>;
}

const PART_NAMES: Record<string, string> = {
  'messaging-grid': 'messaging grid',
  'data-pump': 'data pump',
  'data-writer': 'data writer',
  'data-reader': 'data reader',
};

/** The rows of a deploy manager's status: each member, unit and part its own row. */
export function rowsFromAdminStatus(status: AdminStatus): WatchedProcess[] {
  const row = (name: string, pid: number | null): WatchedProcess[] => (pid ? [{ name, pids: [pid] }] : []);
  return [
    ...(status.members ?? []).flatMap((m) => row(`Hazelcast member ${m.address}`, m.pid)),
    ...(status.units ?? []).flatMap((u) => row(`processing unit ${u.id.replace(/^unit-/, '')}`, u.pid)),
    ...(status.processes ?? []).flatMap((p) => row(PART_NAMES[p.kind] ?? p.name, p.pid)),
  ];
}

/** What a spacegrid process is, from its command line (undefined: not one of spacegrid's). */
export function classifyCommandLine(commandLine: string): string | undefined {
  if (/\bjava\b.*hazelcast/i.test(commandLine)) return 'Hazelcast member';
  const part =
    /\/(processing-unit|messaging-grid|data-pump|data-writer|data-reader|deploy-manager)\/main\.js\b/.exec(
      commandLine,
    );
  if (!part) return undefined;
  return part[1] === 'processing-unit' ? 'processing unit' : (PART_NAMES[part[1]!] ?? 'deploy manager');
}

/** Every process below `root` (children, their children, …). */
export function descendantsOf(root: number, processes: readonly ProcessStat[]): ProcessStat[] {
  const children = new Map<number, ProcessStat[]>();
  for (const p of processes) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const found: ProcessStat[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** The deploy manager: `managerPid`, or the only process running `deploy-manager/main.js`. */
async function findManager(
  managerPid: number | undefined,
  processes: readonly ProcessStat[],
): Promise<number | undefined> {
  if (managerPid !== undefined) return managerPid;
  const managers: number[] = [];
  for (const p of processes.filter((p) => p.comm === 'node')) {
    if (classifyCommandLine(await readCommandLine(p.pid)) === 'deploy manager') managers.push(p.pid);
  }
  return managers.length === 1 ? managers[0] : undefined;
}

/**
 * spacegrid's own processes from /proc: the deploy manager and what runs below it, named by
 * command line (units and members told apart by pid). Empty if no single deploy manager is found.
 */
async function spacegridFromProc(managerPid: number | undefined): Promise<WatchedProcess[]> {
  const processes = await listProcesses();
  const root = await findManager(managerPid, processes);
  if (root === undefined) return [];
  const rows: WatchedProcess[] = [];
  for (const p of descendantsOf(root, processes)) {
    const kind = classifyCommandLine(await readCommandLine(p.pid));
    if (kind === 'processing unit' || kind === 'Hazelcast member')
      rows.push({ name: `${kind} (pid ${p.pid})`, pids: [p.pid] });
    else if (kind !== undefined) rows.push({ name: kind, pids: [p.pid] });
  }
  return [...rows, { name: 'deploy manager', pids: [root] }];
}

export interface SpacegridProcessOptions {
  /** The deploy manager's admin API (`GET /admin/status` names every process with its pid). */
  adminUrl: string;
  token: string;
  /** The deploy manager's own pid, when the benchmark started it. */
  managerPid?: number | undefined;
}

/**
 * spacegrid's processes, each its own row: Hazelcast members, units, messaging grid, pump, writer,
 * reader (from the admin API; from /proc below the deploy manager if the API does not answer), and
 * the deploy manager itself.
 */
export function spacegridProcesses(options: SpacegridProcessOptions): ProcessLister {
  return async () => {
    let rows: WatchedProcess[];
    try {
      const response = await fetch(`${options.adminUrl}/admin/status`, {
        headers: { authorization: `Bearer ${options.token}` },
        signal: AbortSignal.timeout(5_000),
      });
      if (!response.ok) throw new Error(`GET /admin/status answered ${response.status}`);
      rows = rowsFromAdminStatus((await response.json()) as AdminStatus);
    } catch {
      return spacegridFromProc(options.managerPid);
    }
    const manager = await findManager(options.managerPid, await listProcesses());
    return manager === undefined ? rows : [...rows, { name: 'deploy manager', pids: [manager] }];
  };
}
