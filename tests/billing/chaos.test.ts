/**
 * Renewals under fire: hundreds of due subscriptions, 4 runner processes at once, each killed with SIGKILL at
 * random moments (so some die between recording an intent and settling it), respawned, then left to finish.
 * Checked against the sandbox's own ledger: every due period charged exactly once, no intent left pending.
 * Runs on the machine's PostgreSQL (SKIP LOCKED across real connections); skipped with its reason without it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBillingPolicy, type Subscription } from '../../core/billing/model.ts';
import { addMonthsClamped, defaultCatalog, periodBounds } from '../../core/billing/plans.ts';
import { renewDue } from '../../core/billing/renewal.ts';
import { systemClock } from '../../core/shared/clock.ts';
import { postgresBillingStore } from '../../adapters/postgres/billing.ts';
import { tossClient } from '../../adapters/toss/client.ts';
import { aesGcmVault } from '../../adapters/secrets/key-vault.ts';
import { startSandbox, type RunningSandbox } from '../../sandbox/index.ts';
import { tossSandbox, TOSS_SANDBOX_SECRET_KEY } from '../../sandbox/toss/index.ts';
import { postgresUnavailable, TEST_POSTGRES_URL, withPostgres, type TestDatabase } from '../helpers/database.ts';

const SUBSCRIPTIONS = 300;
const RUNNERS = 4;
const CHAOS_MS = 10_000;
const LEASE_SECONDS = 2;
const skip = await postgresUnavailable();
if (skip) console.warn(`[billing chaos] skipped: ${skip}`);

describe.skipIf(skip !== null)('renewal chaos on PostgreSQL', () => {
  let db: TestDatabase;
  let sandbox: RunningSandbox;
  const provider = tossSandbox();
  const vaultKey = randomBytes(32);
  const runner = fileURLToPath(new URL('./chaos-runner.ts', import.meta.url));

  beforeAll(async () => {
    db = await withPostgres({ max: 4 });
    sandbox = await startSandbox([provider]);
    const url = sandbox.urls.toss!;
    // Slow each charge a little on both sides of its commit, so kills land between intent and settlement.
    await fetch(`${url}/__sandbox/configure`, { method: 'POST', body: JSON.stringify({ delayMs: 4, delayAfterCommitMs: 4 }) });
    const gateway = tossClient({ baseUrl: url, secretKey: TOSS_SANDBOX_SECRET_KEY, timeoutMs: 5_000 });
    const vault = aesGcmVault(new Map([['k1', vaultKey]]), 'k1');
    const store = postgresBillingStore(db);
    const now = Date.now();
    const anchor = addMonthsClamped(new Date(now - 3_600_000), -1);
    const { start, end } = periodBounds(anchor, 'month', 0);
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const tenantId = `chaos-tenant-${i}`;
      const customerKey = `cust_chaos_${i}`;
      const issued = await gateway.issueBillingKey({ authKey: `auth_ok_chaos_${i}`, customerKey, idempotencyKey: `issue-chaos-${i}` });
      const keyId = `bk-chaos-${i}`;
      await store.insertBillingKey({ id: keyId, tenantId, customerKey, sealed: vault.seal(issued.billingKey), card: issued.card, createdAt: start, discardedAt: null });
      const sub: Subscription = {
        id: crypto.randomUUID(), tenantId, state: 'active', planId: 'basic-monthly', planVersion: 1, amountKrw: 29_000, anchor, periodIndex: 0,
        currentPeriodStart: start, currentPeriodEnd: end, trialEndsAt: null, pendingPlanId: null, billingKeyId: keyId, customerKey, attempt: 0,
        dunningStep: 0, nextActionAt: end, canceledAt: null, endedAt: null, createdAt: start, version: 1,
      };
      await store.insertSubscription(sub);
    }
  }, 60_000);

  afterAll(async () => {
    await sandbox?.close();
    await db?.close();
  });

  it('charges every due period exactly once with 4 runners killed at random', async () => {
    const started = Date.now();
    const childEnv = {
      ...process.env, CHAOS_DATABASE_URL: TEST_POSTGRES_URL, CHAOS_SCHEMA: db.schema, CHAOS_TOSS_URL: sandbox.urls.toss!,
      CHAOS_VAULT_KEY: vaultKey.toString('base64'), CHAOS_LEASE_SECONDS: String(LEASE_SECONDS),
    };
    const pendingAtKill: number[] = [];
    let kills = 0;
    let cleanExits = 0;
    let chaos = true;

    const runOne = (): Promise<void> =>
      new Promise((resolve) => {
        const child: ChildProcess = spawn(process.execPath, [runner], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (c: Buffer) => void (stderr += c.toString()));
        let timer: NodeJS.Timeout | undefined;
        // Killed at a random moment after it starts working (start-up itself takes a second on a busy machine).
        child.stdout!.once('data', () => {
          if (!chaos) return;
          timer = setTimeout(async () => {
            child.kill('SIGKILL');
            kills++;
            // Its leased rows stay as the kill left them until the lease ends: count intents it left pending.
            const { rows } = await db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM payment_intents i JOIN subscriptions s ON s.id = i.subscription_id
               WHERE i.status = 'pending' AND s.lease_owner = $1`,
              [`pid-${child.pid}`],
            );
            pendingAtKill.push(rows[0]!.n);
          }, Math.random() * 700);
        });
        child.on('exit', (code, signal) => {
          clearTimeout(timer);
          if (signal === null) {
            if (code !== 0) throw new Error(`runner exited ${code}: ${stderr}`);
            cleanExits++;
          }
          resolve();
        });
      });

    // Phase 1: runners are killed and respawned until the chaos window closes.
    const slot = async (): Promise<void> => {
      while (chaos) await runOne();
    };
    const slots = Array.from({ length: RUNNERS }, slot);
    await new Promise((r) => setTimeout(r, CHAOS_MS));
    chaos = false;
    await Promise.all(slots);
    // Phase 2: leases of killed runners run out; 4 runners finish the work, then one final pass reconciles.
    await new Promise((r) => setTimeout(r, LEASE_SECONDS * 1000 + 200));
    await Promise.all(Array.from({ length: RUNNERS }, runOne));
    await new Promise((r) => setTimeout(r, LEASE_SECONDS * 1000 + 200));
    const gateway = tossClient({ baseUrl: sandbox.urls.toss!, secretKey: TOSS_SANDBOX_SECRET_KEY, timeoutMs: 5_000 });
    const final = await renewDue(
      { store: postgresBillingStore(db), gateway, vault: aesGcmVault(new Map([['k1', vaultKey]]), 'k1'), notifier: { notify: async () => {} }, plans: defaultCatalog, policy: { ...defaultBillingPolicy, leaseSeconds: LEASE_SECONDS }, clock: systemClock },
      { owner: 'final' },
    );

    // The sandbox's ledger: one renewal payment per subscription, for period 1, and nothing else.
    const ledger = provider.ledger();
    const perSubscription = new Map<string, number>();
    for (const p of ledger) {
      const m = /^rn-([0-9a-f]{32})-(\d+)-(\d+)$/.exec(p.orderId);
      expect(m, p.orderId).not.toBeNull();
      expect(m![2]).toBe('1');
      perSubscription.set(m![1]!, (perSubscription.get(m![1]!) ?? 0) + 1);
    }
    const subs = (await db.query<{ id: string; period_index: number; state: string }>('SELECT id, period_index, state FROM subscriptions')).rows;
    expect(subs).toHaveLength(SUBSCRIPTIONS);
    for (const s of subs) {
      expect(perSubscription.get(s.id.replaceAll('-', '')), s.id).toBe(1);
      expect(s).toMatchObject({ period_index: 1, state: 'active' });
    }
    expect(ledger).toHaveLength(SUBSCRIPTIONS);
    const intents = (await db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM payment_intents GROUP BY status ORDER BY status')).rows;
    expect(intents).toEqual([{ status: 'succeeded', n: SUBSCRIPTIONS }]);
    const payments = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM billing_payments')).rows[0]!.n;
    expect(payments).toBe(SUBSCRIPTIONS);

    const killedWithPending = pendingAtKill.filter((n) => n > 0).length;
    console.info(`[billing chaos] engine=postgres subscriptions=${SUBSCRIPTIONS} runners=${RUNNERS} kills=${kills} killsBetweenIntentAndSettlement=${killedWithPending} cleanExits=${cleanExits} finalPass=${JSON.stringify(final)} seconds=${((Date.now() - started) / 1000).toFixed(1)}`);
    expect(kills).toBeGreaterThanOrEqual(8);
    expect(killedWithPending).toBeGreaterThan(0);
  }, 55_000);
});
