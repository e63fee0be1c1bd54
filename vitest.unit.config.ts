import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:unit`: the tests that need no service (no Postgres, Redis or Hazelcast), so no
 * globalSetup. They are chosen by a rule, not a list: a test file next to the code it tests (outside
 * `test/`, where the cross-part tests live) whose imports, followed through the repository's own
 * modules, reach none of SERVICE_MODULES. A new test file is sorted by what it imports.
 */
const ROOT = dirname(fileURLToPath(import.meta.url));

/**
 * What a test that needs a running service imports, directly or through the code it tests: a
 * package (or a file inside it), or a repository path (a folder when it ends in `/`).
 */
const SERVICE_MODULES = [
  'pg', // Postgres
  'ioredis', // Redis
  'bullmq', // Redis
  'test/support/', // the suite's services: their URLs, its Hazelcast cluster, servers of a test's own
  'deploy-manager/hazelcast/hazelcast-jar.ts', // Hazelcast members started by the test itself
];

/** Folders of the repository that hold no unit test (`test/`: the cross-part tests). */
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', '.cache', 'reports', 'test', '.git']);

function testFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || SKIPPED_FOLDERS.has(relative(ROOT, path))
        ? []
        : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** `import ... from 'x'`, `export ... from 'x'`, `import 'x'`, `import('x')`; `import type` loads nothing. */
const IMPORT =
  /\b(import|export)(\s+type\b)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g;

/** The packages and repository files (relative to ROOT) that `file` loads, followed transitively. */
function reach(file: string): Set<string> {
  const reached = new Set<string>();
  const pending = [file];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const name = relative(ROOT, next);
    if (reached.has(name)) continue;
    reached.add(name);
    for (const match of readFileSync(next, 'utf8').matchAll(IMPORT)) {
      if (match[2]) continue;
      const spec = match[3] ?? match[4] ?? '';
      if (!spec.startsWith('.')) {
        reached.add(spec);
        continue;
      }
      const source = resolve(dirname(next), spec).replace(/\.js$/, '.ts');
      if (existsSync(source)) pending.push(source);
    }
  }
  return reached;
}

function needsNoService(file: string): boolean {
  return ![...reach(file)].some((loaded) =>
    SERVICE_MODULES.some(
      (service) => loaded === service || loaded.startsWith(service.endsWith('/') ? service : `${service}/`),
    ),
  );
}

export default defineConfig({
  test: {
    include: testFiles(ROOT)
      .filter(needsNoService)
      .map((file) => relative(ROOT, file)),
    maxWorkers: 2,
    testTimeout: 60_000,
  },
});
