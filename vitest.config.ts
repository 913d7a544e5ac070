import { defineConfig } from 'vitest/config';

// The same suites run once per database: GATEHOUSE_TEST_DB=sqlite and GATEHOUSE_TEST_DB=postgres.
export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'web/test/**/*.test.ts'],
    globalSetup: ['server/test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A browser page on a loaded CI machine can take seconds to show a change; 1 s (the default)
    // made expect.poll flaky there. A real failure still fails, only later.
    expect: { poll: { timeout: 10_000, interval: 50 } },
    reporters: ['default'],
  },
});
