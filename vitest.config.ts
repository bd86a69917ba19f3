import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'handlers/**/*.test.ts', 'adapters/**/*.test.ts', 'sandbox/**/*.test.ts', 'tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    // Every test must assert something (expect.hasAssertions() before each test).
    setupFiles: ['tests/setup/has-assertions.ts'],
    // Processes started by tests keep an embedded database of their own, in memory (never the developer's ./.data).
    env: { DATA_DIR: 'memory://' },
    // Failure bounds, not speed checks: suites that start servers and CLI processes share two cores.
    testTimeout: 60_000,
    hookTimeout: 90_000,
    reporters: ['default', ['json', { outputFile: '.cache/test-results.json' }]],
    pool: 'forks',
    // Many suites wait on processes they start (servers, the CLI, nginx): two files at a time keep both cores busy.
    maxWorkers: 2,
  },
});
