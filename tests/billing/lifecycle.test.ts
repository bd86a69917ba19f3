import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { logNotifier } from '../../adapters/contexts/billing/wire.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { bearer, seedAdmin, seedTenant } from '../platform/fixtures.ts';
import { billingHarness, mutableClock, type Harness } from './harness.ts';

let db: TestDatabase;
let rt: TestRuntime;
let h: Harness;
let admin: string;
const clock = mutableClock('2025-06-01T00:00:00Z');

beforeAll(async () => {
  db = await withPglite();
  h = await billingHarness(db, { onNotice: (tenantId, notice) => void logNotifier(rt.logger).notify(tenantId, notice) });
  rt = await testRuntime({ database: db, overrides: { billing: h.billing, clock } });
  admin = (await seedAdmin(rt.ports)).secret;
});
afterAll(async () => {
  await rt.close();
  await h.close();
  await db.close();
});
beforeEach(() => clock.set('2025-06-01T00:00:00Z'));

let n = 0;
const fresh = async () => {
  const t = await seedTenant(rt.ports);
  const auth = bearer(t.secret);
  const customerKey = `cust_${t.tenant.id.slice(0, 8)}`;
  const subscribe = (authKind: string, plan = 'basic-monthly', extra: Record<string, unknown> = {}) =>
    rt.call('billing.subscribe', { headers: auth, body: { plan, authKey: `auth_${authKind}_${++n}`, customerKey, ...extra } });
  return { t, auth, customerKey, subscribe, get: () => rt.call('billing.getSubscription', { headers: auth }) };
};
const renew = () => rt.call('billing.renewDue', { headers: bearer(admin) });
const ledgerOf = (tenantId: string, subscriptionId?: string) =>
  h.ledger().filter((p) => p.customerKey === `cust_${tenantId.slice(0, 8)}` && (!subscriptionId || p.orderId.includes(subscriptionId.replaceAll('-', '')) || p.orderId.startsWith('in-')));

describe('plans', () => {
  it('lists plans on sale without credentials', async () => {
    const res = await rt.call('billing.listPlans');
    expect(res.status).toBe(200);
    expect(res.body.items.map((p: { id: string }) => p.id)).toEqual(['basic-monthly', 'basic-yearly', 'pro-monthly', 'pro-yearly']);
    expect(res.body.items[0]).toMatchObject({ priceKrw: 29_000, interval: 'month', entitlements: { apiCallsPerDay: 5_000 } });
  });
});

describe('subscribe', () => {
  it('issues the billing key, charges the first period once, and shows only the masked card', async () => {
    const c = await fresh();
    const authKey = `auth_ok_first_${++n}`;
    const res = await rt.call('billing.subscribe', { headers: c.auth, body: { plan: 'basic-monthly', authKey, customerKey: c.customerKey } });
    expect(res.status).toBe(201);
    expect(res.body.subscription).toMatchObject({ state: 'active', amountKrw: 29_000, plan: { id: 'basic-monthly', version: 1 }, currentPeriod: { start: '2025-06-01T00:00:00.000Z', end: '2025-07-01T00:00:00.000Z' } });
    expect(res.body.card.number).toBe('43301234****123*');
    expect(res.body.entitlements.apiCallsPerDay).toBe(5_000);
    expect(JSON.stringify(res.body)).not.toMatch(/bk_/);

    // The same request again (a client that timed out) answers the same subscription without a second charge.
    const again = await rt.call('billing.subscribe', { headers: c.auth, body: { plan: 'basic-monthly', authKey, customerKey: c.customerKey } });
    expect(again.status).toBe(201);
    expect(again.body.subscription.id).toBe(res.body.subscription.id);
    expect(ledgerOf(c.t.tenant.id)).toHaveLength(1);

    const { rows } = await db.query<{ sealed: string; key_id: string }>('SELECT sealed, key_id FROM billing_keys WHERE tenant_id = $1', [c.t.tenant.id]);
    expect(rows[0]!.key_id).toBe('k1');
    expect(rows[0]!.sealed).not.toMatch(/bk_/);

    const payments = await rt.call('billing.listPayments', { headers: c.auth });
    expect(payments.body.items).toHaveLength(1);
    expect(payments.body.items[0]).toMatchObject({ kind: 'initial', amountKrw: 29_000, status: 'DONE', card: '43301234****123*' });
    expect(payments.body.items[0].receiptUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/receipt\//);

    const second = await c.subscribe('ok');
    expect(second.status).toBe(409);
  });

  it('names every bad field with 400, an unknown plan too', async () => {
    const c = await fresh();
    const bad = await rt.call('billing.subscribe', { headers: c.auth, body: { customerKey: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['authKey', 'customerKey', 'plan']);
    const plan = await c.subscribe('ok', 'gold-monthly');
    expect(plan.status).toBe(400);
    expect(plan.body.field).toBe('plan');
  });

  it('a declined card answers 422 with the Toss code and leaves the tenant on the free plan', async () => {
    const c = await fresh();
    const res = await c.subscribe('stopped');
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ reason: 'payment_declined', code: 'INVALID_STOPPED_CARD' });
    const view = await c.get();
    expect(view.body).toMatchObject({ subscription: null, effectivePlan: { code: 'free', planId: null }, entitlements: { apiCallsPerDay: 100 } });
  });

  it('a member-role key may read but not subscribe', async () => {
    const c = await fresh();
    const member = await rt.call('platform.createApiKey', { headers: c.auth, body: { name: 'ro', role: 'member' } });
    const res = await rt.call('billing.subscribe', { headers: bearer(member.body.key), body: { plan: 'basic-monthly', authKey: 'auth_ok_m', customerKey: c.customerKey } });
    expect(res.status).toBe(403);
    expect((await rt.call('billing.getSubscription', { headers: bearer(member.body.key) })).status).toBe(200);
  });

  it('a charge whose answer is lost (connection cut after Toss committed) is found by order id on retry: one charge', async () => {
    const c = await fresh();
    const authKey = `auth_ok_slow_${++n}`;
    // Toss commits the charge and holds its answer; the connection is cut while it waits.
    await h.control('configure', { holdAfterCommit: 1 });
    const pending = rt.call('billing.subscribe', { headers: c.auth, body: { plan: 'basic-monthly', authKey, customerKey: c.customerKey } });
    await h.whenHeld();
    h.cutInFlight();
    const first = await pending;
    h.release();
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('5');
    const retry = await rt.call('billing.subscribe', { headers: c.auth, body: { plan: 'basic-monthly', authKey, customerKey: c.customerKey } });
    expect(retry.status).toBe(201);
    expect(retry.body.subscription.state).toBe('active');
    expect(ledgerOf(c.t.tenant.id)).toHaveLength(1);
  });

  it('a trial charges nothing and the first charge comes at its end', async () => {
    const c = await fresh();
    const res = await c.subscribe('ok', 'pro-monthly', { trial: true });
    expect(res.status).toBe(201);
    expect(res.body.subscription).toMatchObject({ state: 'trialing', amountKrw: 0, trialEndsAt: '2025-06-15T00:00:00.000Z' });
    expect(ledgerOf(c.t.tenant.id)).toHaveLength(0);
    clock.set('2025-06-15T00:00:01Z');
    expect((await renew()).status).toBe(200);
    const after = await c.get();
    expect(after.body.subscription).toMatchObject({ state: 'active', amountKrw: 79_000, currentPeriod: { start: '2025-06-15T00:00:00.000Z', end: '2025-07-15T00:00:00.000Z' } });
    expect(ledgerOf(c.t.tenant.id).map((p) => p.totalAmount)).toEqual([79_000]);
  });
});

describe('renewal, cancel, resume, change plan', () => {
  it('cancel at period end keeps the plan until then; resume restores renewal; renewal charges the next period once', async () => {
    const c = await fresh();
    await c.subscribe('ok');
    const canceled = await rt.call('billing.cancel', { headers: c.auth, body: {} });
    expect(canceled.status).toBe(200);
    expect(canceled.body.subscription).toMatchObject({ state: 'canceled', cancelAtPeriodEnd: true });
    expect(canceled.body.entitlements.apiCallsPerDay).toBe(5_000);
    const resumed = await rt.call('billing.resume', { headers: c.auth });
    expect(resumed.body.subscription.state).toBe('active');
    expect((await rt.call('billing.resume', { headers: c.auth })).status).toBe(422);

    clock.set('2025-07-01T00:00:01Z');
    const run = await renew();
    expect(run.body.charged).toBeGreaterThanOrEqual(1);
    await renew();
    const view = await c.get();
    expect(view.body.subscription).toMatchObject({ state: 'active', currentPeriod: { start: '2025-07-01T00:00:00.000Z', end: '2025-08-01T00:00:00.000Z' } });
    expect(ledgerOf(c.t.tenant.id)).toHaveLength(2);
  });

  it('a canceled subscription expires at its period end and the tenant falls back to free', async () => {
    const c = await fresh();
    await c.subscribe('ok');
    await rt.call('billing.cancel', { headers: c.auth, body: { when: 'period_end' } });
    clock.set('2025-07-01T00:00:01Z');
    expect((await c.get()).body.effectivePlan.code).toBe('free'); // by time, before any runner
    await renew();
    const view = await c.get();
    expect(view.body.subscription.state).toBe('expired');
    expect(ledgerOf(c.t.tenant.id)).toHaveLength(1);
    expect(h.notices.some((x) => x.tenantId === c.t.tenant.id && x.notice.kind === 'expired')).toBe(true);
  });

  it('cancel now refunds the unused share (rounded down) through a partial cancel', async () => {
    const c = await fresh();
    await c.subscribe('ok');
    clock.set('2025-06-11T00:00:00Z'); // 20 of 30 days unused
    const res = await rt.call('billing.cancel', { headers: c.auth, body: { when: 'now' } });
    expect(res.status).toBe(200);
    expect(res.body.refundedKrw).toBe(19_333);
    expect(res.body.subscription.state).toBe('expired');
    expect(res.body.effectivePlan.code).toBe('free');
    const [payment] = ledgerOf(c.t.tenant.id);
    expect(payment).toMatchObject({ status: 'PARTIAL_CANCELED', balanceAmount: 29_000 - 19_333 });
    expect((await rt.call('billing.cancel', { headers: c.auth, body: { when: 'now' } })).status).toBe(422);
  });

  it('upgrade charges the prorated difference now; downgrade waits for the period end', async () => {
    const c = await fresh();
    await c.subscribe('ok');
    clock.set('2025-06-16T00:00:00Z'); // half of June left
    const up = await rt.call('billing.changePlan', { headers: c.auth, body: { plan: 'pro-monthly' } });
    expect(up.status).toBe(200);
    expect(up.body.chargedKrw).toBe(25_000);
    expect(up.body.subscription).toMatchObject({ plan: { id: 'pro-monthly' }, amountKrw: 79_000 });
    expect(up.body.entitlements.apiCallsPerDay).toBe(50_000);
    const down = await rt.call('billing.changePlan', { headers: c.auth, body: { plan: 'basic-monthly' } });
    expect(down.body).toMatchObject({ chargedKrw: 0, subscription: { plan: { id: 'pro-monthly' }, pendingPlanId: 'basic-monthly' } });
    expect((await rt.call('billing.changePlan', { headers: c.auth, body: { plan: 'pro-yearly' } })).status).toBe(400);
    clock.set('2025-07-01T00:00:01Z');
    await renew();
    const view = await c.get();
    expect(view.body.subscription).toMatchObject({ plan: { id: 'basic-monthly' }, amountKrw: 29_000, pendingPlanId: null });
    expect(ledgerOf(c.t.tenant.id).map((p) => p.totalAmount)).toEqual([29_000, 25_000, 29_000]);
  });
});

describe('dunning', () => {
  it('a declined renewal goes past due, keeps the plan, retries on days 1, 3 and 5 only, then expires to free', async () => {
    const c = await fresh();
    await c.subscribe('ok');
    const swapped = await rt.call('billing.changePaymentMethod', { headers: c.auth, body: { authKey: `auth_reject_${++n}`, customerKey: c.customerKey } });
    expect(swapped.status).toBe(200);
    expect(swapped.body.card.number).toBe('94101234****789*');
    const failures = () => h.notices.filter((x) => x.tenantId === c.t.tenant.id && x.notice.kind === 'payment_failed').length;

    clock.set('2025-07-01T00:00:01Z');
    await renew();
    let view = await c.get();
    expect(view.body.subscription).toMatchObject({ state: 'past_due', nextActionAt: '2025-07-02T00:00:00.000Z' });
    expect(view.body.entitlements.apiCallsPerDay).toBe(5_000); // grace
    expect(failures()).toBe(1);
    clock.set('2025-07-01T12:00:00Z');
    await renew();
    expect(failures()).toBe(1); // card errors wait for the schedule
    for (const [day, next] of [['2025-07-02T00:00:01Z', '2025-07-04T00:00:00.000Z'], ['2025-07-04T00:00:01Z', '2025-07-06T00:00:00.000Z']] as const) {
      clock.set(day);
      await renew();
      view = await c.get();
      expect(view.body.subscription).toMatchObject({ state: 'past_due', nextActionAt: next });
    }
    clock.set('2025-07-06T00:00:01Z');
    await renew();
    view = await c.get();
    expect(view.body.subscription.state).toBe('expired');
    expect(view.body.effectivePlan.code).toBe('free');
    expect(failures()).toBe(4);
    expect(ledgerOf(c.t.tenant.id)).toHaveLength(1);
  });

  it('a new card while past due is charged at the next run and the subscription is active again', async () => {
    const c = await fresh();
    await c.subscribe('ok');
    await rt.call('billing.changePaymentMethod', { headers: c.auth, body: { authKey: `auth_stopped_${++n}`, customerKey: c.customerKey } });
    clock.set('2025-07-01T00:00:01Z');
    await renew();
    expect((await c.get()).body.subscription.state).toBe('past_due');
    await rt.call('billing.changePaymentMethod', { headers: c.auth, body: { authKey: `auth_ok_${++n}`, customerKey: c.customerKey } });
    await renew();
    const view = await c.get();
    expect(view.body.subscription).toMatchObject({ state: 'active', currentPeriod: { start: '2025-07-01T00:00:00.000Z' } });
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM billing_keys WHERE tenant_id = $1 AND sealed IS NOT NULL', [c.t.tenant.id]);
    expect(rows[0]!.n).toBe(1); // old keys discarded
  });

  it('a retryable provider error is retried at once with a new attempt', async () => {
    const c = await fresh();
    await c.subscribe('ok');
    await rt.call('billing.changePaymentMethod', { headers: c.auth, body: { authKey: `auth_flaky_${++n}`, customerKey: c.customerKey } });
    clock.set('2025-07-01T00:00:01Z');
    await renew();
    const view = await c.get();
    expect(view.body.subscription.state).toBe('active');
    const renewals = ledgerOf(c.t.tenant.id).filter((p) => p.orderId.startsWith('rn-'));
    expect(renewals.map((p) => p.orderId.split('-').slice(-2).join('-'))).toEqual(['1-1']); // period 1, attempt 1
  });
});

describe('secrets', () => {
  it('no billing key or full card number in any captured log line', async () => {
    const text = JSON.stringify([...rt.captured.logs, ...rt.captured.access]);
    expect(rt.captured.logs.some((l) => l.message === 'billing notice')).toBe(true);
    expect(text).not.toMatch(/bk_[A-Za-z0-9_-]{10,}/);
    expect(text).not.toMatch(/(?<![0-9a-f])\d{13,19}(?![0-9a-f])/);
    for (const row of (await db.query<{ sealed: string | null }>('SELECT sealed FROM billing_keys')).rows) {
      if (row.sealed) expect(text).not.toContain(row.sealed);
    }
  });
});
