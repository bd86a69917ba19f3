#!/usr/bin/env node
// `npm run bench`: our bundled server against fastify 5 on the same two endpoints (GET /health and a small
// zod-validated POST), access logging on in both (one line per request to /dev/null), driven by autocannon on
// loopback. Server and load generator are pinned to different cores. Runs are interleaved after a warm-up and
// the median is reported. With PostgreSQL reachable, also the tenant's path (an API key, metering, one indexed
// query, a mix of 8 tenant endpoints) against /health on the same server. Also measures cold start: spawn to
// first 200 on /health.
//
//   BENCH_SECONDS=10 BENCH_RUNS=3 BENCH_WARMUP=5 BENCH_CONNECTIONS=50 npm run bench
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ensureProjectNode, root } from '../bin/node-runtime.mjs';
import { bundleOptions } from '../scripts/bundle-options.mjs';
import { ensureBuilt } from '../scripts/ensure-built.mjs';
import { intFromEnv, benchPostgresReachable, productionShapeEnv } from './env.mjs';

await ensureProjectNode();
// The cold starts run dist/server.mjs (and its dist/pglite-snapshot): what is on disk, built.
ensureBuilt('dist/server.mjs');
const env = intFromEnv;
const SECONDS = env('BENCH_SECONDS', 10, 1, 120);
const RUNS = env('BENCH_RUNS', 3, 1, 9);
const WARMUP = env('BENCH_WARMUP', 5, 0, 60);
const CONNECTIONS = env('BENCH_CONNECTIONS', 50, 1, 1000);
const COLD_STARTS = env('BENCH_COLD_STARTS', 7, 1, 50);

const cache = join(root, '.cache', 'bench');
mkdirSync(cache, { recursive: true });
const node = process.execPath;
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const pinned = (cpu, args) => (hasTaskset ? ['taskset', ['-c', String(cpu), node, ...args]] : [node, args]);

// Our server, bundled exactly as build.mjs bundles dist/server.mjs, plus the benchmark POST endpoint.
const ours = join(cache, 'ours.mjs');
await build({ ...bundleOptions({ version: 'bench', commit: 'bench', builtAt: new Date().toISOString() }), entryPoints: [join(root, 'bench/bench-endpoints.ts')], outfile: ours });
const fastify = join(root, 'bench/fastify-server.mjs');

const devNull = openSync('/dev/null', 'w');
/** Starts a server pinned to core 1 with the given environment; resolves once it says where it listens. */
const startServer = (script, env = { DATA_DIR: 'memory://' }) =>
  new Promise((resolve, reject) => {
    const [cmd, args] = pinned(1, [script]);
    const child = spawn(cmd, args, { env: { ...process.env, ...env, PORT: '0', HOST: '127.0.0.1', ACCESS_LOG: 'true', LOG_LEVEL: 'INFO' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /"message":"listening".*?"url":"([^"]+)"/.exec(out) ?? /"url":"([^"]+)".*?"message":"listening"/.exec(out);
      if (m) {
        // From here on, log lines go nowhere, as they would to a log shipper that keeps up.
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve({ child, url: m[1] });
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}: ${out}`)));
  });

const load = (url, method, seconds, body) => {
  const [cmd, args] = pinned(0, [join(root, 'bench/load.mjs'), url, method, String(seconds), String(CONNECTIONS), body ?? '']);
  const run = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`load generator failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
};

const order = JSON.stringify({ sku: 'CAMP-CHAIR-01', quantity: 3, unitPrice: 39000, note: '캠핑의자' });
const cases = [
  { name: 'GET /health', method: 'GET', path: '/health' },
  { name: 'POST /bench/orders', method: 'POST', path: '/bench/orders', body: order },
];
const stacks = [
  { name: 'sellpo', script: ours },
  { name: 'fastify', script: fastify },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
const servers = {};
for (const s of stacks) servers[s.name] = await startServer(s.script);
// Never leave a server behind, even when a run fails.
process.on('exit', () => {
  for (const s of Object.values(servers)) s.child.kill('SIGKILL');
});
// stdout of the servers is drained to nothing; logging still formats and writes every line.
void devNull;

for (const c of cases) {
  for (const s of stacks) if (WARMUP) load(`${servers[s.name].url}${c.path}`, c.method, WARMUP, c.body);
  for (let i = 0; i < RUNS; i++) {
    for (const s of stacks) {
      const r = load(`${servers[s.name].url}${c.path}`, c.method, SECONDS, c.body);
      ((results[c.name] ??= {})[s.name] ??= []).push(r);
      process.stderr.write(`  ${c.name.padEnd(20)} ${s.name.padEnd(8)} run ${i + 1}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}\n`);
    }
  }
}
for (const s of stacks) servers[s.name].child.kill('SIGTERM');

// The tenant's path on PostgreSQL (when it is here): the same bundled server with provider credentials, a tenant
// on the pro plan whose administrator-set budget (`sellpo tenants budget`) the run cannot spend, its API key on
// every request. Compared with /health on the same server, runs interleaved.
const tenantResults = {};
let tenantLoadAverage = null;
if (await benchPostgresReachable()) {
  const { benchTenants } = await import('./tenants.mjs');
  const { endpoints } = await import('../handlers/registry.ts');
  const example = (id) => endpoints.find((e) => e.id === id).example;
  const setup = await benchTenants({ count: 1, prefix: 'sellpo_bench_tenant', apiCallsPerDay: 1_000_000_000 });
  const tenant = setup.tenants[0];
  const server = await startServer(ours, { ...productionShapeEnv, DATABASE_URL: setup.databaseUrl });
  servers.tenant = server;
  const margin = example('analysis.margin');
  const summary = { method: 'POST', path: '/v1/analysis/margin?view=summary', body: margin };
  const members = { method: 'GET', path: '/v1/members' };
  const tenantCases = [
    { name: 'GET /health', requests: [{ method: 'GET', path: '/health' }] },
    { name: 'POST /v1/analysis/margin?view=summary', requests: [summary] },
    { name: 'GET /v1/members', requests: [members] },
    {
      name: 'mixed, 8 tenant endpoints',
      requests: [
        summary,
        { method: 'POST', path: '/v1/analysis/margin', body: margin },
        { method: 'POST', path: '/v1/analysis/margin/compare', body: example('analysis.marginCompare') },
        { method: 'GET', path: '/v1/analysis/fee-tables?date=2025-06-02' },
        members,
        { method: 'GET', path: '/v1/api-keys?limit=20' },
        { method: 'GET', path: '/v1/billing/subscription' },
        { method: 'GET', path: '/v1/audit?limit=20' },
      ],
    },
  ];
  const tenantLoad = (c, seconds) => {
    const spec = JSON.stringify({ authorization: `Bearer ${tenant.secret}`, requests: c.requests });
    const [cmd, args] = pinned(0, [join(root, 'bench/tenant-load.mjs'), server.url, spec, String(seconds), String(CONNECTIONS)]);
    const run = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (run.status !== 0) throw new Error(`load generator failed: ${run.stderr}`);
    return JSON.parse(run.stdout);
  };
  if (WARMUP) for (const c of tenantCases) tenantLoad(c, WARMUP);
  for (let i = 0; i < RUNS; i++) {
    for (const c of tenantCases) {
      const r = tenantLoad(c, SECONDS);
      (tenantResults[c.name] ??= []).push(r);
      process.stderr.write(`  ${c.name.padEnd(40)} run ${i + 1}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}\n`);
    }
  }
  tenantLoadAverage = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  server.child.removeAllListeners('exit');
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  delete servers.tenant;
  await setup.close();
}

// Cold start: spawn to the first 200 on /health, for the embedded default (a fresh data directory, which starts from
// the migrated copy the build ships, and an empty user cache; provider sandboxes started) and for the production
// shape (PostgreSQL, provider credentials configured), when PostgreSQL is here; the cases interleaved, medians.
// The server starts from the compiled code the build ships (dist/compile-cache, adapters/http/main.ts), as a new
// container's first start does; the production shape is measured without it too. `npm run bench:cold` says more.
const startOnce = async (script, env) => {
  const started = performance.now();
  const child = spawn(node, [script], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ACCESS_LOG: 'false', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const onData = (d) => {
      output += d;
      const m = /"message":"listening".*?"url":"([^"]+)"/.exec(output) ?? /"url":"([^"]+)".*?"message":"listening"/.exec(output);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (output += d));
    child.once('exit', (code) => reject(new Error(`${script} exited ${code} before listening: ${output.slice(-500)}`)));
  });
  child.stdout.resume();
  for (;;) {
    const res = await fetch(`${url}/health`).catch(() => null);
    if (res?.status === 200) break;
    if (performance.now() - started > 20_000) throw new Error(`${script} did not answer /health with 200 within 20 s`);
    await new Promise((r) => setTimeout(r, 2));
  }
  const ms = performance.now() - started;
  child.removeAllListeners('exit');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  return ms;
};
const postgresReachable = await benchPostgresReachable();
const server = join(root, 'dist/server.mjs');
const coldCases = {
  embedded: () => {
    const dir = mkdtempSync(join(cache, 'cold-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    return [server, { DATA_DIR: join(dir, 'data'), XDG_CACHE_HOME: join(dir, 'xdg') }];
  },
  ...(postgresReachable
    ? {
        postgres: () => [server, productionShapeEnv],
        postgresUncompiled: () => [server, { ...productionShapeEnv, NODE_DISABLE_COMPILE_CACHE: '1' }],
      }
    : {}),
  fastify: () => [fastify, {}],
};
const coldTimes = Object.fromEntries(Object.keys(coldCases).map((k) => [k, []]));
for (let i = 0; i < COLD_STARTS; i++) for (const [k, make] of Object.entries(coldCases)) coldTimes[k].push(await startOnce(...make()));
const cold = Object.fromEntries(Object.entries(coldTimes).map(([k, ts]) => [k, median(ts)]));
cold.postgres ??= null;

const lines = [];
lines.push(`autocannon, ${CONNECTIONS} connections, ${RUNS} x ${SECONDS} s per stack after ${WARMUP} s warm-up, medians; server and load ${hasTaskset ? 'pinned to cores 1 and 0' : 'not pinned (no taskset)'}; access log on in both`);
lines.push('| endpoint | stack | req/s | p50 ms | p99 ms | non-2xx | errors |');
lines.push('|---|---|---:|---:|---:|---:|---:|');
for (const c of cases) {
  for (const s of stacks) {
    const rs = results[c.name][s.name];
    lines.push(`| ${c.name} | ${s.name} | ${Math.round(median(rs.map((r) => r.rps)))} | ${median(rs.map((r) => r.p50))} | ${median(rs.map((r) => r.p99))} | ${rs.reduce((a, r) => a + r.non2xx, 0)} | ${rs.reduce((a, r) => a + r.errors, 0)} |`);
  }
  const ratio = median(results[c.name].sellpo.map((r) => r.rps)) / median(results[c.name].fastify.map((r) => r.rps));
  lines.push(`| ${c.name} | **ours/fastify** | **${ratio.toFixed(2)}** | | | | |`);
}
lines.push('');
lines.push(
  `cold start, spawn to first 200 on /health (median of ${COLD_STARTS}, interleaved): sellpo ${cold.postgres === null ? '(PostgreSQL not reachable)' : `${cold.postgres.toFixed(0)} ms on PostgreSQL with provider credentials (${cold.postgresUncompiled.toFixed(0)} ms without the shipped compile cache)`}, ` +
    `${cold.embedded.toFixed(0)} ms on the embedded default (a fresh data directory, sandboxes); fastify ${cold.fastify.toFixed(0)} ms`,
);
if (Object.keys(tenantResults).length) {
  lines.push('');
  lines.push(
    `tenant path on PostgreSQL (bundled server, provider credentials, one pro-plan tenant with an administrator-set budget, API key on every request), ` +
      `${CONNECTIONS} connections, ${RUNS} x ${SECONDS} s interleaved, medians; load average at the end ${tenantLoadAverage}`,
  );
  lines.push('| request | req/s | vs /health | p50 ms | p99 ms | non-2xx | errors |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|');
  const health = median(tenantResults['GET /health'].map((r) => r.rps));
  for (const [name, rs] of Object.entries(tenantResults)) {
    const rps = median(rs.map((r) => r.rps));
    lines.push(`| ${name} | ${Math.round(rps)} | ${(rps / health).toFixed(2)} | ${median(rs.map((r) => r.p50))} | ${median(rs.map((r) => r.p99))} | ${rs.reduce((a, r) => a + r.non2xx, 0)} | ${rs.reduce((a, r) => a + r.errors, 0)} |`);
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
