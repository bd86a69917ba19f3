#!/usr/bin/env node
// `npm run bench:cold`: cold start of `npm start` (scripts/start.mjs: the build check, then dist/server.mjs),
// spawn to the first 200 on GET /health, each start on a fresh data directory. The embedded default uses a
// cache directory of its own: the first start there finds no snapshot (reported apart), the later ones do.
// The production shape (PostgreSQL, provider credentials) is measured too when PostgreSQL is reachable.
//
//   BENCH_COLD_STARTS=7 npm run bench:cold
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureProjectNode, root } from '../bin/node-runtime.mjs';
import { ensureBuilt } from '../scripts/ensure-built.mjs';
import { intFromEnv, benchPostgresReachable, benchPostgresUrl, productionShapeEnv } from './env.mjs';

await ensureProjectNode();
const STARTS = intFromEnv('BENCH_COLD_STARTS', 7, 1, 50);
ensureBuilt('dist/server.mjs');

const work = join(root, '.cache', 'bench');
mkdirSync(work, { recursive: true });
const scratch = mkdtempSync(join(work, 'cold-'));
const cacheHome = join(scratch, 'xdg-cache');
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Milliseconds from spawn to the first 200 on /health. */
const startOnce = async (extraEnv) => {
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, 'scripts/start.mjs')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ACCESS_LOG: 'false', XDG_CACHE_HOME: cacheHome, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let output = '';
    const url = await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        output += d;
        const m = /"message":"listening".*?"url":"([^"]+)"/.exec(output) ?? /"url":"([^"]+)".*?"message":"listening"/.exec(output);
        if (m) resolve(m[1]);
      });
      child.stderr.on('data', (d) => (output += d));
      child.once('exit', (code) => reject(new Error(`the server exited ${code} before listening: ${output.slice(-500)}`)));
    });
    for (;;) {
      const res = await fetch(`${url}/health`).catch(() => null);
      if (res?.status === 200) return performance.now() - started;
      if (performance.now() - started > 30_000) throw new Error('no 200 on /health within 30 s');
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    child.removeAllListeners('exit');
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode === null && child.signalCode === null ? child.once('exit', r) : r()));
  }
};

const freshDataDir = () => mkdtempSync(join(scratch, 'data-'));
const embedded = () => startOnce({ DATA_DIR: freshDataDir() });

const lines = [];
const report = (name, times) => {
  const line = `${name}: median ${median(times).toFixed(0)} ms of ${times.length} (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`;
  process.stderr.write(`  ${line}\n`);
  lines.push(line);
};

report('embedded, first start (no snapshot cached)', [await embedded()]);
const warm = [];
for (let i = 0; i < STARTS; i++) warm.push(await embedded());
report('embedded, fresh data directory', warm);

const postgresReachable = await benchPostgresReachable();
if (postgresReachable) {
  const times = [];
  for (let i = 0; i < STARTS; i++) times.push(await startOnce(productionShapeEnv));
  report('PostgreSQL with provider credentials', times);
} else {
  lines.push(`PostgreSQL not reachable at ${benchPostgresUrl}: production shape not measured`);
}
process.stdout.write(`cold start of scripts/start.mjs, spawn to the first 200 on /health\n${lines.join('\n')}\n`);
