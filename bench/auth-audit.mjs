#!/usr/bin/env node
// Cost of authentication + audit on a write endpoint. One in-process HTTP server over a real database serves
// two endpoints that do the same write (draw an API key, insert it in a transaction):
//   with:    POST /v1/api-keys          owner key looked up by prefix + sha256 compare, audit entry appended
//                                        under the tenant's chain lock in the same transaction
//   without: POST /bench/keys-no-auth   public, no audit entry
// autocannon drives each on 127.0.0.1 for a bounded time, interleaved, and the script prints both figures.
//
//   BENCH_SECONDS=10 BENCH_RUNS=3 BENCH_CONNECTIONS=10 node bench/auth-audit.mjs
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (default; PGlite in memory when unreachable)
import { intFromEnv } from './env.mjs';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import * as z from 'zod';
import { ensureProjectNode } from '../bin/node-runtime.mjs';

await ensureProjectNode();
const { endpoints } = await import('../handlers/registry.ts');
const { buildRuntime } = await import('../adapters/composition.ts');
const { loadConfig } = await import('../adapters/config.ts');
const { startHttpServer } = await import('../adapters/http/server.ts');
const { pgDatabase, quoteIdent } = await import('../adapters/postgres/pg.ts');
const { openPglite } = await import('../adapters/postgres/pglite.ts');
const { loadMigrations, migrate, migrationsDirectory } = await import('../adapters/postgres/migrations.ts');
const { createAdmin, createTenant } = await import('../core/platform/tenants.ts');
const { generateKey } = await import('../core/platform/api-keys.ts');

const int = intFromEnv;
const SECONDS = int('BENCH_SECONDS', 10, 1, 120);
const RUNS = int('BENCH_RUNS', 3, 1, 9);
const CONNECTIONS = int('BENCH_CONNECTIONS', 10, 1, 500);
const URL_ = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

// The database: a throwaway schema on PostgreSQL, or PGlite in memory when PostgreSQL is not there.
let db;
let engine;
const schema = `sellpo_bench_${randomBytes(4).toString('hex')}`;
const probe = new pg.Client({ connectionString: URL_, connectionTimeoutMillis: 2_000 });
try {
  await probe.connect();
  await probe.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  await probe.end();
  engine = 'postgres';
  db = pgDatabase({
    engine: 'postgres', connectionString: URL_, max: 10, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000, schema,
    onClose: async () => {
      const c = new pg.Client({ connectionString: URL_ });
      await c.connect();
      await c.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
      await c.end();
    },
  });
} catch {
  await probe.end().catch(() => {});
  engine = 'pglite';
  db = await openPglite({ statementTimeoutMs: 0 });
}
await migrate(db, loadMigrations(migrationsDirectory()));

// The same write without credentials or audit: what the endpoint would cost if neither existed.
const noAuth = {
  id: 'bench.keysNoAuth',
  method: 'POST',
  path: '/bench/keys-no-auth',
  summary: 'Benchmark: create an API key with no authentication and no audit entry',
  tags: ['bench'],
  access: 'public',
  body: z.object({ name: z.string().trim().min(1).max(100), role: z.enum(['owner', 'member']).default('member') }),
  responses: { 201: z.object({ id: z.string(), prefix: z.string() }) },
  run: async ({ body }, { ports }) => {
    const now = ports.clock.now();
    const k = generateKey('live');
    const id = crypto.randomUUID();
    await ports.access.transaction((unit) =>
      unit.insertKey({ kind: 'tenant', id, tenantId, memberId, role: body.role, name: body.name, prefix: k.prefix, hash: k.hash, createdAt: now, lastUsedAt: null, revokedAt: null }),
    );
    return { status: 201, body: { id, prefix: k.prefix } };
  },
};

const config = loadConfig({ ...process.env, LOG_LEVEL: 'SILENT', ACCESS_LOG: 'false', PORT: '0', DATABASE_URL: '', JWT_ALG: '' });
const runtime = await buildRuntime(config, { endpoints: [...endpoints, noAuth], eagerProviders: true, background: true, meter: true, metrics: 'process', logSink: 'stdout', accessLog: null, database: db });
const origin = { actor: 'cli', requestId: null, sourceIp: null };
await createAdmin({ store: runtime.ports.access, clock: runtime.ports.clock }, { name: 'bench' }, origin);
const tenant = await createTenant({ store: runtime.ports.access, clock: runtime.ports.clock }, { name: 'bench', owner: { email: 'bench@example.com', name: 'bench' } }, origin);
const tenantId = tenant.tenant.id;
const memberId = tenant.owner.id;
const server = await startHttpServer({
  dispatch: runtime.dispatcher.dispatch, logger: runtime.logger, accessLog: null, host: '127.0.0.1', port: 0,
  keepAliveTimeoutMs: 65_000, shutdownTimeoutMs: 5_000,
});

const body = JSON.stringify({ name: 'bench key', role: 'member' });
const variants = {
  with: { path: '/v1/api-keys', headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.secret}` } },
  without: { path: '/bench/keys-no-auth', headers: { 'content-type': 'application/json' } },
};
const run = (v, seconds) =>
  autocannon({ url: `${server.url}${v.path}`, method: 'POST', headers: v.headers, body, connections: CONNECTIONS, duration: seconds });

const results = { with: [], without: [] };
await run(variants.with, 2); // warm-up (JIT, pool connections)
await run(variants.without, 2);
for (let i = 0; i < RUNS; i++) {
  for (const name of i % 2 ? ['without', 'with'] : ['with', 'without']) {
    const r = await run(variants[name], SECONDS);
    const non2xx = r.non2xx + r.errors;
    if (non2xx) process.stderr.write(`warning: ${name} had ${non2xx} non-2xx responses or errors\n`);
    results[name].push({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 });
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = Object.fromEntries(
  Object.entries(results).map(([k, rs]) => [k, { rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)) }]),
);
const perRequestUs = (1 / summary.with.rps - 1 / summary.without.rps) * 1e6 * CONNECTIONS;
const audited = await db.query('SELECT count(*)::int AS n FROM audit_log WHERE chain = $1', [tenantId]);
process.stdout.write(
  `${JSON.stringify({ engine, node: process.versions.node, seconds: SECONDS, runs: RUNS, connections: CONNECTIONS, ...summary, auditEntries: audited.rows[0].n }, null, 2)}\n` +
    `\nPOST /v1/api-keys on ${engine}, ${CONNECTIONS} connections, median of ${RUNS} x ${SECONDS}s:\n` +
    `  with auth + audit:    ${summary.with.rps.toFixed(0)} req/s  (p50 ${summary.with.p50} ms, p99 ${summary.with.p99} ms)\n` +
    `  without:              ${summary.without.rps.toFixed(0)} req/s  (p50 ${summary.without.p50} ms, p99 ${summary.without.p99} ms)\n` +
    `  cost: ${(100 * (1 - summary.with.rps / summary.without.rps)).toFixed(1)}% fewer requests/s; ` +
    `~${perRequestUs.toFixed(0)} us more per request at this concurrency\n`,
);
await server.shutdown();
await runtime.close();
await db.close();
