/**
 * V8's compiled code for what the server loads at start, in <dist>/compile-cache, so that a new container's first
 * start does not compile it (adapters/http/main.ts turns the cache on). Made by importing the server's start-up
 * chunks, all but the ones that start something (what server.mjs imports dynamically), in this Node: another Node
 * version ignores the cache. Portable: keyed by paths relative to the directory, so dist/ may move.
 *
 * Node keeps the cache per user id (a directory named after it): an image that builds as root and runs as another
 * user makes it for that user with `uid` (build.mjs --compile-cache-uid=<uid>; the container's `node` is 1000).
 *
 *   node scripts/compile-cache.mjs <dist> [--uid <uid>]
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const importsOf = (file, kind) => {
  const text = readFileSync(file, 'utf8');
  const re = kind === 'dynamic' ? /\bimport\(\s*"(\.[^"]+)"\s*\)/g : /(?:^|[;\s}])import\s*(?:[^"'();]*?\bfrom\s*)?"(\.[^"]+)"/g;
  return [...text.matchAll(re)].map((m) => resolve(dirname(file), m[1]));
};

/** The files `from` imports statically, and theirs, and so on. */
const staticClosure = (from) => {
  const found = new Set();
  const pending = [...from];
  while (pending.length) {
    for (const file of importsOf(pending.pop(), 'static')) {
      if (!found.has(file)) {
        found.add(file);
        pending.push(file);
      }
    }
  }
  return found;
};

/**
 * The chunks dist/server.mjs loads at start once the cache is on: what the modules it imports dynamically import
 * statically. Neither those modules (they start the server) nor the entry's own static imports (loaded before the
 * cache is turned on) are among them.
 */
export const startupChunks = (dist) => {
  const server = join(dist, 'server.mjs');
  const starters = new Set(importsOf(server, 'dynamic'));
  const early = staticClosure([server]);
  return [...staticClosure(starters)].filter((file) => !starters.has(file) && !early.has(file)).sort();
};

/**
 * What the embedded database's worker loads at start besides its bundles: PGlite, its file system for a directory
 * on disk and its socket server (external packages, resolved as the bundles resolve them). The worker turns the
 * shipped cache on itself (adapters/postgres/pglite-worker-entry.ts); importing them here starts nothing.
 */
export const workerPackages = () =>
  ['@electric-sql/pglite', '@electric-sql/pglite/nodefs', '@electric-sql/pglite-socket'].flatMap((name) => {
    try {
      return [fileURLToPath(import.meta.resolve(name))];
    } catch {
      return [];
    }
  });

/** Writes <dist>/compile-cache for the start-up chunks, as `uid` when given (root only). Returns what it did. */
export const writeCompileCache = (dist, { uid } = {}) => {
  const started = performance.now();
  const files = [...startupChunks(dist), ...workerPackages()];
  const directory = join(dist, 'compile-cache');
  mkdirSync(directory, { recursive: true });
  if (uid !== undefined) chownSync(directory, uid, uid);
  const urls = files.map((file) => pathToFileURL(file).href);
  const script =
    `import * as m from 'node:module'; const r = m.enableCompileCache({ directory: ${JSON.stringify(directory)}, portable: true }); ` +
    `if (r.status !== m.constants.compileCacheStatus.ENABLED) { console.error(r.message ?? 'not enabled'); process.exit(1); } ` +
    `for (const u of ${JSON.stringify(urls)}) await import(u); m.flushCompileCache(); process.exit(0);`;
  // A DATABASE_URL, so nothing imported starts the embedded engine; nothing connects to it.
  const made = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, DATABASE_URL: 'postgres://build@127.0.0.1:9/none', NODE_COMPILE_CACHE: '' },
    encoding: 'utf8',
    ...(uid !== undefined ? { uid, gid: uid } : {}),
  });
  if (made.status !== 0) throw new Error(`making the compile cache failed: ${made.stderr || made.error?.message}`);
  // Node writes its entries for its user alone (0600); the program may run as another owner's reader (the image
  // copies them as root), so every user may read them.
  for (const entry of readdirSync(directory, { recursive: true, withFileTypes: true })) {
    chmodSync(join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
  return { files: files.length, ms: Math.round(performance.now() - started) };
};

if (import.meta.main) {
  const [dist, flag, value] = process.argv.slice(2);
  if (!dist || (flag !== undefined && (flag !== '--uid' || !/^\d+$/.test(value ?? '')))) {
    process.stderr.write('usage: node scripts/compile-cache.mjs <dist> [--uid <uid>]\n');
    process.exit(2);
  }
  const done = writeCompileCache(resolve(dist), flag ? { uid: Number(value) } : {});
  process.stdout.write(`${dist}/compile-cache: ${done.files} start-up files (${done.ms} ms)\n`);
}
