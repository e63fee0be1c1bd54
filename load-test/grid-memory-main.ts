/**
 * How much member heap a held seat costs: starts one Hazelcast member of its own (the project's
 * member.yaml), measures its used heap after a full GC, files N hold entries and N idempotency
 * records as units do, measures again, and prints bytes per entry. One member keeps one copy; a
 * cluster keeps two (backup-count 1), so the README doubles it.
 *
 *   npm run build && node dist/load-test/grid-memory-main.js [N]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { connectGrid } from '../common/grid-client.js';
import { openGridMaps, type IdempotencyRecord } from '../common/grid-maps.js';
import { holdEntryOf } from '../common/hold-entry.js';
import { createRootLogger } from '../common/logger.js';
import { gridNames, holdKey } from '../common/map-names.js';
import type { Hold } from '../common/ticketing-model.js';
import { ensureHazelcastJar } from '../deploy-manager/hazelcast/hazelcast-jar.js';
import { startMember } from '../deploy-manager/hazelcast/member-process.js';

const run = promisify(execFile);

async function usedHeapBytes(pid: number): Promise<number> {
  await run('jcmd', [String(pid), 'GC.run']);
  const { stdout } = await run('jcmd', [String(pid), 'GC.heap_info']);
  const used = /used (\d+)K/.exec(stdout);
  if (!used) throw new Error(`cannot read the heap of ${pid}: ${stdout}`);
  return Number(used[1]) * 1024;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 50_000);
  const log = createRootLogger({ level: 'warn' });
  const dir = await mkdtemp(join(tmpdir(), 'spacegrid-memory-'));
  const member = await startMember({
    jarPath: await ensureHazelcastJar({ cacheDir: resolve('.cache/hazelcast'), log }),
    clusterName: `memory-${process.pid}`,
    port: 5991,
    logFile: join(dir, 'member.log'),
    heapMb: 1024,
    log,
  });
  const client = await connectGrid({ members: [member.address], clusterName: `memory-${process.pid}`, log });
  try {
    const maps = await openGridMaps(client, gridNames('memory'));
    const before = await usedHeapBytes(member.pid);
    const now = Date.now();
    for (let i = 0; i < n; i += 1000) {
      const holds = Array.from({ length: Math.min(1000, n - i) }, (_, j): Hold => {
        const k = i + j;
        return {
          holdId: `hold-${k.toString(36).padStart(16, '0')}`,
          eventId: 'final-2026',
          sectionId: `north-${k % 50}`,
          customerId: `customer-${k}`,
          quantity: 2,
          status: 'HELD',
          createdAt: new Date(now).toISOString(),
          expiresAt: new Date(now + 600_000).toISOString(),
          version: 1,
        };
      });
      await maps.holds.setAll(holds.map((h) => [holdKey(h.eventId, h.sectionId, h.holdId), holdEntryOf(h)]));
    }
    const afterHolds = await usedHeapBytes(member.pid);
    for (let i = 0; i < n; i += 1000) {
      const records = Array.from({ length: Math.min(1000, n - i) }, (_, j): [string, IdempotencyRecord] => [
        `idem-${(i + j).toString(36).padStart(40, 'x')}`,
        {
          state: 'DONE',
          fingerprint: 'x'.repeat(43),
          status: 201,
          body: {
            holdId: `hold-${(i + j).toString(36).padStart(16, '0')}`,
            eventId: 'final-2026',
            sectionId: 'north',
            quantity: 2,
            status: 'HELD',
            expiresAt: new Date(now + 600_000).toISOString(),
          },
          at: now,
          expiresAt: now + 3_600_000,
        },
      ]);
      await maps.idempotency.setAll(records);
    }
    const afterRecords = await usedHeapBytes(member.pid);
    const perHold = (afterHolds - before) / n;
    const perRecord = (afterRecords - afterHolds) / n;
    console.log(
      JSON.stringify({
        entries: n,
        bytesPerHoldEntry: Math.round(perHold),
        bytesPerIdempotencyRecord: Math.round(perRecord),
        note: 'one copy; a cluster with backup-count 1 keeps two',
      }),
    );
  } finally {
    await client.shutdown();
    await member.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
