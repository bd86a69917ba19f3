import { ensureBuilt } from '../scripts/ensure-built.mjs';

// Suites that run the built artefacts (Lambda under aws-lambda-ric, the CLI, the server) need dist/ as fresh as
// the sources; it is rebuilt only when a source is newer, and swapped in whole (build.mjs), so concurrent runs
// never see a half-written dist/.
export default function setup(): void {
  ensureBuilt('dist/build.json');
}
