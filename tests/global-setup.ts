import { ensureBuilt } from '../scripts/ensure-built.mjs';
import { ensureLambdaRic } from '../scripts/ensure-lambda-ric.mjs';

// Suites that run the built artefacts (Lambda under aws-lambda-ric, the CLI, the server) need dist/ as fresh as
// the sources; it is rebuilt only when a source is newer, and swapped in whole (build.mjs), so concurrent runs
// never see a half-written dist/. The Lambda suites need aws-lambda-ric's native addon, compiled here once per
// install rather than by every `npm ci`.
export default function setup(): void {
  ensureBuilt('dist/build.json');
  ensureLambdaRic();
}
