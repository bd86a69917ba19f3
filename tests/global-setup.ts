import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Suites that run the built artefacts (Lambda under aws-lambda-ric, the CLI, the server) need a fresh dist/.
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['build.mjs', '--quiet'], { cwd: root, stdio: 'inherit' });
}
