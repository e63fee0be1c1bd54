import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.cache/**'],
    // Real services first: Postgres and Redis must answer, and a Hazelcast cluster is started once.
    // At the end, the databases and queues the tests made are removed (test-data.ts).
    globalSetup: [
      'test/support/services.ts',
      'test/support/test-data.ts',
      'test/support/hazelcast-cluster.ts',
    ],
    // Two cores: two test files at a time, each with its own database, namespace and queue.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
