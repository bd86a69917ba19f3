/**
 * What happens when Toss fails for a moment or a process dies mid-charge: transient provider errors are 503 and
 * retryable (never "card declined"), crashed first charges and upgrades are abandoned or settled by the runner
 * once their lease has passed (a test clock, no sleeps), and the payments cursor stays within the tenant.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BillingDeps } from '../../core/billing/ports.ts';
import { renewDue } from '../../core/billing/renewal.ts';
import { idempotencyKeyFor, orderIdFor } from '../../core/billing/settle.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { bearer, seedTenant } from '../platform/fixtures.ts';
import { billingHarness, mutableClock, type Harness } from './harness.ts';

let db: TestDatabase;
let rt: TestRuntime;
let h: Harness;
const clock = mutableClock('2025-06-01T00:00:00Z');
let deps: BillingDeps;

beforeAll(async () => {
  db = await withPglite();
  h = await billingHarness(db);
  rt = await testRuntime({ database: db, overrides: { billing: h.billing, clock } });
  deps = { ...h.billing, clock };
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
  const body = (kind: string, plan = 'basic-monthly') => ({ plan, authKey: `auth_${kind}_${++n}`, customerKey });
  return { t, auth, customerKey, body, ledger: () => h.ledger().filter((p) => p.customerKey === customerKey) };
};

describe('transient Toss errors', () => {
  it('a card that keeps answering PROVIDER_ERROR is 503 with Retry-After and retryable, not a declined card', async () => {
    const c = await fresh();
    const res = await rt.call('billing.subscribe', { headers: c.auth, body: c.body('provider') });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('10');
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body).toMatchObject({ reason: 'provider_unavailable', code: 'PROVIDER_ERROR', retryable: true });
    expect(res.body.detail).not.toMatch(/declined/);
  });

  it('a PROVIDER_ERROR once is retried at once as a new attempt and pays', async () => {
    const c = await fresh();
    const res = await rt.call('billing.subscribe', { headers: c.auth, body: c.body('flaky') });
    expect(res.status).toBe(201);
    expect(res.body.subscription.state).toBe('active');
    expect(c.ledger().map((p) => p.orderId)).toEqual([expect.stringMatching(/^in-[0-9a-f]{40}-1$/)]);
  });

  it('after a 503 the same request again pays once', async () => {
    const c = await fresh();
    const body = c.body('ok');
    await h.control('fail-next', { code: 'FAILED_INTERNAL_SYSTEM_PROCESSING', status: 400, count: 3 });
    const first = await rt.call('billing.subscribe', { headers: c.auth, body });
    expect(first.status).toBe(503);
    expect(c.ledger()).toHaveLength(0);
    const again = await rt.call('billing.subscribe', { headers: c.auth, body });
    expect(again.status).toBe(201);
    expect(again.body.subscription.state).toBe('active');
    expect(c.ledger()).toHaveLength(1);
  });

  it('an upgrade hit by PROVIDER_ERROR is 503; the retry charges once; a declined card stays declined on repeat', async () => {
    const c = await fresh();
    expect((await rt.call('billing.subscribe', { headers: c.auth, body: c.body('ok') })).status).toBe(201);
    clock.set('2025-06-16T00:00:00Z');
    await h.control('fail-next', { code: 'PROVIDER_ERROR', status: 400, count: 1 });
    const first = await rt.call('billing.changePlan', { headers: c.auth, body: { plan: 'pro-monthly' } });
    expect(first.status).toBe(503);
    expect(first.body).toMatchObject({ code: 'PROVIDER_ERROR', retryable: true });
    const again = await rt.call('billing.changePlan', { headers: c.auth, body: { plan: 'pro-monthly' } });
    expect(again.status).toBe(200);
    expect(again.body.chargedKrw).toBe(25_000);
    expect(c.ledger().map((p) => p.totalAmount)).toEqual([29_000, 25_000]);

    const d = await fresh();
    expect((await rt.call('billing.subscribe', { headers: d.auth, body: d.body('ok') })).status).toBe(201);
    await rt.call('billing.changePaymentMethod', { headers: d.auth, body: { authKey: `auth_stopped_${++n}`, customerKey: d.customerKey } });
    const declined = await rt.call('billing.changePlan', { headers: d.auth, body: { plan: 'pro-monthly' } });
    expect(declined.status).toBe(422);
    const repeat = await rt.call('billing.changePlan', { headers: d.auth, body: { plan: 'pro-monthly' } });
    expect(repeat.status).toBe(422);
    expect(repeat.body).toMatchObject({ reason: 'payment_declined', code: 'INVALID_STOPPED_CARD' });
    expect((await rt.call('billing.getSubscription', { headers: d.auth })).body.subscription.plan.id).toBe('basic-monthly');
  });
});

describe('work a crashed process left (the runner, once the lease has passed)', () => {
  /** A first charge recorded (intent and sealed billing key) by a process that died before or after calling Toss. */
  const crashedInitial = async (charge: boolean) => {
    const c = await fresh();
    const issued = await h.billing.gateway.issueBillingKey({ authKey: `auth_ok_${++n}`, customerKey: c.customerKey, idempotencyKey: `crash-${n}` });
    const billingKeyId = `bk-crash-${n}`;
    const now = clock.now();
    await h.billing.store.insertBillingKey({ id: billingKeyId, tenantId: c.t.tenant.id, customerKey: c.customerKey, sealed: h.billing.vault.seal(issued.billingKey), card: issued.card, createdAt: now, discardedAt: null });
    const orderId = `in-crash${String(n).padStart(6, '0')}`;
    const intent = await h.billing.store.recordIntent({
      id: crypto.randomUUID(), tenantId: c.t.tenant.id, subscriptionId: crypto.randomUUID(), kind: 'initial', periodIndex: 0, attempt: 0, orderId,
      idempotencyKey: idempotencyKeyFor(orderId), amountKrw: 29_000, orderName: 'Sell-Po Basic (monthly)', planId: 'basic-monthly', planVersion: 1, billingKeyId,
      targetPaymentKey: null, status: 'pending', paymentKey: null, failureCode: null, failureMessage: null, createdAt: now, resolvedAt: null,
    });
    if (charge) {
      expect((await h.billing.gateway.charge({ billingKey: issued.billingKey, customerKey: c.customerKey, amountKrw: 29_000, orderId, orderName: intent.orderName, idempotencyKey: intent.idempotencyKey })).kind).toBe('paid');
    }
    const state = async () => ({
      intent: await h.billing.store.getIntentByOrderId(orderId),
      key: await h.billing.store.getBillingKey(c.t.tenant.id, billingKeyId),
      sub: await h.billing.store.latestSubscription(c.t.tenant.id),
    });
    return { c, state };
  };

  it('a first charge Toss never saw is ABANDONED and its billing key wiped, only after the lease', async () => {
    const { c, state } = await crashedInitial(false);
    clock.set('2025-06-01T00:01:59Z'); // within the 120 s lease: it may still be running
    await renewDue(deps, { owner: 'r1' });
    expect((await state()).intent!.status).toBe('pending');
    clock.set('2025-06-01T00:02:01Z');
    await renewDue(deps, { owner: 'r2' });
    const after = await state();
    expect(after.intent).toMatchObject({ status: 'failed', failureCode: 'ABANDONED' });
    expect(after.key).toMatchObject({ sealed: { data: '' } });
    expect(after.key!.discardedAt).not.toBeNull();
    expect(after.sub).toBeNull();
    expect(c.ledger()).toHaveLength(0);
    // The tenant may subscribe again at once.
    expect((await rt.call('billing.subscribe', { headers: c.auth, body: c.body('ok') })).status).toBe(201);
  });

  it('a first charge Toss did take is settled: the subscription exists and the key is kept', async () => {
    const { c, state } = await crashedInitial(true);
    clock.set('2025-06-01T00:02:01Z');
    await renewDue(deps, { owner: 'r3' });
    const after = await state();
    expect(after.intent!.status).toBe('succeeded');
    expect(after.key!.discardedAt).toBeNull();
    expect(after.sub).toMatchObject({ state: 'active', amountKrw: 29_000 });
    expect(c.ledger()).toHaveLength(1);
  });

  it('an upgrade Toss never saw is ABANDONED; the plan and the card stay', async () => {
    const c = await fresh();
    expect((await rt.call('billing.subscribe', { headers: c.auth, body: c.body('ok') })).status).toBe(201);
    const sub = (await h.billing.store.latestSubscription(c.t.tenant.id))!;
    clock.set('2025-06-16T00:00:00Z');
    const orderId = orderIdFor('up', sub.id, sub.periodIndex, sub.version);
    await h.billing.store.recordIntent({
      id: crypto.randomUUID(), tenantId: c.t.tenant.id, subscriptionId: sub.id, kind: 'upgrade', periodIndex: sub.periodIndex, attempt: sub.version, orderId,
      idempotencyKey: idempotencyKeyFor(orderId), amountKrw: 25_000, orderName: 'Sell-Po upgrade to Pro', planId: 'pro-monthly', planVersion: 1,
      billingKeyId: sub.billingKeyId, targetPaymentKey: null, status: 'pending', paymentKey: null, failureCode: null, failureMessage: null, createdAt: clock.now(), resolvedAt: null,
    });
    clock.set('2025-06-16T00:02:01Z');
    await renewDue(deps, { owner: 'r4' });
    expect(await h.billing.store.getIntentByOrderId(orderId)).toMatchObject({ status: 'failed', failureCode: 'ABANDONED' });
    expect((await h.billing.store.getBillingKey(c.t.tenant.id, sub.billingKeyId))!.discardedAt).toBeNull();
    expect((await h.billing.store.latestSubscription(c.t.tenant.id))!.planId).toBe('basic-monthly');
  });
});

describe('payments cursor', () => {
  it('pages the tenant\'s own history, carries no platform-wide number, and refuses an edited or foreign cursor with 400', async () => {
    const a = await fresh();
    const b = await fresh();
    expect((await rt.call('billing.subscribe', { headers: a.auth, body: a.body('ok') })).status).toBe(201);
    expect((await rt.call('billing.subscribe', { headers: b.auth, body: b.body('ok') })).status).toBe(201);
    clock.set('2025-06-16T00:00:00Z');
    expect((await rt.call('billing.changePlan', { headers: a.auth, body: { plan: 'pro-monthly' } })).status).toBe(200);

    const first = await rt.call('billing.listPayments', { headers: a.auth, query: { limit: 1 } });
    expect(first.body.items.map((p: { kind: string }) => p.kind)).toEqual(['upgrade']);
    const cursor = first.body.nextCursor as string;
    const second = await rt.call('billing.listPayments', { headers: a.auth, query: { limit: 1, cursor } });
    expect(second.status).toBe(200);
    expect(second.body.items.map((p: { kind: string }) => p.kind)).toEqual(['initial']);
    expect(second.body.nextCursor).toBeNull();

    // Nothing in it counts rows across tenants: once the tenant's own payment keys are set aside, none of the
    // platform-wide sequence numbers appears in what it encodes.
    const { rows } = await db.query<{ seq: string }>('SELECT seq::text FROM billing_payments');
    let payload = Buffer.from(cursor.split('.')[0]!, 'base64url').toString('latin1');
    for (const p of first.body.items as { paymentKey: string }[]) payload = payload.replaceAll(p.paymentKey, '');
    const numbers = payload.match(/\d+/g) ?? [];
    expect(numbers.length).toBeGreaterThan(0);
    for (const { seq } of rows) expect(numbers).not.toContain(seq);

    const edited = `${cursor.slice(0, 3)}${cursor[3] === 'A' ? 'B' : 'A'}${cursor.slice(4)}`;
    const bad = await rt.call('billing.listPayments', { headers: a.auth, query: { cursor: edited } });
    expect(bad.status).toBe(400);
    const foreign = await rt.call('billing.listPayments', { headers: b.auth, query: { cursor } });
    expect(foreign.status).toBe(400);
    expect(foreign.body.field).toBe('cursor');
  });
});
