#!/usr/bin/env node
// Bundles every runtime artefact with esbuild: the HTTP server, the Lambda router, one Lambda bundle per
// endpoint, and the CLI. Minified ESM for Node 24 with source maps; prints a size report.
//
//   node build.mjs            build everything into dist/
//   node build.mjs --quiet    no size report (used by `npm start` when it rebuilds)
//   node build.mjs --no-embedded-snapshot
//                             without dist/pglite-snapshot (a fresh embedded data directory then starts from the
//                             user's cache, or from initdb and the migrations)
import { execSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { ensureProjectNode, root } from './bin/node-runtime.mjs';
import { bundleOptions, externals } from './scripts/bundle-options.mjs';
import { contextModule, contextsRead } from './scripts/lambda-contexts.mjs';

await ensureProjectNode();
const quiet = process.argv.includes('--quiet');
const dist = join(root, 'dist');
// Built into a fresh folder and swapped in whole, so a process running from dist/ never sees half a build.
const staging = join(root, `.dist-${process.pid}`);

if (process.argv.includes('--print-externals')) {
  process.stdout.write(`${externals.join('\n')}\n`);
  process.exit(0);
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const commit = (() => {
  if (process.env.BUILD_COMMIT) return process.env.BUILD_COMMIT;
  try {
    return execSync('git rev-parse --short=12 HEAD', { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
})();
const buildInfo = { version: pkg.version, commit, builtAt: new Date().toISOString() };

// Finds each endpoint definition's module and export name, so a per-endpoint Lambda bundle imports only it.
const endpointModules = async () => {
  const { isMetered } = await import('./handlers/toolkit.ts');
  const found = [];
  const handlersDir = join(root, 'handlers');
  for (const context of readdirSync(handlersDir, { withFileTypes: true })) {
    if (!context.isDirectory() || context.name === 'kit') continue;
    for (const file of readdirSync(join(handlersDir, context.name))) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file === 'index.ts') continue;
      const path = join(handlersDir, context.name, file);
      const mod = await import(path);
      for (const [exportName, value] of Object.entries(mod)) {
        if (value && typeof value === 'object' && typeof value.id === 'string' && typeof value.run === 'function' && typeof value.path === 'string') {
          found.push({ id: value.id, path, exportName, metered: isMetered(value) });
        }
      }
    }
  }
  return found.sort((a, b) => a.id.localeCompare(b.id));
};

const common = bundleOptions(buildInfo);

/**
 * The code a Lambda entry loads at start: the entry and every chunk it imports statically, transitively
 * (chunks imported on demand and external packages are not counted). `modules` sums the minified bytes of
 * what those files hold, by package for dependencies and by folder for our sources, to say what dominates.
 */
const loadedCode = (metafile, entry) => {
  const outputs = metafile.outputs;
  const start = Object.keys(outputs).find((file) => file.endsWith(`/${entry}.mjs`));
  const files = [];
  const pending = [start];
  while (pending.length) {
    const file = pending.pop();
    if (files.includes(file)) continue;
    files.push(file);
    for (const i of outputs[file].imports) if (i.kind === 'import-statement' && !i.external) pending.push(i.path);
  }
  const modules = {};
  for (const file of files) {
    for (const [input, { bytesInOutput }] of Object.entries(outputs[file].inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = pkg ? pkg[1] : input.split('/').slice(0, 2).join('/');
      modules[name] = (modules[name] ?? 0) + bytesInOutput;
    }
  }
  return {
    bytes: files.reduce((sum, file) => sum + outputs[file].bytes, 0),
    files: files.map((file) => relative(staging, join(root, file))).sort(),
    modules,
  };
};

const started = performance.now();
rmSync(staging, { recursive: true, force: true });
const generated = join(root, '.cache', 'entries');
rmSync(generated, { recursive: true, force: true });
mkdirSync(generated, { recursive: true });

const endpoints = await endpointModules();
// The contexts that wire themselves; each exports its wiring by its name from adapters/contexts/<name>/wire.ts.
const contextNames = (await import('./adapters/contexts/index.ts')).contexts.filter((c) => 'start' in c).map((c) => c.name);
const endpointEntries = {};
for (const e of endpoints) {
  const file = join(generated, `${e.id}.ts`);
  const rel = (p) => relative(generated, p).replaceAll('\\', '/');
  e.contexts = await contextsRead(root, e, contextNames);
  writeFileSync(
    file,
    `import { endpointLambda } from '${rel(join(root, 'adapters/lambda/endpoint.ts'))}';\n` +
      e.contexts.map((name) => `import { ${contextModule(name).exportName} } from '${rel(join(root, contextModule(name).file))}';\n`).join('') +
      `import { ${e.exportName} as definition } from '${rel(e.path)}';\n` +
      `export const handler = await endpointLambda(definition, [${e.contexts.map((name) => contextModule(name).exportName).join(', ')}]);\n`,
  );
  // Lambda handler strings are `<module>.<export>`, so the file name must not contain a dot: `platform-meta`.
  endpointEntries[`lambda/endpoints/${e.id.replaceAll('.', '-')}`] = file;
}

// Two builds, each split into shared chunks: the code an entry only loads on demand (tracing, Unleash, DynamoDB,
// the sandbox) stays out of its start-up path. The programs (server, CLI, the embedded database's worker) share
// chunks among themselves only: split together with the 200 Lambda entries, the server loaded 75 small chunks at
// start, and 26 on its own; the production shape's cold start went from 171 to 146 ms (medians of 9 interleaved
// starts), the ESM loader resolving and linking fewer files. The per-endpoint Lambda entries share chunks among
// themselves (dist/lambda/chunks) instead of each carrying a copy. Deploy dist/ whole; a function's handler names
// its entry.
const split = { ...common, splitting: true, outdir: staging, outExtension: { '.js': '.mjs' } };
const results = await Promise.all([
  build({
    ...split,
    entryPoints: {
      server: join(root, 'adapters/http/main.ts'),
      cli: join(root, 'adapters/cli/main.ts'),
      // The embedded database's worker thread (adapters/postgres/pglite.ts starts it from this file).
      'pglite-worker': join(root, 'adapters/postgres/pglite-worker-entry.ts'),
    },
    chunkNames: 'chunks/[name]-[hash]',
  }),
  build({
    ...split,
    entryPoints: { 'lambda/router': join(root, 'adapters/lambda/router.ts'), ...endpointEntries },
    chunkNames: 'lambda/chunks/[name]-[hash]',
  }),
]);
const lambdaBuild = results[1];
// The SQL migrations travel with the bundles: the server and `sellpo migrate` read them from dist/migrations.
cpSync(join(root, 'migrations'), join(staging, 'migrations'), { recursive: true });
// A fresh embedded data directory starts from a copy of one brought to these migrations, shipped in
// dist/pglite-snapshot and keyed by PGlite's version and the migrations' checksums (adapters/postgres/pglite.ts).
// Made once per set of migrations (several seconds: initdb and every migration in WebAssembly), then linked from
// the previous build.
let snapshot = null;
if (!process.argv.includes('--no-embedded-snapshot')) {
  const snapshotStarted = performance.now();
  const { loadMigrations } = await import('./adapters/postgres/migrations.ts');
  const { SHIPPED_SNAPSHOTS, writeMigratedSnapshot } = await import('./adapters/postgres/pglite.ts');
  const path = await writeMigratedSnapshot(loadMigrations(join(root, 'migrations')), join(staging, SHIPPED_SNAPSHOTS), join(dist, SHIPPED_SNAPSHOTS));
  snapshot = { path: relative(staging, path), ms: Math.round(performance.now() - snapshotStarted) };
}
// V8's compiled code for what the server loads at start (scripts/compile-cache.mjs), as --compile-cache-uid=<uid>
// when the build runs as root for a program that runs as another user (the container's Dockerfile).
let compileCache = null;
if (!process.argv.includes('--no-compile-cache')) {
  const uidFlag = process.argv.find((a) => a.startsWith('--compile-cache-uid='));
  const uid = uidFlag ? Number(uidFlag.split('=')[1]) : undefined;
  if (uid !== undefined && !Number.isInteger(uid)) throw new Error(`${uidFlag}: expected a numeric user id`);
  const { writeCompileCache } = await import('./scripts/compile-cache.mjs');
  compileCache = writeCompileCache(staging, uid !== undefined ? { uid } : {});
}
// What went into each output, for a closer look (https://esbuild.github.io/analyze/ reads it).
const merged = { inputs: {}, outputs: {} };
for (const r of results) {
  Object.assign(merged.inputs, r.metafile.inputs);
  Object.assign(merged.outputs, r.metafile.outputs);
}
writeFileSync(join(root, '.cache', 'metafile.json'), JSON.stringify(merged));
const largest = (modules, n) => Object.fromEntries(Object.entries(modules).sort((a, b) => b[1] - a[1]).slice(0, n));
const lambdas = endpoints.map((e) => ({ id: e.id, contexts: e.contexts, ...loadedCode(lambdaBuild.metafile, `lambda/endpoints/${e.id.replaceAll('.', '-')}`) }));
writeFileSync(
  join(staging, 'build.json'),
  `${JSON.stringify({ ...buildInfo, endpoints: endpoints.map((e) => e.id), lambdas: lambdas.map(({ id, contexts, bytes, files, modules }) => ({ id, contexts, bytes, files, largest: largest(modules, 10) })) }, null, 2)}\n`,
);
const retired = join(root, `.dist-old-${process.pid}`);
if (existsSync(dist)) renameSync(dist, retired);
renameSync(staging, dist);
rmSync(retired, { recursive: true, force: true });

if (!quiet) {
  const rows = [];
  for (const r of results) {
    for (const [file, out] of Object.entries(r.metafile.outputs)) {
      if (!file.endsWith('.map')) rows.push([relative(staging, join(root, file)).replace(/^/, 'dist/'), out.bytes]);
    }
  }
  rows.sort((a, b) => a[0].localeCompare(b[0]));
  const width = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(`built ${rows.length} bundles in ${Math.round(performance.now() - started)} ms (commit ${commit})\n`);
  if (snapshot) process.stdout.write(`  dist/${snapshot.path}: migrated embedded database for fresh data directories (${snapshot.ms} ms)\n`);
  if (compileCache) process.stdout.write(`  dist/compile-cache: compiled code of the server's ${compileCache.files} start-up files (${compileCache.ms} ms)\n`);
  for (const [file, bytes] of rows) process.stdout.write(`  ${file.padEnd(width)}  ${(bytes / 1024).toFixed(1).padStart(8)} kB\n`);
  const idWidth = Math.max(...lambdas.map((l) => l.id.length));
  process.stdout.write('code each per-endpoint Lambda loads at start (its entry and the chunks it imports statically), the largest parts of it and the contexts it wires\n');
  for (const l of lambdas) {
    const parts = Object.entries(largest(l.modules, 3)).map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(0)} kB`);
    process.stdout.write(`  ${l.id.padEnd(idWidth)}  ${(l.bytes / 1024).toFixed(1).padStart(8)} kB  ${l.files.length} files  (${parts.join(', ')})  [${l.contexts.join(', ') || 'platform only'}]\n`);
  }
}
