// aws-lambda-ric's native addon (rapid-client.node) is compiled from source by the package's own scripts (curl and
// aws-lambda-cpp with cmake, then node-gyp): about 40 s. package.json's allowScripts keeps that out of `npm ci`, so
// installing to run the server stays fast; the Lambda tests and the container build call this instead, once per
// install.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { root } from '../bin/node-runtime.mjs';

export const ensureLambdaRic = () => {
  const dir = join(root, 'node_modules', 'aws-lambda-ric');
  if (!existsSync(dir)) throw new Error('aws-lambda-ric is not installed: run `npm ci`');
  if (existsSync(join(dir, 'rapid-client.node'))) return;
  process.stderr.write('building aws-lambda-ric\'s native addon (once per install, about a minute)...\n');
  // The scripts call `npm run build:gyp`; the project's node first on PATH builds the addon for it (N-API).
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${join(root, 'node_modules', '.bin')}:${process.env.PATH}` };
  for (const script of ['scripts/preinstall.sh', 'scripts/postinstall.sh']) {
    const run = spawnSync('sh', [script], { cwd: dir, env, encoding: 'utf8' });
    if (run.status !== 0) {
      throw new Error(`aws-lambda-ric ${script} failed (needs cmake, make, g++, python3):\n${(run.stdout + run.stderr).slice(-3000)}`);
    }
  }
  if (!existsSync(join(dir, 'rapid-client.node'))) throw new Error('aws-lambda-ric built no rapid-client.node');
};

if (import.meta.url === `file://${process.argv[1]}`) ensureLambdaRic();
