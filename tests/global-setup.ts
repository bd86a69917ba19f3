import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '../scripts/ensure-built.mjs';

// Suites that run the built artefacts (Lambda under aws-lambda-ric, the CLI, the server) need dist/ as fresh as
// the sources; it is rebuilt only when a source is newer, and swapped in whole (build.mjs), so concurrent runs
// never see a half-written dist/. aws-lambda-ric's native addon is not made here: the suites that run it call
// ensureLambdaRic (scripts/ensure-lambda-ric.mjs) themselves, so a run without them never pays for it.
// The migrated template test databases start from is made once, before any file, in a process of its own
// (vitest's runner here cannot resolve PGlite's install); without it they are migrated from nothing.
export default function setup(): void {
  ensureBuilt('dist/build.json');
  try {
    execFileSync(process.execPath, [fileURLToPath(new URL('./helpers/pglite-template.ts', import.meta.url))], { stdio: 'inherit' });
  } catch (error) {
    console.warn(`[tests] no migrated template database (${(error as Error).message}): test databases are migrated from nothing`);
  }
}
