import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '../../common/logger.js';
import { ensureHazelcastJar } from '../../deploy-manager/hazelcast/hazelcast-jar.js';
import { startCluster, type ClusterHandle } from '../../deploy-manager/hazelcast/member-process.js';
import { uniqueName } from './system.js';

/** Hazelcast members of a test's own (it kills or freezes them), on free ports, logging to a temporary folder. */
export interface OwnCluster {
  readonly cluster: ClusterHandle;
  readonly clusterName: string;
  /** Kills the members and removes their logs. */
  remove(): Promise<void>;
}

export async function startOwnCluster(prefix: string, count: number, log: Logger): Promise<OwnCluster> {
  const jarPath = await ensureHazelcastJar({ cacheDir: resolve('.cache/hazelcast'), log });
  const logDir = await mkdtemp(join(tmpdir(), `spacegrid-${prefix}-`));
  const clusterName = uniqueName(`${prefix}-`);
  const cluster = await startCluster({
    jarPath,
    clusterName,
    basePort: 5891,
    findFreePorts: true,
    count,
    heapMb: 256,
    logDir,
    log,
  }).catch(async (err: unknown) => {
    await rm(logDir, { recursive: true, force: true });
    throw err;
  });
  return {
    cluster,
    clusterName,
    async remove() {
      await cluster.kill();
      await rm(logDir, { recursive: true, force: true });
    },
  };
}
