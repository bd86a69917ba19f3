#!/usr/bin/env node
// `npm run bench:cold`: cold start, spawn to the first 200 on GET /health (which answers 200 only once the
// database answers a query), each case started BENCH_COLD_STARTS times, the cases interleaved, medians:
// - the embedded default: `npm start` (scripts/start.mjs: the build check, then dist/server.mjs) on a fresh data
//   directory, with an empty user cache: the directory starts from the copy the build ships in dist/pglite-snapshot;
// - PGlite alone opening an already migrated directory and answering SELECT 1 (its own floor, no server);
// - the production shape (PostgreSQL, provider credentials) and fastify 5, when PostgreSQL is reachable.
// BENCH_COLD_BASELINE=<path to another build's server.mjs> adds that build on a fresh data directory, interleaved
// with ours (after one start of its own that fills its user cache, reported apart).
//
//   BENCH_COLD_STARTS=7 npm run bench:cold
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureProjectNode, root } from '../bin/node-runtime.mjs';
import { ensureBuilt } from '../scripts/ensure-built.mjs';
import { intFromEnv, benchPostgresReachable, benchPostgresUrl, productionShapeEnv } from './env.mjs';

await ensureProjectNode();
const STARTS = intFromEnv('BENCH_COLD_STARTS', 7, 1, 50);
const BASELINE = process.env.BENCH_COLD_BASELINE ? resolve(process.env.BENCH_COLD_BASELINE) : null;
ensureBuilt('dist/server.mjs');

const work = join(root, '.cache', 'bench');
mkdirSync(work, { recursive: true });
const scratch = mkdtempSync(join(work, 'cold-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/**
 * CPU the process has used (user and system, all its threads), in ms, from /proc on Linux; null elsewhere. On a
 * shared machine the wall time follows the load, the CPU much less so: both are reported.
 */
const cpuMs = (pid) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
};
const LISTENING = [/"message":"listening".*?"url":"([^"]+)"/, /"url":"([^"]+)".*?"message":"listening"/];

/** Milliseconds from spawn to the first 200 on /health, and the CPU the server used until then. */
const startOnce = async (script, extraEnv) => {
  const started = performance.now();
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ACCESS_LOG: 'false', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let output = '';
    const url = await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        output += d;
        const m = LISTENING.map((re) => re.exec(output)).find(Boolean);
        if (m) resolve(m[1]);
      });
      child.stderr.on('data', (d) => (output += d));
      child.once('exit', (code) => reject(new Error(`${script} exited ${code} before listening: ${output.slice(-500)}`)));
    });
    for (;;) {
      const res = await fetch(`${url}/health`).catch(() => null);
      if (res?.status === 200) return { ms: performance.now() - started, cpu: cpuMs(child.pid) };
      if (performance.now() - started > 60_000) throw new Error(`${script}: no 200 on /health within 60 s`);
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    child.removeAllListeners('exit');
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode === null && child.signalCode === null ? child.once('exit', r) : r()));
  }
};

/** Milliseconds from spawn to PGlite (alone, no server) answering SELECT 1 on an already migrated directory. */
const pgliteOnce = async (dataDir) => {
  const started = performance.now();
  const code =
    "const { PGlite } = await import('@electric-sql/pglite');" +
    "const db = new PGlite({ dataDir: process.env.PGLITE_DIR, startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB', '-c', 'max_connections=10'] });" +
    "await db.query('SELECT 1'); process.stdout.write('ready'); process.exit(0);";
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: root, env: { ...process.env, PGLITE_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      output += d;
      if (output.includes('ready')) resolve();
    });
    child.stderr.on('data', (d) => (output += d));
    child.once('exit', (c) => (output.includes('ready') ? resolve() : reject(new Error(`PGlite did not start: ${output.slice(-500)}`))));
  });
  const ms = performance.now() - started;
  const cpu = cpuMs(child.pid);
  child.kill('SIGKILL');
  return { ms, cpu };
};

const shipped = join(root, 'dist', 'pglite-snapshot');
const shippedCopy = existsSync(shipped) ? readdirSync(shipped).find((f) => f.includes('-migrated-')) : undefined;
const fresh = (name) => mkdtempSync(join(scratch, `${name}-`));
/** A fresh data directory and an empty user cache for each start: what a first `npm start` meets. */
const embedded = (script) => () => startOnce(script, { DATA_DIR: join(fresh('data'), 'd'), XDG_CACHE_HOME: fresh('xdg') });

const cases = [{ name: `embedded, npm start on a fresh data directory${shippedCopy ? '' : ' (no copy in dist/pglite-snapshot: initdb and migrations)'}`, run: embedded(join(root, 'scripts/start.mjs')) }];
if (BASELINE) {
  // Its own cache, kept between its starts: an older build keeps its migrated copy there.
  const cache = fresh('baseline-xdg');
  const first = await startOnce(BASELINE, { DATA_DIR: join(fresh('data'), 'd'), XDG_CACHE_HOME: cache });
  process.stderr.write(`  baseline ${BASELINE}, first start (fills its cache): ${first.ms.toFixed(0)} ms\n`);
  cases.push({ name: `baseline ${BASELINE}, fresh data directory`, run: () => startOnce(BASELINE, { DATA_DIR: join(fresh('data'), 'd'), XDG_CACHE_HOME: cache }) });
  // Ours the same way (without npm start's build check), for a like-for-like comparison.
  cases.push({ name: 'dist/server.mjs, fresh data directory', run: embedded(join(root, 'dist/server.mjs')) });
}
if (shippedCopy) {
  // PGlite's own floor: the same migrated directory, already in place (a restart, without the server around it).
  const manifest = JSON.parse(readFileSync(join(shipped, shippedCopy, 'manifest.json'), 'utf8'));
  cases.push({
    name: 'PGlite alone, opening a migrated directory, to SELECT 1',
    run: async () => {
      const dir = join(fresh('pglite'), 'pgdata');
      cpSync(join(shipped, shippedCopy, 'pgdata'), dir, { recursive: true });
      // The copy keeps files without their trailing zeros; PostgreSQL wants them at full length.
      const { truncateSync } = await import('node:fs');
      for (const [path, , size] of manifest.files) if (size !== undefined) truncateSync(join(dir, path), size);
      return pgliteOnce(dir);
    },
  });
}
const postgresReachable = await benchPostgresReachable();
if (postgresReachable) cases.push({ name: 'PostgreSQL with provider credentials (production shape)', run: () => startOnce(join(root, 'dist/server.mjs'), productionShapeEnv) });
cases.push({ name: 'fastify 5 (bench/fastify-server.mjs)', run: () => startOnce(join(root, 'bench/fastify-server.mjs'), {}) });

const times = cases.map(() => []);
for (let i = 0; i < STARTS; i++) {
  for (const [k, c] of cases.entries()) {
    const r = await c.run();
    times[k].push(r);
    process.stderr.write(`  ${c.name}, start ${i + 1}: ${r.ms.toFixed(0)} ms${r.cpu === null ? '' : `, CPU ${r.cpu.toFixed(0)} ms`}\n`);
  }
}
const lines = cases.map((c, k) => {
  const t = times[k].map((r) => r.ms);
  const cpu = times[k].map((r) => r.cpu).filter((x) => x !== null);
  const cpuPart = cpu.length === t.length ? `; CPU median ${median(cpu).toFixed(0)} ms (min ${Math.min(...cpu).toFixed(0)}, max ${Math.max(...cpu).toFixed(0)})` : '';
  return `${c.name}: median ${median(t).toFixed(0)} ms of ${t.length} (min ${Math.min(...t).toFixed(0)}, max ${Math.max(...t).toFixed(0)})${cpuPart}`;
});
if (!postgresReachable) lines.push(`PostgreSQL not reachable at ${benchPostgresUrl}: production shape not measured`);
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
process.stdout.write(`cold start, spawn to the first 200 on /health, ${STARTS} starts per case interleaved (load average at the end ${load})\n${lines.join('\n')}\n`);
