/**
 * The daily budget spent through leased slices by several runtimes sharing one PostgreSQL database, as several
 * server processes would: however they interleave, they serve exactly the plan's calls, never one more, and a
 * closing runtime gives back what it leased and did not spend.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgDatabase } from '../../adapters/postgres/pg.ts';
import type { Database } from '../../adapters/postgres/database.ts';
import { postgresUnavailable, TEST_POSTGRES_URL, withPostgres, type TestDatabase } from '../helpers/database.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { bearer, seedTenant } from '../platform/fixtures.ts';

const RUNTIMES = 4;
const BATCH = 25;
const body = {
  saleDate: '2025-06-02',
  category: 'kitchen',
  purchase: { unitPriceFen: 2350, quantity: 100 },
  exchange: { cnyKrw: 190, usdKrw: 1380, source: 'test', asOf: '2025-06-01' },
  freight: { ratePerKgKrw: 4000, unitWeightGrams: 300 },
  customs: { importType: 'bulk' },
  selling: { channel: 'naver_smart_store', salePriceKrw: 19_900 },
};

/** A paid subscription row, as the billing store holds one after a charge. */
const subscribe = async (db: Database, tenantId: string, planId: string) => {
  const now = new Date();
  const keyId = randomUUID();
  await db.query(`INSERT INTO billing_keys (id, tenant_id, customer_key, key_id, sealed, card_number, created_at) VALUES ($1, $2, 'c', 'k1', NULL, '4330-****-****-1234', $3)`, [keyId, tenantId, now]);
  await db.query(
    `INSERT INTO subscriptions (id, tenant_id, state, plan_id, plan_version, amount_krw, anchor, period_index, current_period_start, current_period_end, billing_key_id, customer_key, created_at, version)
     VALUES ($1, $2, 'active', $3, 1, 29000, $4, 0, $4, $5, $6, 'c', $4, 1)`,
    [randomUUID(), tenantId, planId, now, new Date(now.getTime() + 20 * 86_400_000), keyId],
  );
};

const sharedCount = async (db: Database, tenantId: string): Promise<number> =>
  Number((await db.query<{ count: string }>('SELECT count FROM rate_counters WHERE name = $1', [`billing:api-calls:${tenantId}`])).rows[0]?.count ?? 0);

describe.skipIf((await postgresUnavailable()) !== null)(`the daily budget spent by ${RUNTIMES} runtimes on one PostgreSQL database`, () => {
  let db: TestDatabase;
  const pools: Database[] = [];
  const runtimes: TestRuntime[] = [];
  beforeAll(async () => {
    db = await withPostgres();
    for (let i = 0; i < RUNTIMES; i++) {
      const pool = i === 0 ? db : pgDatabase({ engine: 'postgres', connectionString: TEST_POSTGRES_URL, max: 4, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000, schema: db.schema });
      if (i > 0) pools.push(pool);
      runtimes.push(await testRuntime({ database: pool, meter: true }));
    }
  });
  afterAll(async () => {
    for (const rt of runtimes) await rt.close();
    for (const pool of pools) await pool.close();
    await db?.close();
  });

  /** Every runtime sends BATCH calls at a time until a batch meets a 429; returns the 200s of each. */
  const spendAll = async (secret: string): Promise<number[]> =>
    Promise.all(
      runtimes.map(async (rt) => {
        let ok = 0;
        for (;;) {
          const statuses = await Promise.all(
            Array.from({ length: BATCH }, async () => (await rt.call('analysis.margin', { headers: bearer(secret), query: { view: 'summary' }, body })).status),
          );
          expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
          ok += statuses.filter((s) => s === 200).length;
          if (statuses.includes(429)) return ok;
        }
      }),
    );

  it('a Basic tenant (5,000 calls a day, slices of 1% of what is left) gets exactly 5,000 answers', async () => {
    const t = await seedTenant(runtimes[0]!.ports);
    await subscribe(db, t.tenant.id, 'basic-monthly');
    const served = await spendAll(t.secret);
    expect(served.reduce((a, b) => a + b)).toBe(5_000);
    // Every runtime served some: the budget was shared, not taken by one.
    expect(served.every((n) => n > 0)).toBe(true);
    expect(await sharedCount(db, t.tenant.id)).toBe(5_000);
  });

  it('a free tenant (100 calls a day) gets exactly 100 answers', async () => {
    const t = await seedTenant(runtimes[0]!.ports);
    const served = await spendAll(t.secret);
    expect(served.reduce((a, b) => a + b)).toBe(100);
    expect(await sharedCount(db, t.tenant.id)).toBe(100);
  });

  it('a runtime that closes gives back what it leased and did not spend', async () => {
    const extra = await testRuntime({ database: db, meter: true });
    const t = await seedTenant(extra.ports);
    await subscribe(db, t.tenant.id, 'basic-monthly');
    expect((await extra.call('analysis.margin', { headers: bearer(t.secret), query: { view: 'summary' }, body })).status).toBe(200);
    expect(await sharedCount(db, t.tenant.id)).toBe(50);
    await extra.close();
    expect(await sharedCount(db, t.tenant.id)).toBe(1);
  });
});
