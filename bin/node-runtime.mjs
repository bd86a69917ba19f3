// The project runs on Node 24 (brought by the `node` dev dependency). When a script is started with an older
// node (say, the machine's own), re-run it under the project's node instead of failing in odd ways.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Node flags for batch runs (`sellpo invoke --each`), each measured on 1,000,000 priced rows (PostgreSQL,
 * summary view):
 * - a 4 MB young generation: V8's default semi-spaces grow to tens of MB under a batch's steady stream of
 *   short-lived objects (222 MB peak RSS, 171,000 rows/s; with 4 MB: 129 MB, 180,000 rows/s);
 * - no allocation-site pretenuring: when V8 saw parsed rows survive a collection it began allocating them in
 *   the old generation, where they died expensively; half the runs then fell to about 160,000 rows/s at
 *   190-260 MB with GC threads busy (six runs without it: 206,000-218,000 rows/s, 123-137 MB);
 * - WebAssembly compiled by Liftoff only: a batch uses the embedded database (PGlite) just to check its key,
 *   and PGlite's optimising compile is what peaks (opening it: 645 MB and 0.57 s, Liftoff only: 264 MB and
 *   0.28 s; a batch on the embedded database peaked at 852 MB, with it 308 MB at the same speed).
 * V8 takes them only at start: bin/sellpo.mjs and the CLI itself re-run a batch with them (ensureProjectNode),
 * container/entrypoint.sh passes them (a test keeps its copy equal).
 */
export const BATCH_NODE_FLAGS = ['--max-semi-space-size=4', '--no-allocation-site-pretenuring', '--liftoff-only'];

const flagName = (flag) => flag.split('=')[0];

/**
 * Re-runs this script under the project's Node 24 when started by an older node, or with `nodeFlags` when they
 * are not already set; the re-run's exit code becomes this process's. Resolves only when nothing had to change.
 */
export const ensureProjectNode = async (nodeFlags = []) => {
  const major = Number(process.versions.node.split('.')[0]);
  const missing = nodeFlags.filter((f) => !process.execArgv.some((a) => flagName(a) === flagName(f)));
  if (major >= 24 && missing.length === 0) return;
  const node = major >= 24 ? process.execPath : `${root}node_modules/.bin/node`;
  if (!existsSync(node)) {
    process.stderr.write(`sellpo needs Node 24; this is ${process.version}. Run \`npm ci\` first: it installs Node 24 for the project.\n`);
    process.exit(1);
  }
  const child = spawn(node, [...missing, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  // Ctrl-C reaches the child too (same process group); signals sent to this process alone are passed on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  const code = await new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`sellpo: could not start ${node}: ${error.message}\n`);
      resolve(1);
    });
    child.on('exit', (status, signal) => resolve(status ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1)));
  });
  process.exit(code);
};
