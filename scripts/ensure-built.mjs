// Builds dist/ when it is missing or older than any source file, so `npm start` and `sellpo` always run
// what is on disk. esbuild takes well under a second, so there is no stale-build surprise to pay for.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { root } from '../bin/node-runtime.mjs';

// migrations/ too: the build ships them and the embedded database's copy migrated to them.
const SOURCES = ['core', 'handlers', 'adapters', 'sandbox', 'migrations', 'package.json', 'build.mjs'];

const newest = (path) => {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = 0;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
};

export const ensureBuilt = (output = 'dist/server.mjs') => {
  const target = join(root, output);
  const built = existsSync(target) ? statSync(target).mtimeMs : 0;
  const source = Math.max(...SOURCES.map((s) => newest(join(root, s))));
  if (built >= source) return;
  const result = spawnSync(process.execPath, [join(root, 'build.mjs'), '--quiet'], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) {
    process.stderr.write('sellpo: the build failed; see above.\n');
    process.exit(result.status ?? 1);
  }
};
