/**
 * One renewal runner process for the chaos test: runs billing.renewDue's use case against PostgreSQL (a test
 * schema) and the Toss sandbox until nothing is due, then exits 0. The test kills it with SIGKILL at random.
 */
import { defaultBillingPolicy } from '../../core/billing/model.ts';
import { defaultCatalog } from '../../core/billing/plans.ts';
import { renewDue } from '../../core/billing/renewal.ts';
import { systemClock } from '../../core/shared/clock.ts';
import { postgresBillingStore } from '../../adapters/postgres/billing.ts';
import { pgDatabase } from '../../adapters/postgres/pg.ts';
import { tossClient } from '../../adapters/toss/client.ts';
import { aesGcmVault } from '../../adapters/secrets/key-vault.ts';
import { TOSS_SANDBOX_SECRET_KEY } from '../../sandbox/toss/index.ts';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const db = pgDatabase({ engine: 'postgres', connectionString: env('CHAOS_DATABASE_URL'), schema: env('CHAOS_SCHEMA'), max: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000 });
const deps = {
  store: postgresBillingStore(db),
  gateway: tossClient({ baseUrl: env('CHAOS_TOSS_URL'), secretKey: TOSS_SANDBOX_SECRET_KEY, timeoutMs: 2_000 }),
  vault: aesGcmVault(new Map([['k1', Buffer.from(env('CHAOS_VAULT_KEY'), 'base64')]]), 'k1'),
  notifier: { notify: async () => {} },
  plans: defaultCatalog,
  policy: { ...defaultBillingPolicy, leaseSeconds: Number(env('CHAOS_LEASE_SECONDS')) },
  clock: systemClock,
};

await db.query('SELECT 1');
process.stdout.write('ready\n');
let total = 0;
for (;;) {
  const summary = await renewDue(deps, { owner: `pid-${process.pid}`, batchSize: 5 });
  total += summary.charged;
  if (summary.claimed === 0) break;
}
process.stdout.write(JSON.stringify({ pid: process.pid, charged: total }) + '\n');
await db.close();
