#!/usr/bin/env node
// Reservations per second on PostgreSQL through the inventory use cases (no HTTP): workers in flight reserve one
// unit each with a fresh reference, over a pool of connections, for a bounded time.
//   hot:  every reservation on one tenant's one SKU (they queue on its row lock)
//   many: the same load spread over BENCH_TENANTS tenants, one SKU each
// Each reservation locks its SKU row, checks availability, raises `reserved` and appends a ledger entry in one
// transaction. Figures are for the machine as it is (`uptime` is printed): compare the two within one run.
//
// Then the channels, over in-memory channels paced to the providers' rates (tests/inventory/fake-channel.ts:
// Naver Commerce 20 calls/s per application with one option-stock call per product, Wing 10 calls/s per vendor):
//   sync10k:  a first sync of BENCH_SYNC_LISTINGS listings (half Naver options, 10 per product, half Wing) with
//             unpaced channels: our own cost (stock read, 2 writes per listing); and the provider calls it makes
//             (Naver: a push and a read per product; Wing: a push and a read per listing), which at the
//             providers' rates give its time (calls / rate, the channels side by side)
//   paced:    the same sync of BENCH_PACED_LISTINGS listings at the providers' rates, measured, against that arithmetic
//   latency:  orders (sales) at BENCH_ORDER_RATE a second for BENCH_LATENCY_SECONDS on one tenant's 100 SKUs, each
//             listed on both channels, with the push scheduler as the server runs it (INVENTORY_PUSH_DELAY_MS 2 s):
//             from an order's commit to the first call after it on each channel that carries its SKU, p50/p99
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
const { adjustStock } = await import('../core/inventory/stock.ts');
const { putListing } = await import('../core/inventory/listings.ts');
const { syncChannels } = await import('../core/inventory/sync.ts');
const { pushChanges } = await import('../core/inventory/push.ts');
const { pushScheduler } = await import('../adapters/contexts/inventory/push-scheduler.ts');
const { fakeChannel } = await import('../tests/inventory/fake-channel.ts');

const SECONDS = intFromEnv('BENCH_SECONDS', 10, 1, 300);
const WORKERS = intFromEnv('BENCH_WORKERS', 32, 1, 1_000);
const POOL = intFromEnv('BENCH_POOL', 10, 1, 100);
const TENANTS = intFromEnv('BENCH_TENANTS', 200, 2, 100_000);
const SYNC_LISTINGS = intFromEnv('BENCH_SYNC_LISTINGS', 10_000, 20, 100_000);
const PACED_LISTINGS = intFromEnv('BENCH_PACED_LISTINGS', 200, 20, 10_000);
const ORDER_RATE = intFromEnv('BENCH_ORDER_RATE', 5, 1, 100);
const LATENCY_SECONDS = intFromEnv('BENCH_LATENCY_SECONDS', 30, 5, 600);
const PUSH_DELAY_MS = 2_000;
const NAVER_RPS = 20;
const WING_RPS = 10;

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

/** A tenant with `n` SKUs, each listed once: half Naver options (10 per product), half Wing. */
const seedListings = async (tenant, n, onHand = 100) => {
  const skus = [];
  for (let i = 0; i < n; i++) {
    const sku = `L${i}`;
    skus.push(sku);
    await createSku(deps, tenant, 'bench', { sku, name: sku, onHand });
    const naver = i % 2 === 0;
    const k = Math.floor(i / 2);
    await putListing(deps, tenant, { sku, channel: naver ? 'naver_smart_store' : 'coupang_wing', externalId: naver ? `${100000 + Math.floor(k / 10)}:${k % 10}` : `${7000000 + k}` });
  }
  return skus;
};

/**
 * Provider calls a first sync of `n` listings makes: Naver one option-stock push and one read per product (10
 * options each), Wing one push and one read per listing (its inventories endpoint reads one vendor item a call).
 */
const callsFor = (n) => {
  const naver = Math.ceil(n / 2);
  const wing = Math.floor(n / 2);
  return { naver: 2 * Math.ceil(naver / 10), wing: 2 * wing };
};
const secondsAtRates = (calls) => Math.max(calls.naver / NAVER_RPS, calls.wing / WING_RPS);

const syncRun = async (tenant, n, paced) => {
  const naver = fakeChannel({}, { batchByProduct: true, ...(paced ? { perSecond: NAVER_RPS } : {}) });
  const wing = fakeChannel({}, { readEach: true, ...(paced ? { perSecond: WING_RPS } : {}) });
  await seedListings(tenant, n);
  const d = { ...deps, channels: { naver_smart_store: naver, coupang_wing: wing } };
  const started = performance.now();
  const r = await syncChannels(d, tenant);
  const seconds = (performance.now() - started) / 1000;
  const calls = { naver: naver.calls.length, wing: wing.calls.length };
  return { listings: r.listings, pushed: r.pushed, failures: r.failures.length, calls, seconds: Number(seconds.toFixed(2)), secondsAtProviderRates: Number(secondsAtRates(calls).toFixed(1)) };
};

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Orders at ORDER_RATE/s on 100 SKUs listed on both channels; latency from each order's commit to its pushes. */
const latencyRun = async (tenant) => {
  const naver = fakeChannel({}, { batchByProduct: true, perSecond: NAVER_RPS });
  const wing = fakeChannel({}, { perSecond: WING_RPS, readEach: true });
  const d = { ...deps, channels: { naver_smart_store: naver, coupang_wing: wing } };
  const skus = [];
  for (let i = 0; i < 100; i++) {
    const sku = `O${i}`;
    skus.push(sku);
    await createSku(d, tenant, 'bench', { sku, name: sku, onHand: 1_000_000 });
    await putListing(d, tenant, { sku, channel: 'naver_smart_store', externalId: `${200000 + Math.floor(i / 10)}:${i % 10}` });
    await putListing(d, tenant, { sku, channel: 'coupang_wing', externalId: `${8000000 + i}` });
  }
  await syncChannels(d, tenant);
  naver.calls.length = 0;
  wing.calls.length = 0;
  const scheduler = pushScheduler({ delayMs: PUSH_DELAY_MS, push: (t, changed, skip) => pushChanges(d, t, { skus: changed, skip }), onError: () => {} });
  const withChanges = { ...d, changes: scheduler };
  const orders = [];
  const total = ORDER_RATE * LATENCY_SECONDS;
  const started = Date.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / ORDER_RATE;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const sku = skus[Math.floor(Math.random() * skus.length)];
    await adjustStock(withChanges, tenant, 'bench', sku, { delta: -1, reason: 'sale', reference: `order-${i}` });
    orders.push({ sku, at: Date.now() });
  }
  await scheduler.idle();
  await scheduler.close();
  const naverId = (sku) => { const i = Number(sku.slice(1)); return `${200000 + Math.floor(i / 10)}:${i % 10}`; };
  const firstAfter = (fake, id, at) => fake.calls.find((c) => c.at >= at && c.externalIds.includes(id))?.at;
  const latencies = orders.map((o) => Math.max(firstAfter(naver, naverId(o.sku), o.at) - o.at, firstAfter(wing, `${8000000 + Number(o.sku.slice(1))}`, o.at) - o.at)).sort((a, b) => a - b);
  const missing = latencies.filter((l) => !Number.isFinite(l)).length;
  const found = latencies.filter((l) => Number.isFinite(l));
  return {
    orders: orders.length, perSecond: ORDER_RATE, pushDelayMs: PUSH_DELAY_MS, notPushed: missing,
    p50Ms: percentile(found, 50), p99Ms: percentile(found, 99), maxMs: found.at(-1),
    calls: { naver: naver.calls.length, wing: wing.calls.length },
  };
};

try {
  await createSku(deps, 'hot-tenant', 'bench', { sku: 'SKU', name: 'hot', onHand: STOCK });
  const tenants = Array.from({ length: TENANTS }, (_, i) => `tenant-${i}`);
  for (const t of tenants) await createSku(deps, t, 'bench', { sku: 'SKU', name: 'spread', onHand: STOCK });
  const hot = await run('hot', () => 'hot-tenant');
  const many = await run('many', (n) => tenants[n % TENANTS]);
  const sync10k = await syncRun('sync-unpaced', SYNC_LISTINGS, false);
  const paced = await syncRun('sync-paced', PACED_LISTINGS, true);
  paced.predictedSeconds = Number(secondsAtRates(callsFor(PACED_LISTINGS)).toFixed(2));
  sync10k.predictedCalls = callsFor(SYNC_LISTINGS);
  const latency = await latencyRun('latency');
  const load = execFileSync('uptime', { encoding: 'utf8' }).trim();
  const out = {
    workers: WORKERS, pool: POOL, tenants: TENANTS, seconds: SECONDS, hot, many, manyOverHot: Number((many.perSecond / hot.perSecond).toFixed(2)),
    sync: { unpaced: sync10k, paced }, orderToChannels: latency, uptime: load,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  await db.close();
}
