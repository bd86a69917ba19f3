import { defineConfig } from 'vitest/config';

// The tests Stryker judges mutants with: the unit tests next to the code, the in-process analysis suites and the
// toolkit's in-process suites (tests/kit, over fakes of its ports).
// Suites that start processes, servers or databases take too long per mutant and see mutated code only through
// built bundles, so they stay in `npm test` only.
// STRYKER_TESTS (comma-separated files or globs) judges with those tests only, e.g. a file's focused example tests
// without the property suites that take seconds per mutant; a score measured so is a lower bound of the full one.
const only = process.env.STRYKER_TESTS?.split(',').filter(Boolean);

export default defineConfig({
  test: {
    include: only?.length ? only : ['core/**/*.test.ts', 'handlers/**/*.test.ts', 'tests/analysis/margin-endpoints.test.ts', 'tests/analysis/margin.property.test.ts', 'tests/analysis/margin-lean.property.test.ts', 'tests/analysis/margin-summary.property.test.ts', 'tests/analysis/margin-target.property.test.ts', 'tests/analysis/docs-example.test.ts', 'tests/runtime/idempotency-unavailable.test.ts', 'tests/kit/pipeline.test.ts', 'tests/kit/idempotency.test.ts', 'tests/kit/input.test.ts', 'tests/kit/batch.test.ts', 'tests/kit/fast-parse-examples.test.ts', 'tests/kit/deprecation-dates.test.ts'],
    exclude: ['**/node_modules/**'],
    setupFiles: ['tests/setup/has-assertions.ts'],
    env: { DATA_DIR: 'memory://' },
    // A failure bound only: under coverage instrumentation on a busy machine the property tests take minutes.
    testTimeout: 180_000,
    pool: 'forks',
  },
});
