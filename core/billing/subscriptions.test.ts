/** The tenant's billing use cases over in-memory ports and a scripted Toss (docs/billing.md). */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import { defaultCatalog, FREE_PLAN } from './plans.ts';
import type { GatewayPayment, PaymentIntent, PaymentRecord, PlanCatalog, StoredBillingKey, Subscription } from './model.ts';
import {
  cancelAtPeriodEnd, cancelNow, changePaymentMethod, changePlan, effectivePlan, executeRefund, getSubscription, listPayments, resume, subscribe,
} from './subscriptions.ts';
import type { BillingDeps, BillingUnit } from './ports.ts';
import { settleInitial, settlePaid } from './settle.ts';
import { billingTestbed, DAY_MS, declined } from '../../tests/billing/memory-billing.ts';

const START = '2026-03-01T00:00:00Z';
// sha256("t1:auth-1") and sha256("t1:auth-2"), first 40 hex digits.
const H1 = '96cdae6f3ab1942604d24c28d2ea8c4ccb7deb94';
const H2 = 'ee46e5811865963c291c64c26267dc0819337077';
const SUB = '0b1c2d3e-aaaa-4bbb-8ccc-ddddeeeeffff';
const HEX = '0b1c2d3eaaaa4bbb8cccddddeeeeffff';
const basic = defaultCatalog[0]!;

const input = (over: Partial<{ planId: string; authKey: string; customerKey: string; trial: boolean }> = {}) => ({ planId: 'basic-monthly', authKey: 'auth-1', customerKey: 'cust-1', ...over });

const failure = async (promise: Promise<unknown>): Promise<DomainError> => {
  const error = await promise.then(() => null, (e: unknown) => e);
  if (!(error instanceof DomainError)) throw new Error(`expected a domain error, got ${String(error)}`);
  return error;
};

/** An active basic-monthly subscription for March 2026 (31 days), paid 29,000 with payment pk-0. */
const activeBed = (over: Partial<Subscription> = {}, plans?: PlanCatalog) => {
  const bed = billingTestbed(START, plans ? { plans } : {});
  const sub: Subscription = {
    id: SUB, tenantId: 't1', state: 'active', planId: 'basic-monthly', planVersion: 1, amountKrw: 29_000, anchor: new Date(START), periodIndex: 0,
    currentPeriodStart: new Date(START), currentPeriodEnd: new Date('2026-04-01T00:00:00Z'), trialEndsAt: null, pendingPlanId: null, billingKeyId: 'bk-old',
    customerKey: 'cust-1', attempt: 0, dunningStep: 0, nextActionAt: new Date('2026-04-01T00:00:00Z'), canceledAt: null, endedAt: null, createdAt: new Date(START),
    version: 3, ...over,
  };
  const key: StoredBillingKey = {
    id: 'bk-old', tenantId: 't1', customerKey: 'cust-1', sealed: { keyId: 'v1', data: 'sealed:billing-old' }, card: { number: '1111********222*', issuerCode: null, cardType: null, ownerType: null },
    createdAt: new Date(START), discardedAt: null,
  };
  bed.data.subscriptions.push(sub);
  bed.data.keys.push(key);
  const payment = (paymentKey: string, amount: number, balance = amount): PaymentRecord => ({
    paymentKey, tenantId: 't1', subscriptionId: SUB, orderId: `o-${paymentKey}`, kind: 'initial', periodIndex: 0, orderName: 'x', status: 'DONE', amountKrw: amount,
    balanceKrw: balance, cardNumber: null, receiptUrl: null, approvedAt: new Date(START), createdAt: new Date(START), updatedAt: new Date(START),
  });
  const paid = (paymentKey: string, amount: number, balance = amount) => {
    bed.data.payments.push(payment(paymentKey, amount, balance));
    bed.toss.ledger.set(paymentKey, { paymentKey, orderId: `o-${paymentKey}`, orderName: 'x', status: 'DONE', totalAmount: amount, balanceAmount: balance, approvedAt: new Date(START), receiptUrl: null, card: null, cancels: [] });
  };
  return { ...bed, sub, paid };
};

/** Another path (a webhook) settles each paid charge while Toss's answer is still on its way back. */
const settledWhileTossAnswers = (
  deps: BillingDeps,
  intents: readonly PaymentIntent[],
  settle: (unit: BillingUnit, intent: PaymentIntent, payment: GatewayPayment) => Promise<unknown>,
): void => {
  const { charge } = deps.gateway;
  deps.gateway = {
    ...deps.gateway,
    charge: async (request, signal) => {
      const outcome = await charge(request, signal);
      const intent = intents.find((i) => i.orderId === request.orderId)!;
      if (outcome.kind === 'paid') await deps.store.transaction((unit) => settle(unit, intent, outcome.payment));
      return outcome;
    },
  };
};

describe('effectivePlan', () => {
  const policy = { retryDays: [1, 3, 5] } as never;
  const deps = { plans: defaultCatalog, policy };
  const end = new Date('2026-04-01T00:00:00Z');
  const sub = (state: Subscription['state'], over: Partial<Subscription> = {}) => ({ ...activeBed().sub, state, ...over });
  const code = (s: Subscription | null, at: Date) => effectivePlan(deps, s, at).planCode;

  it('a live subscription gives its plan until its period ends; then, or without one, the free plan', () => {
    expect(effectivePlan(deps, sub('active'), new Date(end.getTime() - 1))).toEqual({ planCode: 'basic', planId: 'basic-monthly', entitlements: basic.entitlements });
    expect(effectivePlan(deps, sub('active'), end)).toEqual({ planCode: 'free', planId: null, entitlements: FREE_PLAN.entitlements });
    expect(code(null, end)).toBe('free');
    expect(code(sub('canceled'), new Date(end.getTime() - 1))).toBe('basic');
    expect(code(sub('trialing'), new Date(end.getTime() - 1))).toBe('basic');
    expect(code(sub('expired'), new Date(START))).toBe('free');
    expect(code(sub('active', { planVersion: 9 }), new Date(START))).toBe('free');
  });

  it('past due keeps the plan through the last retry day and one day more (1 + 5 days after the period end)', () => {
    expect(code(sub('past_due'), new Date(end.getTime() + 6 * DAY_MS - 1))).toBe('basic');
    expect(code(sub('past_due'), new Date(end.getTime() + 6 * DAY_MS))).toBe('free');
    const none = { plans: defaultCatalog, policy: { retryDays: [] } as never };
    expect(effectivePlan(none, sub('past_due'), new Date(end.getTime() + DAY_MS - 1)).planCode).toBe('basic');
    expect(effectivePlan(none, sub('past_due'), new Date(end.getTime() + DAY_MS)).planCode).toBe('free');
  });
});

describe('reading', () => {
  it('getSubscription shows the subscription, its masked card and what it entitles to', async () => {
    const { deps } = activeBed();
    const view = await getSubscription(deps, 't1');
    expect(view.subscription?.id).toBe(SUB);
    expect(view.card).toEqual({ number: '1111********222*', issuerCode: null, cardType: null, ownerType: null });
    expect(view.effective.planCode).toBe('basic');
    expect(view.plan).toEqual(basic);
    expect(await getSubscription(deps, 't2')).toEqual({ subscription: null, plan: null, card: null, effective: { planCode: 'free', planId: null, entitlements: FREE_PLAN.entitlements } });
    // A plan version the catalogue lost shows no plan.
    const lost = activeBed({ planVersion: 9 });
    expect((await getSubscription(lost.deps, 't1')).plan).toBeNull();
  });

  it('an administrator\'s daily API-call budget replaces the plan\'s, and only that entitlement', async () => {
    const { deps } = activeBed();
    await deps.store.setApiCallBudget('t1', 7_000, new Date(START));
    expect((await getSubscription(deps, 't1')).effective).toEqual({
      planCode: 'basic', planId: 'basic-monthly', entitlements: { apiCallsPerDay: 7_000, trackedKeywords: 200, agentRunsPerMonth: 100, members: 3 },
    });
  });

  it('listPayments reads the tenant\'s history', async () => {
    const { deps, paid } = activeBed();
    paid('pk-0', 29_000);
    expect((await listPayments(deps, 't1', { limit: 10 })).items.map((p) => p.paymentKey)).toEqual(['pk-0']);
  });
});

describe('subscribe', () => {
  it('issues the key, charges the first period with a deterministic order id and starts the subscription', async () => {
    const { deps, data, toss, notices } = billingTestbed(START);
    const issues: string[] = [];
    const lookups: string[] = [];
    const { issueBillingKey, getPaymentByOrderId } = deps.gateway;
    deps.gateway = {
      ...deps.gateway,
      issueBillingKey: (request, signal) => (issues.push(request.idempotencyKey), issueBillingKey(request, signal)),
      getPaymentByOrderId: (orderId, signal) => (lookups.push(orderId), getPaymentByOrderId(orderId, signal)),
    };
    const view = await subscribe(deps, 't1', input());
    expect(issues).toEqual([`sellpo-issue-${H1}`]);
    expect(toss.charges).toEqual([{
      billingKey: 'bk-secret-auth-1', customerKey: 'cust-1', amountKrw: 29_000, orderId: `in-${H1}`, orderName: 'Sell-Po Basic (monthly)', idempotencyKey: `sellpo-in-${H1}`,
    }]);
    expect(view.subscription).toMatchObject({ state: 'active', planId: 'basic-monthly', amountKrw: 29_000, currentPeriodEnd: new Date('2026-04-01T00:00:00Z'), billingKeyId: `bk-${H1}`, customerKey: 'cust-1' });
    expect(view.card?.number).toBe('4330********123*');
    expect(data.keys).toEqual([{
      id: `bk-${H1}`, tenantId: 't1', customerKey: 'cust-1', sealed: { keyId: 'v1', data: 'sealed:bk-secret-auth-1' }, card: expect.any(Object), createdAt: new Date(START), discardedAt: null,
    }]);
    expect(data.intents.map((i) => [i.kind, i.orderId, i.status, i.amountKrw, i.periodIndex, i.attempt, i.planId, i.planVersion, i.billingKeyId])).toEqual([
      ['initial', `in-${H1}`, 'succeeded', 29_000, 0, 0, 'basic-monthly', 1, `bk-${H1}`],
    ]);
    expect(data.lockedTenants).toEqual(['t1']);
    expect(notices).toEqual([{ tenantId: 't1', notice: { kind: 'receipt', subscriptionId: view.subscription!.id, orderId: `in-${H1}`, amountKrw: 29_000, receiptUrl: `https://receipt.example/pay-in-${H1}` } }]);
    // The same request again finds the paid intent: no second charge, no look-up at Toss, no second receipt.
    lookups.length = 0;
    await subscribe(deps, 't1', input());
    expect(toss.charges).toHaveLength(1);
    expect(lookups).toEqual([]);
    expect(notices).toHaveLength(1);
  });

  it('refuses a plan not on sale, naming the ones that are', async () => {
    const { deps } = billingTestbed(START);
    const error = await failure(subscribe(deps, 't1', input({ planId: 'gold' })));
    expect(error).toMatchObject({
      code: 'invalid', message: "There is no plan 'gold'; choose one of basic-monthly, basic-yearly, pro-monthly, pro-yearly.",
      details: { field: 'plan', known: ['basic-monthly', 'basic-yearly', 'pro-monthly', 'pro-yearly'] },
    });
  });

  it('refuses a second live subscription with 409 naming it', async () => {
    const { deps, toss } = activeBed();
    const error = await failure(subscribe(deps, 't1', input()));
    expect(error).toMatchObject({ code: 'conflict', message: 'The tenant already has a active subscription; change its plan instead.', details: { subscriptionId: SUB, state: 'active' } });
    expect(toss.charges).toEqual([]);
  });

  it('a tenant whose last subscription expired may subscribe again', async () => {
    const { deps, toss } = activeBed({ state: 'expired' });
    await subscribe(deps, 't1', input());
    expect(toss.charges).toHaveLength(1);
  });

  it('an authKey another tenant used answers 409', async () => {
    const { deps } = billingTestbed(START);
    // sha256("a:b:c") is the digest of tenant "a" with authKey "b:c" and of tenant "a:b" with authKey "c".
    await subscribe(deps, 'a', input({ authKey: 'b:c' }));
    expect(await failure(subscribe(deps, 'a:b', input({ authKey: 'c' })))).toMatchObject({ code: 'conflict', message: 'This authKey was already used.' });
  });

  it('a trial starts without a charge and runs the plan\'s trial days', async () => {
    const { deps, toss, data } = billingTestbed(START);
    const view = await subscribe(deps, 't1', input({ trial: true }));
    const trialEnd = new Date('2026-03-15T00:00:00Z');
    expect(toss.charges).toEqual([]);
    expect(view.subscription).toEqual({
      id: expect.any(String), tenantId: 't1', state: 'trialing', planId: 'basic-monthly', planVersion: 1, amountKrw: 0, anchor: trialEnd, periodIndex: 0,
      currentPeriodStart: new Date(START), currentPeriodEnd: trialEnd, trialEndsAt: trialEnd, pendingPlanId: null, billingKeyId: `bk-${H1}`, customerKey: 'cust-1',
      attempt: 0, dunningStep: 0, nextActionAt: trialEnd, canceledAt: null, endedAt: null, createdAt: new Date(START), version: 1,
    });
    expect(data.keys.map((k) => k.id)).toEqual([`bk-${H1}`]);
    expect(data.lockedTenants).toEqual(['t1']);
  });

  it('the trial is for a first subscription only, and only on a plan that has one', async () => {
    const { deps } = activeBed({ state: 'expired' });
    expect(await failure(subscribe(deps, 't1', input({ trial: true })))).toMatchObject({ code: 'unprocessable', message: 'The free trial is for a first subscription only.', details: { reason: 'trial_used' } });
    const noTrial = billingTestbed(START, { plans: [{ ...basic, trialDays: 0 }] });
    expect(await failure(subscribe(noTrial.deps, 't1', input({ trial: true })))).toMatchObject({ code: 'invalid', message: 'Plan basic-monthly has no trial.', details: { field: 'trial' } });
    const oneDay = billingTestbed(START, { plans: [{ ...basic, trialDays: 1 }] });
    expect((await subscribe(oneDay.deps, 't1', input({ trial: true }))).subscription?.currentPeriodEnd).toEqual(new Date('2026-03-02T00:00:00Z'));
  });

  it('a trial that finds a live subscription once the tenant is locked stores nothing', async () => {
    const { deps, data } = billingTestbed(START);
    const latest = deps.store.latestSubscription;
    let reads = 0;
    // The first read (before the key is issued) sees none; the one under the lock sees a subscription that won the race.
    deps.store.transaction = ((work) => work({ ...deps.store, latestSubscription: async () => (reads++, { ...activeBed().sub }) })) as typeof deps.store.transaction;
    expect(await failure(subscribe(deps, 't1', input({ trial: true })))).toMatchObject({ code: 'conflict', message: 'The tenant already has a live subscription.' });
    expect(reads).toBe(1);
    expect(data.keys).toEqual([]);
    expect(await latest('t1')).toBeNull();
  });

  it('a paid subscribe that finds a live subscription once the tenant is locked stores nothing and charges nothing', async () => {
    const { deps, data, toss } = billingTestbed(START);
    // The first read sees none; the one under the lock sees a subscription that won the race.
    deps.store.transaction = ((work) => work({ ...deps.store, latestSubscription: async () => ({ ...activeBed().sub }) })) as typeof deps.store.transaction;
    expect(await failure(subscribe(deps, 't1', input()))).toMatchObject({ code: 'conflict', message: 'The tenant already has a live subscription.' });
    expect(data.keys).toEqual([]);
    expect(data.intents).toEqual([]);
    expect(toss.charges).toEqual([]);
  });

  it('a payment another path (a webhook) settled while Toss answered gets its receipt from that path only', async () => {
    const { deps, data, toss, notices } = billingTestbed(START);
    settledWhileTossAnswers(deps, data.intents, (unit, intent, payment) => settleInitial(unit, deps.plans, intent, payment, 'cust-1', deps.clock.now()));
    const view = await subscribe(deps, 't1', input());
    expect(view.subscription).toMatchObject({ state: 'active', planId: 'basic-monthly' });
    expect(toss.charges).toHaveLength(1);
    expect(notices).toEqual([]);
  });

  it('a declined card answers 422 with the code; the key is wiped and the authKey cannot be used again', async () => {
    const { deps, data, toss } = billingTestbed(START);
    toss.outcomes.push(declined('INVALID_STOPPED_CARD'));
    const error = await failure(subscribe(deps, 't1', input()));
    expect(error).toMatchObject({ code: 'unprocessable', message: 'The card was declined: declined: INVALID_STOPPED_CARD', details: { reason: 'payment_declined', code: 'INVALID_STOPPED_CARD' } });
    expect(data.intents.map((i) => [i.status, i.failureCode])).toEqual([['failed', 'INVALID_STOPPED_CARD']]);
    expect(data.keys[0]!.discardedAt).toEqual(new Date(START));
    expect(data.subscriptions).toEqual([]);
    const again = await failure(subscribe(deps, 't1', input()));
    expect(again).toMatchObject({
      code: 'unprocessable', message: 'This card authorisation was already used for a payment that failed; authorise the card again.',
      details: { reason: 'auth_key_used', code: 'INVALID_STOPPED_CARD' },
    });
    expect(toss.charges).toHaveLength(1);
  });

  it('a transient error is tried again at once as new attempts, then answers 503; the same request later pays', async () => {
    const { deps, data, toss } = billingTestbed(START);
    toss.outcomes.push(declined('PROVIDER_ERROR', true), declined('PROVIDER_ERROR', true), declined('PROVIDER_ERROR', true));
    const error = await failure(subscribe(deps, 't1', input()));
    expect(error).toMatchObject({
      code: 'unavailable', retryAfterSeconds: 10, message: 'The payment provider failed for a moment and nothing was charged; send the same request again shortly.',
      details: { reason: 'provider_unavailable', code: 'PROVIDER_ERROR', retryable: true },
    });
    // Attempt 0 and the two re-tries (retryableAttempts 2) were sent; attempt 3 waits for the caller's retry.
    expect(toss.charges.map((c) => [c.orderId, c.idempotencyKey])).toEqual([
      [`in-${H1}`, `sellpo-in-${H1}`], [`in-${H1}-1`, `sellpo-in-${H1}-1`], [`in-${H1}-2`, `sellpo-in-${H1}-2`],
    ]);
    expect(data.intents.map((i) => [i.orderId, i.attempt, i.status])).toEqual([
      [`in-${H1}`, 0, 'failed'], [`in-${H1}-1`, 1, 'failed'], [`in-${H1}-2`, 2, 'failed'], [`in-${H1}-3`, 3, 'pending'],
    ]);
    expect(data.keys[0]!.discardedAt).toBeNull();
    const view = await subscribe(deps, 't1', input());
    expect(toss.charges.at(-1)!.orderId).toBe(`in-${H1}-3`);
    expect(view.subscription?.state).toBe('active');
    expect(toss.charges).toHaveLength(4);
  });

  it('a charge Toss did not confirm answers 503 Retry-After 5; the retry finds the payment Toss made and charges nothing more', async () => {
    const { deps, data, toss } = billingTestbed(START);
    toss.outcomes.push({ kind: 'unknown', reason: 'timeout' });
    expect(await failure(subscribe(deps, 't1', input()))).toMatchObject({
      code: 'unavailable', retryAfterSeconds: 5, message: 'The payment provider did not confirm the charge in time; send the same request again to learn its outcome.',
    });
    expect(data.intents.map((i) => i.status)).toEqual(['pending']);
    toss.ledger.set('pk-late', { paymentKey: 'pk-late', orderId: `in-${H1}`, orderName: 'x', status: 'DONE', totalAmount: 29_000, balanceAmount: 29_000, approvedAt: null, receiptUrl: null, card: null, cancels: [] });
    const view = await subscribe(deps, 't1', input());
    expect(toss.charges).toHaveLength(1);
    expect(view.subscription?.state).toBe('active');
    expect(data.payments.map((p) => p.paymentKey)).toEqual(['pk-late']);
  });

  it('a look-up that fails is taken as no payment: the very same request is sent again', async () => {
    const { deps, toss } = billingTestbed(START);
    toss.outcomes.push({ kind: 'unknown', reason: 'timeout' });
    await failure(subscribe(deps, 't1', input()));
    toss.gateway.getPaymentByOrderId = async () => Promise.reject(new Error('socket hang up'));
    await subscribe(deps, 't1', input());
    expect(toss.charges.map((c) => c.orderId)).toEqual([`in-${H1}`, `in-${H1}`]);
  });

  it('another first payment of the tenant in flight answers 409 Retry-After 5', async () => {
    const { deps, toss } = billingTestbed(START);
    toss.outcomes.push({ kind: 'unknown', reason: 'timeout' });
    await failure(subscribe(deps, 't1', input()));
    expect(await failure(subscribe(deps, 't1', input({ authKey: 'auth-2' })))).toMatchObject({
      code: 'conflict', retryAfterSeconds: 5, message: 'Another subscription payment of this tenant is in progress; retry that request.',
    });
    expect(toss.charges).toHaveLength(1);
  });

  it('ten attempts at most per authKey: the tenth transient failure is final', async () => {
    const { deps, data, toss } = billingTestbed(START, { policy: { retryableAttempts: 20 } });
    for (let i = 0; i < 10; i++) toss.outcomes.push(declined('PROVIDER_ERROR', true));
    expect(await failure(subscribe(deps, 't1', input()))).toMatchObject({ code: 'unprocessable', details: { reason: 'payment_declined', code: 'PROVIDER_ERROR' } });
    expect(toss.charges.map((c) => c.orderId)).toEqual([`in-${H1}`, ...Array.from({ length: 9 }, (_, i) => `in-${H1}-${i + 1}`)]);
    expect(data.keys[0]!.discardedAt).toEqual(new Date(START));
    expect(await failure(subscribe(deps, 't1', input()))).toMatchObject({ details: { reason: 'auth_key_used' } });
  });
});

describe('cancelAtPeriodEnd and resume', () => {
  it('a cancel keeps the plan to the period end (and drops a pending downgrade); resume withdraws it', async () => {
    const { deps, data, notices, clock } = activeBed({ pendingPlanId: 'basic-monthly' });
    clock.set('2026-03-11T00:00:00Z');
    const view = await cancelAtPeriodEnd(deps, 't1');
    expect(view.subscription).toMatchObject({ state: 'canceled', canceledAt: new Date('2026-03-11T00:00:00Z'), nextActionAt: new Date('2026-04-01T00:00:00Z'), pendingPlanId: null, endedAt: null, version: 4 });
    expect(notices).toEqual([{ tenantId: 't1', notice: { kind: 'expiring', subscriptionId: SUB, endsAt: new Date('2026-04-01T00:00:00Z') } }]);
    const resumed = await resume(deps, 't1');
    expect(resumed.subscription).toMatchObject({ state: 'active', canceledAt: null, nextActionAt: new Date('2026-04-01T00:00:00Z'), version: 5 });
    expect(data.subscriptions).toHaveLength(1);
  });

  it('a past-due subscription canceled ends at once', async () => {
    const { deps, notices } = activeBed({ state: 'past_due' });
    const view = await cancelAtPeriodEnd(deps, 't1');
    expect(view.subscription).toMatchObject({ state: 'expired', canceledAt: new Date(START), endedAt: new Date(START), nextActionAt: null });
    expect(notices).toEqual([{ tenantId: 't1', notice: { kind: 'expired', subscriptionId: SUB } }]);
  });

  it('resume after the canceled period ended answers 422; without a subscription 404', async () => {
    const { deps, clock } = activeBed({ state: 'canceled', canceledAt: new Date(START) });
    clock.set('2026-04-01T00:00:00Z');
    expect(await failure(resume(deps, 't1'))).toMatchObject({ code: 'unprocessable', message: 'The canceled period has ended; subscribe again.', details: { state: 'canceled' } });
    clock.set('2026-03-31T23:59:59.999Z');
    expect((await resume(deps, 't1')).subscription?.state).toBe('active');
    expect(await failure(resume(billingTestbed(START).deps, 't1'))).toMatchObject({ code: 'not_found' });
    expect(await failure(cancelAtPeriodEnd(billingTestbed(START).deps, 't1'))).toMatchObject({ code: 'not_found', message: 'Subscription was not found' });
  });

  it('a change that lost a race with another answers 409 and writes nothing', async () => {
    const { deps, data } = activeBed();
    deps.store.transaction = ((work) => work({ ...deps.store, updateSubscription: async () => false })) as typeof deps.store.transaction;
    expect(await failure(cancelAtPeriodEnd(deps, 't1'))).toMatchObject({ code: 'conflict', message: 'The subscription changed meanwhile; try again.' });
    expect(data.subscriptions[0]!.state).toBe('active');
  });

  it('a subscription the lock no longer finds answers 404', async () => {
    const { deps } = activeBed();
    deps.store.transaction = ((work) => work({ ...deps.store, lockSubscription: async () => null })) as typeof deps.store.transaction;
    expect(await failure(resume(deps, 't1'))).toMatchObject({ code: 'not_found' });
  });
});

describe('cancelNow', () => {
  // 10 of 31 days used on 2026-03-11: the unused share of 29,000 is floor(29,000 * 21 / 31) = 19,645.
  const NOW = '2026-03-11T00:00:00Z';

  it('ends the subscription and refunds the unused share of the period from its payment', async () => {
    const { deps, data, toss, notices, clock, paid } = activeBed();
    paid('pk-0', 29_000);
    clock.set(NOW);
    const view = await cancelNow(deps, 't1', 'moving to another service');
    expect(view.refundedKrw).toBe(19_645);
    expect(toss.cancels).toEqual([{ paymentKey: 'pk-0', reason: 'moving to another service', amountKrw: 19_645, idempotencyKey: `sellpo-rf-${HEX}-0-0` }]);
    expect(view.subscription).toMatchObject({ state: 'expired', canceledAt: new Date(NOW), endedAt: new Date(NOW), nextActionAt: null, pendingPlanId: null, version: 4 });
    expect(data.intents.map((i) => [i.kind, i.orderId, i.amountKrw, i.targetPaymentKey, i.status, i.orderName])).toEqual([
      ['refund', `rf-${HEX}-0-0`, 19_645, 'pk-0', 'succeeded', 'moving to another service'],
    ]);
    expect(data.payments[0]).toMatchObject({ status: 'PARTIAL_CANCELED', balanceKrw: 9_355, updatedAt: new Date(NOW) });
    expect(notices).toEqual([
      { tenantId: 't1', notice: { kind: 'refund', subscriptionId: SUB, paymentKey: 'pk-0', amountKrw: 19_645 } },
      { tenantId: 't1', notice: { kind: 'expired', subscriptionId: SUB } },
    ]);
  });

  it('draws the refund from the newest payments first, skipping those with nothing left', async () => {
    const { deps, data, clock, paid } = activeBed();
    paid('pk-0', 29_000);
    paid('pk-empty', 3_000, 0);
    paid('pk-up', 5_000);
    clock.set(NOW);
    expect((await cancelNow(deps, 't1', 'r')).refundedKrw).toBe(19_645);
    expect(data.intents.map((i) => [i.orderId, i.targetPaymentKey, i.amountKrw])).toEqual([[`rf-${HEX}-0-0`, 'pk-up', 5_000], [`rf-${HEX}-0-1`, 'pk-0', 14_645]]);
  });

  it('stops once the share is covered', async () => {
    const { deps, data, clock, paid } = activeBed();
    paid('pk-0', 29_000);
    paid('pk-1', 29_000);
    clock.set(NOW);
    await cancelNow(deps, 't1', 'r');
    expect(data.intents.map((i) => [i.targetPaymentKey, i.amountKrw])).toEqual([['pk-1', 19_645]]);
  });

  it('a canceled subscription is refunded too; a trial or a past-due one has nothing to refund', async () => {
    const canceled = activeBed({ state: 'canceled', canceledAt: new Date(START) });
    canceled.paid('pk-0', 29_000);
    canceled.clock.set(NOW);
    const view = await cancelNow(canceled.deps, 't1', 'r');
    expect(view.refundedKrw).toBe(19_645);
    expect(view.subscription?.canceledAt).toEqual(new Date(START));
    for (const state of ['trialing', 'past_due'] as const) {
      const bed = activeBed({ state });
      bed.paid('pk-0', 29_000);
      bed.clock.set(NOW);
      expect((await cancelNow(bed.deps, 't1', 'r')).refundedKrw).toBe(0);
      expect(bed.toss.cancels).toEqual([]);
      expect(bed.notices).toEqual([{ tenantId: 't1', notice: { kind: 'expired', subscriptionId: SUB } }]);
    }
  });

  it('a refund Toss refuses is failed for an operator; one that failed for a moment stays pending; neither counts as refunded', async () => {
    const { deps, data, toss, clock, paid, notices } = activeBed();
    paid('pk-0', 29_000);
    paid('pk-1', 10_000);
    clock.set(NOW);
    toss.cancelErrors.push(new DomainError('unprocessable', 'not cancelable', { details: { code: 'NOT_CANCELABLE_AMOUNT' } }), new Error('timeout'));
    expect((await cancelNow(deps, 't1', 'r')).refundedKrw).toBe(0);
    expect(data.intents.map((i) => [i.targetPaymentKey, i.status, i.failureCode, i.failureMessage])).toEqual([
      ['pk-1', 'failed', 'NOT_CANCELABLE_AMOUNT', 'not cancelable'], ['pk-0', 'pending', null, null],
    ]);
    expect(notices.map((n) => n.notice.kind)).toEqual(['expired']);
  });

  it('without a subscription answers 404', async () => {
    expect(await failure(cancelNow(billingTestbed(START).deps, 't1', 'r'))).toMatchObject({ code: 'not_found' });
  });
});

describe('executeRefund', () => {
  const refund = (bed: ReturnType<typeof activeBed>) => ({
    id: 'rf-1', tenantId: 't1', subscriptionId: SUB, kind: 'refund' as const, periodIndex: 0, attempt: 0, orderId: `rf-${HEX}-0-0`, idempotencyKey: `sellpo-rf-${HEX}-0-0`,
    amountKrw: 1_000, orderName: 'r', planId: 'basic-monthly', planVersion: 1, billingKeyId: 'bk-old', targetPaymentKey: 'pk-0', status: 'pending' as const, paymentKey: null,
    failureCode: null, failureMessage: null, createdAt: bed.clock.now(), resolvedAt: null,
  });

  it('a refund finished before (by another path) is done, without a second notice', async () => {
    const bed = activeBed();
    bed.paid('pk-0', 29_000);
    const intent = refund(bed);
    bed.data.intents.push({ ...intent, status: 'succeeded' });
    expect(await executeRefund(bed.deps, intent)).toBe(true);
    expect(bed.notices).toEqual([]);
    expect(bed.data.payments[0]!.balanceKrw).toBe(29_000);
  });

  it('a refusal without a code is recorded as REFUND_REFUSED', async () => {
    const bed = activeBed();
    bed.paid('pk-0', 29_000);
    const intent = refund(bed);
    bed.data.intents.push(intent);
    bed.toss.cancelErrors.push(new DomainError('unprocessable', 'no'));
    expect(await executeRefund(bed.deps, intent)).toBe(false);
    expect(bed.data.intents[0]).toMatchObject({ status: 'failed', failureCode: 'REFUND_REFUSED' });
    const other = activeBed();
    other.paid('pk-0', 29_000);
    other.data.intents.push(refund(other));
    other.toss.cancelErrors.push(new DomainError('upstream_failed', 'Toss is down'));
    expect(await executeRefund(other.deps, refund(other))).toBe(false);
    expect(other.data.intents[0]!.status).toBe('pending');
  });

  it('a payment we hold no record of is refunded all the same', async () => {
    const bed = activeBed();
    bed.paid('pk-0', 29_000);
    bed.data.payments.length = 0;
    const intent = refund(bed);
    bed.data.intents.push(intent);
    expect(await executeRefund(bed.deps, intent)).toBe(true);
    expect(bed.data.payments).toEqual([]);
    expect(bed.data.intents[0]).toMatchObject({ status: 'succeeded', paymentKey: 'pk-0' });
  });
});

describe('changePlan', () => {
  // On 2026-03-11, 21 of 31 days are left: pro's unused share floor(79,000 * 21 / 31) = 53,516 minus basic's 19,645.
  const NOW = '2026-03-11T00:00:00Z';

  it('an upgrade charges the difference of the unused shares now and switches the plan at once', async () => {
    const { deps, data, toss, notices, clock } = activeBed();
    clock.set(NOW);
    const view = await changePlan(deps, 't1', 'pro-monthly');
    expect(view.chargedKrw).toBe(33_871);
    expect(toss.charges).toEqual([{
      billingKey: 'billing-old', customerKey: 'cust-1', amountKrw: 33_871, orderId: `up-${HEX}-0-3`, orderName: 'Sell-Po upgrade to Pro (monthly)', idempotencyKey: `sellpo-up-${HEX}-0-3`,
    }]);
    expect(view.subscription).toMatchObject({ planId: 'pro-monthly', amountKrw: 79_000, state: 'active', currentPeriodEnd: new Date('2026-04-01T00:00:00Z') });
    expect(data.intents.map((i) => [i.kind, i.attempt, i.periodIndex, i.planId, i.status])).toEqual([['upgrade', 3, 0, 'pro-monthly', 'succeeded']]);
    expect(notices).toEqual([{ tenantId: 't1', notice: { kind: 'receipt', subscriptionId: SUB, orderId: `up-${HEX}-0-3`, amountKrw: 33_871, receiptUrl: `https://receipt.example/pay-up-${HEX}-0-3` } }]);
    // Asking again for the plan now held charges nothing.
    const again = await changePlan(deps, 't1', 'pro-monthly');
    expect(toss.charges).toHaveLength(1);
    expect(again.chargedKrw).toBe(0);
  });

  it('a difference of exactly 100 won is charged; 99 won is waived and the plan switches free', async () => {
    // 31 days are 2,678,400,000 ms. With 5,356,800 ms left: floor(79,000 * 0.002) - floor(29,000 * 0.002) = 158 - 58 = 100.
    const hundred = activeBed();
    hundred.clock.set(new Date(Date.parse('2026-04-01T00:00:00Z') - 5_356_800));
    expect((await changePlan(hundred.deps, 't1', 'pro-monthly')).chargedKrw).toBe(100);
    // With 5,303,232 ms left: floor(156.42) - floor(57.42) = 156 - 57 = 99.
    const waived = activeBed();
    waived.clock.set(new Date(Date.parse('2026-04-01T00:00:00Z') - 5_303_232));
    const view = await changePlan(waived.deps, 't1', 'pro-monthly');
    expect(view.chargedKrw).toBe(0);
    expect(waived.toss.charges).toEqual([]);
    expect(view.subscription).toMatchObject({ planId: 'pro-monthly', planVersion: 1, amountKrw: 79_000, pendingPlanId: null, version: 4 });
  });

  it('a downgrade waits for the period end; choosing the current plan again withdraws it', async () => {
    const { deps, toss } = activeBed({ planId: 'pro-monthly', amountKrw: 79_000 });
    const down = await changePlan(deps, 't1', 'basic-monthly');
    expect(down.chargedKrw).toBe(0);
    expect(down.subscription).toMatchObject({ planId: 'pro-monthly', pendingPlanId: 'basic-monthly', state: 'active' });
    const back = await changePlan(deps, 't1', 'pro-monthly');
    expect(back.subscription).toMatchObject({ planId: 'pro-monthly', pendingPlanId: null });
    expect(toss.charges).toEqual([]);
  });

  it('the plan already held, even with a newer price version on sale, is no change and no charge', async () => {
    const v2 = { ...basic, version: 2, priceKrw: 33_000, effectiveFrom: new Date('2026-03-05T00:00:00Z') };
    const bed = billingTestbed(START, { plans: [...defaultCatalog, v2] });
    const { sub } = activeBed();
    bed.data.subscriptions.push(sub);
    bed.data.keys.push({ id: 'bk-old', tenantId: 't1', customerKey: 'cust-1', sealed: { keyId: 'v1', data: 'sealed:billing-old' }, card: { number: '1', issuerCode: null, cardType: null, ownerType: null }, createdAt: new Date(START), discardedAt: null });
    bed.clock.set(NOW);
    const view = await changePlan(bed.deps, 't1', 'basic-monthly');
    expect(view.chargedKrw).toBe(0);
    expect(view.subscription?.pendingPlanId).toBeNull();
  });

  describe('what counts as an upgrade: a higher plan, or the same plan code at a higher price than the subscription pays', () => {
    // Other monthly plans of code basic (and one basic priced above pro), beside the default catalog.
    const variant = (id: string, code: 'basic' | 'pro', priceKrw: number) => ({ ...basic, id, code, name: id, priceKrw });
    const catalog: PlanCatalog = [
      ...defaultCatalog, variant('basic-lite-monthly', 'basic', 19_000), variant('basic-team-monthly', 'basic', 29_000),
      variant('basic-plus-monthly', 'basic', 39_000), variant('basic-max-monthly', 'basic', 99_000),
    ];

    it('the same code at a higher price is an upgrade: charged now and switched at once', async () => {
      // 21 of 31 days left: floor(39,000 * 21 / 31) = 26,419 minus basic's floor(29,000 * 21 / 31) = 19,645.
      const { deps, toss, clock } = activeBed({}, catalog);
      clock.set(NOW);
      const view = await changePlan(deps, 't1', 'basic-plus-monthly');
      expect(view.chargedKrw).toBe(6_774);
      expect(toss.charges.map((c) => [c.amountKrw, c.orderId])).toEqual([[6_774, `up-${HEX}-0-3`]]);
      expect(view.subscription).toMatchObject({ planId: 'basic-plus-monthly', amountKrw: 39_000, pendingPlanId: null });
    });

    it('the same code at the same or a lower price waits for the period end, like a downgrade', async () => {
      for (const planId of ['basic-team-monthly', 'basic-lite-monthly']) {
        const { deps, toss, clock } = activeBed({}, catalog);
        clock.set(NOW);
        const view = await changePlan(deps, 't1', planId);
        expect(view.chargedKrw).toBe(0);
        expect(toss.charges).toEqual([]);
        expect(view.subscription).toMatchObject({ planId: 'basic-monthly', amountKrw: 29_000, pendingPlanId: planId });
      }
    });

    it('a lower plan waits for the period end even when it costs more than the subscription pays', async () => {
      const { deps, toss, clock } = activeBed({ planId: 'pro-monthly', amountKrw: 79_000 }, catalog);
      clock.set(NOW);
      const view = await changePlan(deps, 't1', 'basic-max-monthly');
      expect(view.chargedKrw).toBe(0);
      expect(toss.charges).toEqual([]);
      expect(view.subscription).toMatchObject({ planId: 'pro-monthly', amountKrw: 79_000, pendingPlanId: 'basic-max-monthly' });
    });
  });

  it('an upgrade another path (a webhook) settled while Toss answered gets its receipt from that path only', async () => {
    const { deps, data, toss, notices, clock } = activeBed();
    clock.set(NOW);
    settledWhileTossAnswers(deps, data.intents, (unit, intent, payment) => settlePaid(unit, deps.plans, intent, payment, deps.clock.now()));
    const view = await changePlan(deps, 't1', 'pro-monthly');
    expect(view).toMatchObject({ chargedKrw: 33_871, subscription: { planId: 'pro-monthly', amountKrw: 79_000 } });
    expect(toss.charges).toHaveLength(1);
    expect(notices).toEqual([]);
  });

  it('during a trial the plan switches at once, without a charge', async () => {
    const { deps, toss } = activeBed({ state: 'trialing', amountKrw: 0 });
    const view = await changePlan(deps, 't1', 'pro-monthly');
    expect(view).toMatchObject({ chargedKrw: 0, subscription: { state: 'trialing', planId: 'pro-monthly', planVersion: 1, pendingPlanId: null } });
    expect(toss.charges).toEqual([]);
  });

  it('switching between monthly and yearly is refused', async () => {
    const { deps } = activeBed();
    expect(await failure(changePlan(deps, 't1', 'pro-yearly'))).toMatchObject({
      code: 'invalid', message: 'Plan pro-yearly bills yearly and the subscription monthly; cancel and subscribe to switch.', details: { field: 'plan' },
    });
  });

  it('a declined upgrade answers 422, and so does its repeat, without a second charge', async () => {
    const { deps, data, toss, clock } = activeBed();
    clock.set(NOW);
    toss.outcomes.push(declined('INVALID_REJECT_CARD'));
    expect(await failure(changePlan(deps, 't1', 'pro-monthly'))).toMatchObject({ code: 'unprocessable', details: { reason: 'payment_declined', code: 'INVALID_REJECT_CARD' } });
    expect(await failure(changePlan(deps, 't1', 'pro-monthly'))).toMatchObject({ code: 'unprocessable', message: 'The card was declined: declined: INVALID_REJECT_CARD', details: { code: 'INVALID_REJECT_CARD' } });
    expect(toss.charges).toHaveLength(1);
    expect(data.subscriptions[0]).toMatchObject({ planId: 'basic-monthly', version: 3 });
  });

  it('a transient error answers 503 and the retry gets a new order id', async () => {
    const { deps, data, toss, clock } = activeBed();
    clock.set(NOW);
    toss.outcomes.push(declined('PROVIDER_ERROR', true));
    expect(await failure(changePlan(deps, 't1', 'pro-monthly'))).toMatchObject({ code: 'unavailable', retryAfterSeconds: 10, details: { reason: 'provider_unavailable', code: 'PROVIDER_ERROR' } });
    expect(data.subscriptions[0]!.version).toBe(4);
    await changePlan(deps, 't1', 'pro-monthly');
    expect(toss.charges.map((c) => c.orderId)).toEqual([`up-${HEX}-0-3`, `up-${HEX}-0-4`]);
  });

  it('an upgrade Toss did not confirm answers 503 Retry-After 5 and stays pending', async () => {
    const { deps, data, toss, clock } = activeBed();
    clock.set(NOW);
    toss.outcomes.push({ kind: 'unknown', reason: 'timeout' });
    expect(await failure(changePlan(deps, 't1', 'pro-monthly'))).toMatchObject({ code: 'unavailable', retryAfterSeconds: 5 });
    expect(data.intents.map((i) => i.status)).toEqual(['pending']);
  });

  it('a failed intent with no code recorded answers DECLINED', async () => {
    const { deps, data, toss, clock } = activeBed();
    clock.set(NOW);
    data.intents.push({
      id: 'x', tenantId: 't1', subscriptionId: SUB, kind: 'upgrade', periodIndex: 0, attempt: 3, orderId: `up-${HEX}-0-3`, idempotencyKey: `sellpo-up-${HEX}-0-3`, amountKrw: 33_871,
      orderName: 'x', planId: 'pro-monthly', planVersion: 1, billingKeyId: 'bk-old', targetPaymentKey: null, status: 'failed', paymentKey: null, failureCode: null,
      failureMessage: null, createdAt: new Date(START), resolvedAt: new Date(START),
    });
    expect(await failure(changePlan(deps, 't1', 'pro-monthly'))).toMatchObject({ message: 'The card was declined: the payment failed', details: { code: 'DECLINED' } });
    expect(toss.charges).toEqual([]);
  });

  it('without a card on file the upgrade answers 422 no_billing_key', async () => {
    const { deps, data, clock } = activeBed();
    clock.set(NOW);
    data.keys[0]!.discardedAt = new Date(START);
    expect(await failure(changePlan(deps, 't1', 'pro-monthly'))).toMatchObject({
      code: 'unprocessable', message: 'The card on file was removed; register a new payment method.', details: { reason: 'no_billing_key' },
    });
    data.keys.length = 0;
    expect(await failure(changePlan(deps, 't1', 'pro-monthly'))).toMatchObject({ details: { reason: 'no_billing_key' } });
  });

  it('an expired subscription cannot change plan; without one 404', async () => {
    expect(await failure(changePlan(activeBed({ state: 'expired' }).deps, 't1', 'pro-monthly'))).toMatchObject({ code: 'unprocessable' });
    expect(await failure(changePlan(billingTestbed(START).deps, 't1', 'pro-monthly'))).toMatchObject({ code: 'not_found' });
  });
});

describe('changePaymentMethod', () => {
  it('stores the new key, wipes the old one, and schedules a past-due subscription for the next run', async () => {
    const { deps, data, clock } = activeBed({ state: 'past_due', nextActionAt: new Date('2026-04-05T00:00:00Z') });
    clock.set('2026-04-02T00:00:00Z');
    const view = await changePaymentMethod(deps, 't1', { authKey: 'auth-2', customerKey: 'cust-2' });
    expect(view.subscription).toMatchObject({ state: 'past_due', billingKeyId: `bk-${H2}`, customerKey: 'cust-2', nextActionAt: new Date('2026-04-02T00:00:00Z'), version: 4 });
    expect(data.keys.map((k) => [k.id, k.discardedAt, k.sealed.data])).toEqual([
      ['bk-old', new Date('2026-04-02T00:00:00Z'), ''], [`bk-${H2}`, null, 'sealed:bk-secret-auth-2'],
    ]);
  });

  it('an active subscription keeps its schedule; the same authKey again changes nothing', async () => {
    const { deps, data } = activeBed();
    const issues: string[] = [];
    const { issueBillingKey } = deps.gateway;
    deps.gateway = { ...deps.gateway, issueBillingKey: (request, signal) => (issues.push(request.idempotencyKey), issueBillingKey(request, signal)) };
    await changePaymentMethod(deps, 't1', { authKey: 'auth-2', customerKey: 'cust-2' });
    expect(issues).toEqual([`sellpo-issue-${H2}`]);
    expect(data.subscriptions[0]).toMatchObject({ billingKeyId: `bk-${H2}`, nextActionAt: new Date('2026-04-01T00:00:00Z'), version: 4 });
    await changePaymentMethod(deps, 't1', { authKey: 'auth-2', customerKey: 'cust-2' });
    expect(data.subscriptions[0]!.version).toBe(4);
    expect(data.keys).toHaveLength(2);
  });

  it('an expired subscription cannot change its card; without one 404', async () => {
    expect(await failure(changePaymentMethod(activeBed({ state: 'expired' }).deps, 't1', { authKey: 'a', customerKey: 'c' }))).toMatchObject({ code: 'unprocessable' });
    expect(await failure(changePaymentMethod(billingTestbed(START).deps, 't1', { authKey: 'a', customerKey: 'c' }))).toMatchObject({ code: 'not_found' });
  });
});

describe('a subscription that is not there', () => {
  const missing = { code: 'not_found', message: 'Subscription was not found' };

  it('is 404 "Subscription was not found" for every change of a tenant without one', async () => {
    const deps = () => billingTestbed(START).deps;
    expect(await failure(resume(deps(), 't1'))).toMatchObject(missing);
    expect(await failure(cancelNow(deps(), 't1', 'r'))).toMatchObject(missing);
    expect(await failure(changePlan(deps(), 't1', 'pro-monthly'))).toMatchObject(missing);
    expect(await failure(changePaymentMethod(deps(), 't1', { authKey: 'a', customerKey: 'c' }))).toMatchObject(missing);
  });

  it('is 404 too when the subscription is gone by the time it is locked', async () => {
    const gone = () => {
      const bed = activeBed();
      const transaction = bed.deps.store.transaction;
      bed.deps.store.transaction = (work, options) => transaction((unit) => work({ ...unit, lockSubscription: async () => null }), options);
      return bed.deps;
    };
    expect(await failure(cancelAtPeriodEnd(gone(), 't1'))).toMatchObject(missing);
    expect(await failure(cancelNow(gone(), 't1', 'r'))).toMatchObject(missing);
    expect(await failure(changePaymentMethod(gone(), 't1', { authKey: 'auth-2', customerKey: 'cust-1' }))).toMatchObject(missing);
  });

  it('a plan change that finds another subscription under the lock (the read one expired, a new one began) answers 409 and writes nothing', async () => {
    const OTHER = '1c2d3e4f-aaaa-4bbb-8ccc-ddddeeeeffff';
    const bed = activeBed({ planId: 'pro-monthly', amountKrw: 79_000, state: 'expired' });
    bed.data.subscriptions.push({ ...bed.sub, id: OTHER, state: 'active', version: 1 });
    // The first read still sees the old subscription as active; the transaction sees the new one.
    const stale = { ...bed.sub, state: 'active' as const };
    bed.deps.store = { ...bed.deps.store, latestSubscription: async () => structuredClone(stale) };
    expect(await failure(changePlan(bed.deps, 't1', 'basic-monthly'))).toMatchObject({ code: 'conflict', message: 'The subscription changed meanwhile; try again.' });
    expect(bed.data.subscriptions.map((s) => [s.id, s.pendingPlanId, s.version])).toEqual([[SUB, null, 3], [OTHER, null, 1]]);
  });
});

describe('a caller\'s abort signal', () => {
  it('reaches the store\'s transactions of subscribe, cancelNow and changePaymentMethod', async () => {
    const signal = new AbortController().signal;
    const watched = (deps: BillingDeps) => {
      const options: unknown[] = [];
      const transaction = deps.store.transaction;
      deps.store.transaction = (work, o) => (options.push(o), transaction(work, o));
      return { deps, options };
    };
    const fresh = watched(billingTestbed(START).deps);
    await subscribe(fresh.deps, 't1', input(), signal);
    expect(fresh.options).toContainEqual({ signal });
    const canceled = watched(activeBed().deps);
    await cancelNow(canceled.deps, 't1', 'r', signal);
    expect(canceled.options).toContainEqual({ signal });
    const card = watched(activeBed().deps);
    await changePaymentMethod(card.deps, 't1', { authKey: 'auth-2', customerKey: 'cust-2' }, signal);
    expect(card.options).toContainEqual({ signal });
  });
});
