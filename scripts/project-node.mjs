// The project runs on Node 24 (brought by the `node` dev dependency). When a script is started with an older
// node (say, the machine's own), re-run it under the project's node instead of failing in odd ways.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

export const ensureProjectNode = () => {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 24) return;
  const node = `${root}node_modules/.bin/node`;
  if (!existsSync(node)) {
    process.stderr.write(`sellpo needs Node 24; this is ${process.version}. Run \`npm ci\` first: it installs Node 24 for the project.\n`);
    process.exit(1);
  }
  const result = spawnSync(node, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
};
