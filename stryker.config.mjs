// Mutation testing (`npm run test:mutation`); docs/developing.md, "Mutation testing", explains the run and the
// surviving mutants. Not part of `npm test`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'stryker.vitest.config.ts', related: false },
  mutate: ['core/**/*.ts', 'handlers/kit/**/*.ts', '!**/*.test.ts', '!**/*.test-support.ts'],
  coverageAnalysis: 'perTest',
  // Mutants in module-level constants (fee tables, rules) would re-run every test each; the tests that read those
  // tables pin them as data instead.
  ignoreStatic: true,
  // The machine is shared: one test process at a time.
  concurrency: 1,
  // Re-runs only mutants whose code or covering tests changed since the last run.
  incremental: true,
  incrementalFile: '.cache/stryker/incremental.json',
  // TypeScript 7 has no compiler API, which Stryker's tsconfig rewriting (and its TypeScript checker) needs:
  // naming no tsconfig turns the rewriting off (the sandbox keeps the project layout, so nothing needs rewriting).
  tsconfigFile: 'stryker-no-tsconfig.json',
  tempDirName: '.cache/stryker/tmp',
  cleanTempDir: 'always',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: '.cache/stryker/report.html' },
  jsonReporter: { fileName: '.cache/stryker/report.json' },
  ignorePatterns: ['dist', '.data', '.cache', 'coverage', 'bench'],
  timeoutMS: 20_000,
  // The first run (all tests, with coverage) takes minutes on a busy machine.
  dryRunTimeoutMinutes: 30,
};
