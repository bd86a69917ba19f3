#!/usr/bin/env node
// Prints the closing line CI reads, `Tests: N passed, N failed`, from vitest's JSON report.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.cache/test-results.json';
if (!existsSync(file)) {
  process.stdout.write('No test results were written (the run stopped before the tests, see above).\nTests: 0 passed, 0 failed\n');
  process.exit(0);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
process.stdout.write(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
