#!/usr/bin/env node
// Lays out what the runtime image holds, from a built checkout (after `npm ci` and `node build.mjs`):
//
//   <out>/dist/                  the bundles (server, cli, Lambda router and per-endpoint handlers, shared
//                                chunks); source maps only with --source-maps (Node reads them only under
//                                --enable-source-maps, which costs memory; keep dist/ from CI to symbolicate)
//   <out>/migrations/            the SQL migrations, when the build did not already put them in dist/
//   <out>/container/entrypoint.sh
//   <out>/node_modules/<pkg>     only the packages the bundles leave external (`node build.mjs --print-externals`)
//
//   node container/assemble.mjs <out-dir> [--from <checkout>] [--source-maps]
//
// The Dockerfile runs this in its build stage and copies <out> into the runtime stage; the deploy tests run the
// same layout, so what they exercise is what the image ships.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Per-package trimming. aws-lambda-ric's index.mjs already bundles its JavaScript dependencies; node-gyp,
// node-addon-api and the deps/ and src/ trees only build rapid-client.node, so the image needs none of them.
const TRIM = {
  'aws-lambda-ric': {
    keep: ['package.json', 'index.mjs', 'rapid-client.node', 'LICENSE', 'NOTICE', 'THIRD-PARTY-LICENSES', 'README.md'],
    bundled: ['@aws/lambda-invoke-store', 'node-addon-api', 'node-gyp'],
  },
};

const fail = (message) => {
  process.stderr.write(`assemble: ${message}\n`);
  process.exit(1);
};

const args = process.argv.slice(2);
const fromIndex = args.indexOf('--from');
const from = resolve(fromIndex === -1 ? fileURLToPath(new URL('..', import.meta.url)) : (args[fromIndex + 1] ?? fail('--from needs a directory')));
const sourceMaps = args.includes('--source-maps');
const unknown = args.find((a) => a.startsWith('--') && !['--from', '--source-maps'].includes(a));
if (unknown) fail(`unknown option ${unknown}`);
const out = args.find((a, i) => !a.startsWith('--') && (fromIndex === -1 || i !== fromIndex + 1));
if (!out) fail('usage: node container/assemble.mjs <out-dir> [--from <checkout>] [--source-maps]');
const outDir = resolve(out);
if (outDir === from) fail('the output directory must differ from the checkout');

if (!existsSync(join(from, 'dist/server.mjs'))) fail(`${from}/dist/server.mjs is missing: run \`node build.mjs\` first`);
const printed = spawnSync(process.execPath, ['build.mjs', '--print-externals'], { cwd: from, encoding: 'utf8' });
if (printed.status !== 0) fail(`node build.mjs --print-externals failed:\n${printed.stderr}`);
const externals = printed.stdout.split('\n').filter(Boolean);
const pkg = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'));
const declared = { ...pkg.dependencies, ...pkg.optionalDependencies };

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
cpSync(join(from, 'dist'), join(outDir, 'dist'), { recursive: true, filter: (p) => sourceMaps || !p.endsWith('.map') });
if (!existsSync(join(from, 'dist/migrations')) && existsSync(join(from, 'migrations'))) {
  cpSync(join(from, 'migrations'), join(outDir, 'migrations'), { recursive: true });
}
mkdirSync(join(outDir, 'container'));
cpSync(join(from, 'container/entrypoint.sh'), join(outDir, 'container/entrypoint.sh'));

const copied = new Set();
const copyPackage = (name) => {
  if (copied.has(name)) return;
  const src = join(from, 'node_modules', name);
  if (!existsSync(join(src, 'package.json'))) fail(`${name} is not installed in ${from}/node_modules (run \`npm ci\`)`);
  copied.add(name);
  const dest = join(outDir, 'node_modules', name);
  const trim = TRIM[name];
  if (trim) {
    mkdirSync(dest, { recursive: true });
    for (const file of trim.keep) if (existsSync(join(src, file))) cpSync(join(src, file), join(dest, file));
  } else {
    // Source maps of third-party code are dead weight in the image; nested node_modules are resolved below.
    cpSync(src, dest, { recursive: true, filter: (p) => !p.endsWith('.map') && !p.slice(src.length).includes('/node_modules/') });
  }
  const meta = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8'));
  for (const dep of Object.keys(meta.dependencies ?? {})) {
    if (trim?.bundled.includes(dep)) continue;
    // A package that needs a nested copy of its own would be resolved wrongly once flattened: refuse.
    if (existsSync(join(src, 'node_modules', dep))) fail(`${name} needs its own copy of ${dep}; teach assemble.mjs about it`);
    copyPackage(dep);
  }
};

for (const name of externals) {
  if (!(name in declared)) {
    // Externals the project does not depend on (pg-native: pg falls back to JavaScript) stay out.
    if (existsSync(join(from, 'node_modules', name))) process.stderr.write(`assemble: skipping ${name} (not a dependency in package.json)\n`);
    continue;
  }
  copyPackage(name);
}

const size = (p) => (statSync(p).isDirectory() ? readdirSync(p).reduce((n, f) => n + size(join(p, f)), 0) : statSync(p).size);
const mb = (p) => `${(size(p) / 1024 / 1024).toFixed(1)} MB`;
process.stdout.write(
  `assembled ${outDir}: dist ${mb(join(outDir, 'dist'))}, node_modules ${mb(join(outDir, 'node_modules'))} ` +
    `(${[...copied].sort().join(', ')}), total ${mb(outDir)}\n`,
);
