import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // CI sums the JSON summaries (one per project run) to print "N passed, N failed".
    reporters: process.env.CI ? ['default', ['json', { outputFile: process.env.VITEST_JSON_OUT ?? '.vitest-results/all.json' }]] : ['default'],
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // kv-recorder built from its source; a throwaway PostgreSQL for the storage tests unless TEST_DATABASE_URL is given.
          globalSetup: ['test/helpers/build-recorder.ts', 'test/helpers/throwaway-postgres.ts'],
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          // Condition waits scale with TEST_WAIT_SCALE (test/helpers/browser.ts); room for them on a busy machine.
          testTimeout: 300_000,
          hookTimeout: 180_000,
          // Each file drives its own Chromium and server; two cores: one file at a time.
          fileParallelism: false,
          // Builds dist/client once before the browser files (SKIP_CLIENT_BUILD=1 to reuse a build).
          globalSetup: ['test/helpers/build-recorder.ts', 'test/helpers/build-client.ts'],
        },
      },
    ],
  },
});
