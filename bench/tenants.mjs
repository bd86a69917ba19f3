// Tenants for the tenant-path benchmarks: a schema of its own on the benchmark PostgreSQL, migrated, with tenants
// created through the same use case as `sellpo tenants create`, each on the pro plan (a paid subscription row, as
// the billing store writes it after a charge). Optionally an administrator's daily budget on top
// (`sellpo tenants budget`), so a long run cannot spend it.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { benchPostgresUrl } from './env.mjs';

const { pgDatabase, quoteIdent } = await import('../adapters/postgres/pg.ts');
const { loadMigrations, migrate, migrationsDirectory } = await import('../adapters/postgres/migrations.ts');
const { postgresAccessStore } = await import('../adapters/postgres/access.ts');
const { createTenant } = await import('../core/platform/tenants.ts');
const { systemClock } = await import('../core/shared/clock.ts');
const { postgresBillingStore } = await import('../adapters/postgres/billing.ts');
const { setApiCallBudget } = await import('../core/billing/entitlements.ts');

/**
 * A fresh schema with `count` pro-plan tenants; `close()` drops it. With `apiCallsPerDay`, each tenant gets that
 * daily budget from an administrator (`sellpo tenants budget`), in place of the plan's 50,000.
 */
export const benchTenants = async ({ count = 1, prefix = 'sellpo_tenants', apiCallsPerDay } = {}) => {
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: benchPostgresUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  const db = pgDatabase({ engine: 'postgres', connectionString: benchPostgresUrl, max: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000, schema });
  await migrate(db, loadMigrations(migrationsDirectory()));
  const origin = { actor: 'cli', requestId: null, sourceIp: null };
  const tenants = [];
  const now = new Date();
  const end = new Date(now.getTime() + 30 * 86_400_000);
  for (let i = 0; i < count; i++) {
    const t = await createTenant({ store: postgresAccessStore(db), clock: systemClock }, { name: `bench ${i}`, owner: { email: `bench${i}@example.com`, name: `bench${i}` } }, origin);
    const keyId = randomUUID();
    await db.query(
      `INSERT INTO billing_keys (id, tenant_id, customer_key, key_id, sealed, card_number, created_at) VALUES ($1, $2, $3, 'k1', NULL, '4330-****-****-1234', $4)`,
      [keyId, t.tenant.id, `cust-${i}`, now],
    );
    await db.query(
      `INSERT INTO subscriptions (id, tenant_id, state, plan_id, plan_version, amount_krw, anchor, period_index, current_period_start,
         current_period_end, billing_key_id, customer_key, created_at, version)
       VALUES ($1, $2, 'active', 'pro-monthly', 1, 79000, $3, 0, $3, $4, $5, $6, $3, 1)`,
      [randomUUID(), t.tenant.id, now, end, keyId, `cust-${i}`],
    );
    if (apiCallsPerDay !== undefined) await setApiCallBudget({ store: postgresBillingStore(db), clock: systemClock }, t.tenant.id, apiCallsPerDay);
    tenants.push({ id: t.tenant.id, secret: t.secret });
  }
  return {
    schema,
    db,
    tenants,
    databaseUrl: `${benchPostgresUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    close: async () => {
      await db.close();
      await admin.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
      await admin.end();
    },
  };
};
