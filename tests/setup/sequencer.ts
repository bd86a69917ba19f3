/**
 * The order test files start in: the longest first, so the last files to finish are short ones and no worker
 * waits alone at the end behind a minute-long suite. Vitest orders by the durations of the machine's previous run
 * (node_modules/.vite), which a fresh clone (CI) does not have: it then starts the largest files first, and a
 * small file that takes a minute may start last. The durations here come from a full run and are committed
 * (tests/setup/durations.json); the previous run's durations serve files it does not list. Rewrite the list after
 * a full run with `node tests/setup/sequencer.ts` (it reads .cache/test-results.json).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DURATIONS = fileURLToPath(new URL('./durations.json', import.meta.url));
/** A file with no known duration (a new one) is taken as a short one. */
const UNKNOWN_MS = 1_000;

/** Seconds per file, by path from the project's root. */
const committed = (): Record<string, number> => {
  try {
    return JSON.parse(readFileSync(DURATIONS, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
};

export class SlowestFirst extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const listed = committed();
    const expected = new Map(
      files.map((spec) => {
        const seconds = listed[relative(ROOT, spec.moduleId)];
        return [spec, seconds !== undefined ? seconds * 1000 : (this.ctx.cache.getTestSpecificationResult(spec)?.duration ?? UNKNOWN_MS)];
      }),
    );
    return Promise.resolve(
      [...files].sort(
        (a, b) =>
          // Projects run one after the other, as vitest runs them (the suites, then the unit tests).
          a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder ||
          (a.project.name < b.project.name ? -1 : a.project.name > b.project.name ? 1 : 0) ||
          expected.get(b)! - expected.get(a)! ||
          (a.moduleId < b.moduleId ? -1 : a.moduleId > b.moduleId ? 1 : 0),
      ),
    );
  }
}

/** Writes tests/setup/durations.json from a full run's JSON report (vitest.config.ts writes .cache/test-results.json). */
const writeDurations = (report: string): void => {
  if (!existsSync(report)) throw new Error(`no report at ${report}: run the whole suite first`);
  const { testResults } = JSON.parse(readFileSync(report, 'utf8')) as { testResults: { name: string; startTime: number; endTime: number }[] };
  const rows = testResults
    .map((r) => [relative(ROOT, r.name), Math.round((r.endTime - r.startTime) / 100) / 10] as const)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  writeFileSync(DURATIONS, `${JSON.stringify(Object.fromEntries(rows), null, 2)}\n`);
  process.stdout.write(`${DURATIONS}: ${rows.length} files\n`);
};

if (import.meta.main) writeDurations(process.argv[2] ?? `${ROOT}.cache/test-results.json`);
