/**
 * The Toss webhook as a queue: what an anonymous flood may cost (no Toss call at delivery, forged events closed
 * without one, look-ups per source and overall per second), deduplication, the size cap, the per-source queue
 * cap, the retention purge, the runner's sweep, and the server's worker. Time is a test clock; the worker is
 * awaited through its idle() barrier.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BillingDeps } from '../../core/billing/ports.ts';
import type { PaymentRecord } from '../../core/billing/model.ts';
import { renewDue } from '../../core/billing/renewal.ts';
import { drainWebhooks, receiveWebhook } from '../../core/billing/webhooks.ts';
import { purgeWebhookEvents } from '../../adapters/postgres/billing.ts';
import { webhookWorker } from '../../adapters/toss/webhook-worker.ts';
import { buildV2Event } from '../../adapters/routing/build-event.ts';
import { parseResult, testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { seedTenant } from '../platform/fixtures.ts';
import { billingHarness, mutableClock, type Harness } from './harness.ts';

let db: TestDatabase;
let rt: TestRuntime;
let h: Harness;
const clock = mutableClock('2025-06-01T00:00:00Z');
let deps: BillingDeps;
let tenantId: string;

beforeAll(async () => {
  db = await withPglite();
  h = await billingHarness(db);
  rt = await testRuntime({ database: db, overrides: { billing: h.billing, clock } });
  deps = { ...h.billing, clock, rateCounter: rt.ports.rateCounter };
  tenantId = (await seedTenant(rt.ports)).tenant.id;
});
afterAll(async () => {
  await rt.close();
  await h.close();
  await db.close();
});

const lookups = () => h.calls.getPayment ?? 0;
const event = (paymentKey: string, extra: Record<string, unknown> = {}) => ({
  eventType: 'PAYMENT_STATUS_CHANGED', createdAt: '2025-06-01T09:00:00.000000', data: { paymentKey, orderId: 'in-forged-order', status: 'CANCELED', ...extra },
});
/** A delivery over the endpoint's handler, from `sourceIp`. */
const deliver = async (body: unknown, sourceIp = '203.0.113.7') => {
  const event = buildV2Event({ method: 'POST', rawPath: '/v1/billing/webhooks/toss', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), sourceIp });
  return parseResult(await rt.dispatcher.handlers.get('billing.tossWebhook')!(event));
};
/** A payment of ours in the store (its key unknown to Toss, which answers 404: a look-up all the same). */
const ourPayment = async (paymentKey: string) => {
  const now = clock.now();
  const record: PaymentRecord = {
    paymentKey, tenantId, subscriptionId: crypto.randomUUID(), orderId: `rn-${paymentKey}`, kind: 'renewal', periodIndex: 1, orderName: 'x', status: 'DONE',
    amountKrw: 29_000, balanceKrw: 29_000, cardNumber: null, receiptUrl: null, approvedAt: now, createdAt: now, updatedAt: now,
  };
  await h.billing.store.upsertPayment(record);
};
const pendingCount = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM billing_webhook_events WHERE processed_at IS NULL')).rows[0]!.n;
/** Empties the queue left by an earlier test (moving the clock past any rate window). */
const drainAll = async () => {
  for (let i = 0; i < 20 && (await pendingCount()) > 0; i++) {
    clock.set(new Date(clock.now().getTime() + 1_000));
    await drainWebhooks(deps, { limit: 500 });
  }
};

describe('Toss webhook queue', () => {
  it('a flood of forged events makes no Toss call at delivery, and none at all when they name nothing of ours', async () => {
    await drainAll();
    const before = lookups();
    const answers = [];
    for (let i = 0; i < 200; i++) answers.push(await deliver(event(`tpk_forged_${i}`, { createdAt: `2025-06-01T09:00:${String(i % 60).padStart(2, '0')}.000000` })));
    expect(answers.every((a) => a.status === 200 && a.body.duplicate === false)).toBe(true);
    expect(lookups() - before).toBe(0);
    const summary = await drainWebhooks(deps, { limit: 500 });
    expect(summary).toMatchObject({ processed: 200, lookups: 0, deferred: 0 });
    expect(lookups() - before).toBe(0);
  });

  it('look-ups for events naming our payments are held to 5 per second per source and 20 overall; events of one payment share one', async () => {
    await drainAll();
    clock.set('2025-06-02T00:00:00Z');
    const keys = Array.from({ length: 12 }, (_, i) => `tpk_ours_a${i}`);
    for (const key of keys) await ourPayment(key);
    // Three deliveries per payment (forged statuses): one look-up per payment.
    for (const key of keys) for (const status of ['CANCELED', 'PARTIAL_CANCELED', 'ABORTED']) expect((await deliver(event(key, { status }))).status).toBe(200);
    const before = lookups();
    let s = await drainWebhooks(deps, { limit: 500 });
    expect(s).toMatchObject({ lookups: 5, processed: 15, deferred: 21 });
    // Same second: the rest waits.
    s = await drainWebhooks(deps, { limit: 500 });
    expect(s).toMatchObject({ lookups: 0, processed: 0 });
    clock.set('2025-06-02T00:00:01Z');
    expect((await drainWebhooks(deps, { limit: 500 })).lookups).toBe(5);
    clock.set('2025-06-02T00:00:02Z');
    expect((await drainWebhooks(deps, { limit: 500 })).lookups).toBe(2);
    expect(lookups() - before).toBe(12);
    expect(await pendingCount()).toBe(0);

    // Many sources at once: 20 look-ups in a second overall.
    clock.set('2025-06-02T00:01:00Z');
    const many = Array.from({ length: 30 }, (_, i) => `tpk_ours_b${i}`);
    for (const key of many) await ourPayment(key);
    for (const [i, key] of many.entries()) await deliver(event(key), `198.51.100.${i}`);
    expect((await drainWebhooks(deps, { limit: 500 })).lookups).toBe(20);
  });

  it('a replay (same payment, status and last transaction, another createdAt) is a duplicate and costs nothing', async () => {
    await drainAll();
    await ourPayment('tpk_dup_1');
    const first = await deliver(event('tpk_dup_1', { lastTransactionKey: 'tx1' }));
    const again = await deliver(event('tpk_dup_1', { lastTransactionKey: 'tx1', createdAt: '2025-06-09T09:00:00.000000' }));
    const next = await deliver(event('tpk_dup_1', { lastTransactionKey: 'tx2' }));
    expect([first.body.duplicate, again.body.duplicate, next.body.duplicate]).toEqual([false, true, false]);
    clock.set('2025-06-03T00:00:00Z');
    const before = lookups();
    await drainWebhooks(deps, { limit: 500 });
    expect(lookups() - before).toBe(1);
    expect((await deliver(event('tpk_dup_1', { lastTransactionKey: 'tx1' }))).body.duplicate).toBe(true);
    expect(lookups() - before).toBe(1);
  });

  it('refuses a body above 32 KiB with 413 and stores nothing', async () => {
    const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM billing_webhook_events')).rows[0]!.n;
    const before = await count();
    const res = await deliver(event('tpk_big', { padding: 'x'.repeat(33 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body.limitBytes).toBe(32 * 1024);
    expect(await count()).toBe(before);
    expect((await deliver(event('tpk_small', { padding: 'x'.repeat(30 * 1024) }))).status).toBe(200);
  });

  it('a source with a full queue answers 429 with Retry-After; another source is still heard', async () => {
    const small = { ...deps, policy: { ...deps.policy, webhooks: { ...deps.policy.webhooks, maxPendingPerSource: 3 } } };
    for (let i = 0; i < 3; i++) await receiveWebhook(small, { body: event(`tpk_cap_${i}`), source: '192.0.2.1' });
    await expect(receiveWebhook(small, { body: event('tpk_cap_3'), source: '192.0.2.1' })).rejects.toMatchObject({ code: 'rate_limited', retryAfterSeconds: 60 });
    await expect(receiveWebhook(small, { body: event('tpk_cap_4'), source: '192.0.2.2' })).resolves.toMatchObject({ duplicate: false });
    await drainAll();
  });

  it('raw bodies are purged 30 days after they arrive', async () => {
    clock.set('2025-07-01T00:00:00Z');
    const { id } = await receiveWebhook(deps, { body: { eventType: 'SOMETHING_ELSE', data: { n: 1 } } as { eventType: string }, source: 's' });
    const exists = async () => (await db.query('SELECT 1 FROM billing_webhook_events WHERE id = $1', [id])).rowCount === 1;
    await purgeWebhookEvents(db, new Date('2025-07-30T23:59:59.999Z'));
    expect(await exists()).toBe(true);
    await purgeWebhookEvents(db, new Date('2025-07-31T00:00:00.000Z'));
    expect(await exists()).toBe(false);
  });

  it('the renewal runner sweeps the queue: an event whose first try failed is retried, at most 50 events a run', async () => {
    await drainAll();
    clock.set('2025-08-01T00:00:00Z');
    await ourPayment('tpk_sweep_1');
    // The first look-up fails (Toss down); the event stays queued with its error.
    const failing: BillingDeps = { ...deps, gateway: { ...deps.gateway, getPayment: async () => Promise.reject(new Error('Toss is down')) } };
    await receiveWebhook(deps, { body: event('tpk_sweep_1'), source: 'sweep' });
    expect(await drainWebhooks(failing, { limit: 10 })).toMatchObject({ failed: 1, processed: 0 });
    const { rows: [row] } = await db.query<{ attempts: number; last_error: string; processed_at: Date | null }>("SELECT attempts, last_error, processed_at FROM billing_webhook_events WHERE payment_key = 'tpk_sweep_1'");
    expect(row).toMatchObject({ attempts: 1, last_error: 'Toss is down', processed_at: null });
    for (let i = 0; i < 59; i++) await receiveWebhook(deps, { body: { eventType: 'DEPOSIT_CALLBACK', data: { i } } as { eventType: string }, source: 'sweep' });
    await renewDue(deps, { owner: 'sweep-1' });
    expect(await pendingCount()).toBe(10);
    await renewDue(deps, { owner: 'sweep-2' });
    expect(await pendingCount()).toBe(0);
    const { rows: [done] } = await db.query<{ attempts: number; processed: boolean }>("SELECT attempts, processed_at IS NOT NULL AS processed FROM billing_webhook_events WHERE payment_key = 'tpk_sweep_1'");
    expect(done).toEqual({ attempts: 2, processed: true });
  });

  it('in the server a worker drains what the endpoint queued', async () => {
    await drainAll();
    clock.set('2025-09-01T00:00:00Z');
    await ourPayment('tpk_worker_1');
    const worker = webhookWorker(() => deps);
    const withWorker = { ...deps, webhookQueue: worker };
    try {
      const before = lookups();
      await receiveWebhook(withWorker, { body: event('tpk_worker_1'), source: 'w' });
      await worker.idle();
      expect(lookups() - before).toBe(1);
      expect(await pendingCount()).toBe(0);
    } finally {
      await worker.close();
    }
  });
});
