import { ensureBuilt } from '../scripts/ensure-built.mjs';

// Suites that run the built artefacts (Lambda under aws-lambda-ric, the CLI, the server) need dist/ as fresh as
// the sources; it is rebuilt only when a source is newer, and swapped in whole (build.mjs), so concurrent runs
// never see a half-written dist/. aws-lambda-ric's native addon is not made here: the suites that run it call
// ensureLambdaRic (scripts/ensure-lambda-ric.mjs) themselves, so a run without them never pays for it.
export default function setup(): void {
  ensureBuilt('dist/build.json');
}
