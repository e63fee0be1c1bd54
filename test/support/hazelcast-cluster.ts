import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// Brings 'vitest' into the program, so that the augmentation below has a module to augment.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { createRootLogger } from '../../common/logger.js';
import { ensureHazelcastJar } from '../../deploy-manager/hazelcast/hazelcast-jar.js';
import { startCluster } from '../../deploy-manager/hazelcast/member-process.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the Hazelcast members the tests use. */
    hzMembers: string[];
    hzClusterName: string;
  }
}

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const CACHE_DIR = join(REPO, '.cache', 'hazelcast');

/**
 * vitest globalSetup: gives the tests a Hazelcast cluster, via `inject('hzMembers')` and
 * `inject('hzClusterName')`.
 *
 * With HZ_MEMBERS set (`127.0.0.1:5701,127.0.0.1:5702`), the tests use that cluster, named by
 * HZ_CLUSTER_NAME (Hazelcast's default, `dev`, when unset). Otherwise it fetches the member jar
 * and starts a 2-member cluster of its own on free ports from 5801, stopped at teardown.
 */
export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const existing = process.env.HZ_MEMBERS?.trim();
  if (existing) {
    provide('hzMembers', existing.split(/[,\s]+/).filter(Boolean));
    provide('hzClusterName', process.env.HZ_CLUSTER_NAME?.trim() || 'dev');
    return async () => {};
  }

  const log = createRootLogger({ name: 'test-hazelcast' });
  const clusterName = `spacegrid-test-${process.pid}`;
  const logDir = join(CACHE_DIR, 'logs', clusterName);
  const jarPath = await ensureHazelcastJar({ cacheDir: CACHE_DIR, log });
  const cluster = await startCluster({
    jarPath,
    clusterName,
    basePort: 5801,
    findFreePorts: true,
    count: 2,
    heapMb: 384,
    logDir,
    log,
  });
  provide('hzMembers', cluster.addresses);
  provide('hzClusterName', clusterName);
  return async () => {
    await cluster.stop();
    await rm(logDir, { recursive: true, force: true });
  };
}
