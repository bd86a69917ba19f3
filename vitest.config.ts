import { defineConfig } from 'vitest/config';
import { SlowestFirst } from './tests/setup/sequencer.ts';

/** The unit tests next to the code: in-process, no servers or child processes of their own. */
const UNIT = ['core/**/*.test.ts', 'handlers/**/*.test.ts', 'adapters/**/*.test.ts', 'sandbox/**/*.test.ts'];

export default defineConfig({
  test: {
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
    // The longest files first, by the durations of a full run (tests/setup/durations.json), also in a fresh clone.
    sequence: { sequencer: SlowestFirst },
    // Many suites wait on processes they start (servers, the CLI, nginx): two files at a time keep both cores busy.
    maxWorkers: 2,
    projects: [
      // A fresh process per unit test file cost about 0.45 s of CPU each (loading vitest and the modules again),
      // more than most of those files take to run: they share their worker's process and module graph instead.
      { extends: true, test: { name: 'unit', include: UNIT, isolate: false } },
      // The suites change the environment, start servers, databases and processes: a fresh process per file.
      { extends: true, test: { name: 'suites', include: ['tests/**/*.test.ts'] } },
    ],
  },
});
