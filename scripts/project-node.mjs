// The project runs on Node 24 (brought by the `node` dev dependency). When a script is started with an older
// node (say, the machine's own), re-run it under the project's node instead of failing in odd ways.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Re-runs this script under the project's Node 24 when started by an older node, or with `nodeFlags` (V8 sizes
 * that only apply at start) when they are not already set.
 */
export const ensureProjectNode = (nodeFlags = []) => {
  const major = Number(process.versions.node.split('.')[0]);
  const missing = nodeFlags.filter((f) => !process.execArgv.some((a) => a.split('=')[0] === f.split('=')[0]));
  if (major >= 24 && missing.length === 0) return;
  const node = major >= 24 ? process.execPath : `${root}node_modules/.bin/node`;
  if (!existsSync(node)) {
    process.stderr.write(`sellpo needs Node 24; this is ${process.version}. Run \`npm ci\` first: it installs Node 24 for the project.\n`);
    process.exit(1);
  }
  const result = spawnSync(node, [...missing, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
};
