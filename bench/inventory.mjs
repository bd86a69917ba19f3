#!/usr/bin/env node
// Reservations per second on PostgreSQL through the inventory use cases (no HTTP): workers in flight reserve one
// unit each with a fresh reference, over a pool of connections, for a bounded time.
//   hot:  every reservation on one tenant's one SKU (they queue on its row lock)
//   many: the same load spread over BENCH_TENANTS tenants, one SKU each
// Each reservation locks its SKU row, checks availability, raises `reserved` and appends a ledger entry in one
// transaction. Figures are for the machine as it is (`uptime` is printed): compare the two within one run.
//
//   BENCH_SECONDS=10 BENCH_WORKERS=32 BENCH_POOL=10 BENCH_TENANTS=200 node bench/inventory.mjs
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (default)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { benchPostgresReachable, benchPostgresUrl, intFromEnv } from './env.mjs';
import { ensureProjectNode } from '../bin/node-runtime.mjs';

await ensureProjectNode();
const { pgDatabase, quoteIdent } = await import('../adapters/postgres/pg.ts');
const { loadMigrations, migrate, migrationsDirectory } = await import('../adapters/postgres/migrations.ts');
const { postgresInventoryStore } = await import('../adapters/postgres/inventory.ts');
const { createSku } = await import('../core/inventory/stock.ts');
const { reserve } = await import('../core/inventory/reservations.ts');

const SECONDS = intFromEnv('BENCH_SECONDS', 10, 1, 300);
const WORKERS = intFromEnv('BENCH_WORKERS', 32, 1, 1_000);
const POOL = intFromEnv('BENCH_POOL', 10, 1, 100);
const TENANTS = intFromEnv('BENCH_TENANTS', 200, 2, 100_000);

if (!(await benchPostgresReachable())) {
  process.stderr.write(`PostgreSQL is not reachable at ${benchPostgresUrl}: this benchmark measures PostgreSQL only\n`);
  process.exit(1);
}
const schema = `sellpo_bench_inventory_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: benchPostgresUrl });
await admin.connect();
await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
await admin.end();
const db = pgDatabase({
  engine: 'postgres', connectionString: benchPostgresUrl, max: POOL, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000, schema,
  onClose: async () => {
    const c = new pg.Client({ connectionString: benchPostgresUrl });
    await c.connect();
    await c.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
    await c.end();
  },
});
await migrate(db, loadMigrations(migrationsDirectory()));

const deps = {
  store: postgresInventoryStore(db),
  channels: {},
  policy: { defaultReservationSeconds: 900, maxReservationSeconds: 86_400 },
  clock: { now: () => new Date() },
};
const STOCK = 1_000_000_000;

/** Workers reserve one unit each, one after another, until the time is up; answers reservations per second. */
const run = async (label, tenantOf) => {
  let done = 0;
  let seq = 0;
  const until = Date.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (Date.now() < until) {
        const n = seq++;
        await reserve(deps, tenantOf(n), 'bench', { reference: `${label}-${n}`, lines: [{ sku: 'SKU', quantity: 1 }] });
        done++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { label, reservations: done, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(done / seconds) };
};

try {
  await createSku(deps, 'hot-tenant', 'bench', { sku: 'SKU', name: 'hot', onHand: STOCK });
  const tenants = Array.from({ length: TENANTS }, (_, i) => `tenant-${i}`);
  for (const t of tenants) await createSku(deps, t, 'bench', { sku: 'SKU', name: 'spread', onHand: STOCK });
  const hot = await run('hot', () => 'hot-tenant');
  const many = await run('many', (n) => tenants[n % TENANTS]);
  const load = execFileSync('uptime', { encoding: 'utf8' }).trim();
  const out = { workers: WORKERS, pool: POOL, tenants: TENANTS, seconds: SECONDS, hot, many, manyOverHot: Number((many.perSecond / hot.perSecond).toFixed(2)), uptime: load };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  await db.close();
}
