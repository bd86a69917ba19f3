/** The renewal runner over in-memory ports and a scripted Toss: charges, dunning, expiry and reconciliation (docs/billing.md). */
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from './plans.ts';
import type { PaymentIntent, StoredBillingKey, Subscription } from './model.ts';
import { renewDue } from './renewal.ts';
import { billingTestbed, declined, paymentFor } from '../../tests/billing/memory-billing.ts';

const SUB = '0b1c2d3e-aaaa-4bbb-8ccc-ddddeeeeffff';
const HEX = '0b1c2d3eaaaa4bbb8cccddddeeeeffff';
const MARCH = '2026-03-01T00:00:00Z';
const APRIL = '2026-04-01T00:00:00Z';
const at = (iso: string) => new Date(iso);

/** An active basic-monthly subscription whose first period (March 2026) ends on 1 April, its card on file. */
const bed = (over: Partial<Subscription> = {}, options: Parameters<typeof billingTestbed>[1] = {}) => {
  const b = billingTestbed(APRIL, options);
  const sub: Subscription = {
    id: SUB, tenantId: 't1', state: 'active', planId: 'basic-monthly', planVersion: 1, amountKrw: 29_000, anchor: at(MARCH), periodIndex: 0,
    currentPeriodStart: at(MARCH), currentPeriodEnd: at(APRIL), trialEndsAt: null, pendingPlanId: null, billingKeyId: 'bk-1', customerKey: 'cust-1',
    attempt: 0, dunningStep: 0, nextActionAt: at(APRIL), canceledAt: null, endedAt: null, createdAt: at(MARCH), version: 1, ...over,
  };
  const key: StoredBillingKey = {
    id: 'bk-1', tenantId: 't1', customerKey: 'cust-1', sealed: { keyId: 'v1', data: 'sealed:billing-1' }, card: { number: '1', issuerCode: null, cardType: null, ownerType: null },
    createdAt: at(MARCH), discardedAt: null,
  };
  b.data.subscriptions.push(sub);
  b.data.keys.push(key);
  const errors: Array<[string, unknown]> = [];
  // Bounded, so that a change which makes a run keep claiming ends (and fails) at once.
  const run = (extra: Partial<Parameters<typeof renewDue>[1]> = {}) =>
    renewDue(b.deps, { owner: 'runner-1', maxSubscriptions: 5, onError: (id, e) => errors.push([id, e]), ...extra });
  return { ...b, run, errors, sub: () => b.data.subscriptions[0]! };
};

const summary = (over: Partial<Awaited<ReturnType<typeof renewDue>>> = {}) => ({ claimed: 0, charged: 0, failed: 0, unknown: 0, expired: 0, reconciled: 0, errors: 0, ...over });

describe('renewDue: charging the next period', () => {
  it('charges a subscription whose period ended for the next period and moves it on', async () => {
    const b = bed();
    expect(await b.run()).toEqual(summary({ claimed: 1, charged: 1 }));
    expect(b.toss.charges).toEqual([{
      billingKey: 'billing-1', customerKey: 'cust-1', amountKrw: 29_000, orderId: `rn-${HEX}-1-0`, orderName: 'Sell-Po Basic (monthly)', idempotencyKey: `sellpo-rn-${HEX}-1-0`,
    }]);
    expect(b.sub()).toMatchObject({ state: 'active', periodIndex: 1, currentPeriodStart: at(APRIL), currentPeriodEnd: at('2026-05-01T00:00:00Z'), nextActionAt: at('2026-05-01T00:00:00Z') });
    expect(b.data.intents.map((i) => [i.kind, i.periodIndex, i.attempt, i.planId, i.planVersion, i.billingKeyId, i.status, i.createdAt])).toEqual([
      ['renewal', 1, 0, 'basic-monthly', 1, 'bk-1', 'succeeded', at(APRIL)],
    ]);
    expect(b.notices).toEqual([{ tenantId: 't1', notice: { kind: 'receipt', subscriptionId: SUB, orderId: `rn-${HEX}-1-0`, amountKrw: 29_000, receiptUrl: `https://receipt.example/pay-rn-${HEX}-1-0` } }]);
    // Leased to this runner for the lease time, then released.
    expect(b.data.released).toEqual([SUB]);
    expect(b.data.leases.size).toBe(0);
    expect(await b.run()).toEqual(summary());
  });

  it('leases what it claims until now + leaseSeconds, 10 at a time and without a maximum by default', async () => {
    const b = bed();
    const leases: Array<[Date, number, string, Date]> = [];
    const claim = b.deps.store.claimDue;
    b.deps.store.claimDue = (now, limit, owner, until) => (leases.push([now, limit, owner, until]), claim(now, limit, owner, until));
    expect((await b.run({ maxSubscriptions: undefined })).charged).toBe(1);
    expect(leases).toEqual([[at(APRIL), 10, 'runner-1', at('2026-04-01T00:02:00Z')], [at(APRIL), 10, 'runner-1', at('2026-04-01T00:02:00Z')]]);
  });

  it('charges the price version on sale when the next period starts, and applies a pending downgrade', async () => {
    const v2 = { ...defaultCatalog[0]!, version: 2, priceKrw: 33_000, effectiveFrom: at(APRIL) };
    const b = bed({ planId: 'pro-monthly', amountKrw: 79_000, pendingPlanId: 'basic-monthly' }, { plans: [...defaultCatalog, v2] });
    await b.run();
    expect(b.toss.charges.map((c) => c.amountKrw)).toEqual([33_000]);
    expect(b.sub()).toMatchObject({ planId: 'basic-monthly', planVersion: 2, amountKrw: 33_000, pendingPlanId: null });
  });

  it('after a trial the first paid period starts at the trial end', async () => {
    const b = bed({ state: 'trialing', amountKrw: 0, anchor: at(APRIL), trialEndsAt: at(APRIL), currentPeriodStart: at('2026-03-18T00:00:00Z') });
    await b.run();
    expect(b.sub()).toMatchObject({ state: 'active', periodIndex: 1, currentPeriodStart: at(APRIL), currentPeriodEnd: at('2026-05-01T00:00:00Z'), amountKrw: 29_000 });
  });

  it('a subscription claimed before its period ends (its next action moved by hand) is left alone', async () => {
    const b = bed({ nextActionAt: at('2026-03-31T00:00:00Z'), currentPeriodEnd: at('2026-04-01T00:00:00.001Z') });
    expect(await b.run({ maxSubscriptions: 1 })).toEqual(summary({ claimed: 1 }));
    expect(b.toss.charges).toEqual([]);
  });

  it('takes claims in batches up to the maximum, and none once the signal is aborted', async () => {
    const b = bed();
    for (const n of [2, 3, 4]) {
      b.data.subscriptions.push({ ...b.sub(), id: `00000000-0000-4000-8000-00000000000${n}`, tenantId: `t${n}`, billingKeyId: 'bk-1' });
      b.data.keys.push({ ...b.data.keys[0]!, tenantId: `t${n}` });
    }
    const limits: number[] = [];
    const claim = b.deps.store.claimDue;
    b.deps.store.claimDue = (now, limit, owner, until) => (limits.push(limit), claim(now, limit, owner, until));
    expect((await b.run({ batchSize: 2, maxSubscriptions: 3 })).claimed).toBe(3);
    expect(limits).toEqual([2, 1]);
    expect(b.toss.charges).toHaveLength(3);
    const controller = new AbortController();
    controller.abort();
    expect((await b.run({ signal: controller.signal })).claimed).toBe(0);
    expect(b.toss.charges).toHaveLength(3);
    expect((await b.run({ batchSize: 1 })).claimed).toBe(1);
  });

  it('a subscription that fails is counted, reported, looked at again after a minute, and the run goes on', async () => {
    const b = bed({ planId: 'gold-monthly' });
    b.data.subscriptions.push({ ...b.sub(), id: 'other', tenantId: 't2', planId: 'basic-monthly' });
    b.data.keys.push({ ...b.data.keys[0]!, tenantId: 't2' });
    const result = await b.run();
    expect(result).toEqual(summary({ claimed: 2, charged: 1, errors: 1 }));
    expect(b.errors.map(([id, e]) => [id, (e as Error).message])).toEqual([[SUB, 'plan gold-monthly is not on sale at 2026-04-01T00:00:00.000Z']]);
    expect(b.sub()).toMatchObject({ nextActionAt: at('2026-04-01T00:01:00Z'), version: 2 });
    expect(b.data.released).toEqual([SUB, 'other']);
  });

  it('an intent settled since the claim (a webhook, another runner) is not charged again', async () => {
    const b = bed();
    b.data.intents.push({ ...intentOf(`rn-${HEX}-1-0`), status: 'succeeded' });
    expect(await b.run({ maxSubscriptions: 1 })).toEqual(summary({ claimed: 1 }));
    expect(b.toss.charges).toEqual([]);
  });
});

const intentOf = (orderId: string, over: Partial<PaymentIntent> = {}): PaymentIntent => ({
  id: `i-${orderId}`, tenantId: 't1', subscriptionId: SUB, kind: 'renewal', periodIndex: 1, attempt: 0, orderId, idempotencyKey: `sellpo-${orderId}`, amountKrw: 29_000,
  orderName: 'Sell-Po Basic (monthly)', planId: 'basic-monthly', planVersion: 1, billingKeyId: 'bk-1', targetPaymentKey: null, status: 'pending', paymentKey: null,
  failureCode: null, failureMessage: null, createdAt: at(APRIL), resolvedAt: null, ...over,
});

describe('renewDue: dunning', () => {
  it('a card error makes it past due with retries 1, 3 and 5 days after the period end; the last failure expires it', async () => {
    const b = bed();
    const fail = () => b.toss.outcomes.push(declined('INVALID_STOPPED_CARD'));
    fail();
    expect(await b.run()).toEqual(summary({ claimed: 1, failed: 1 }));
    expect(b.sub()).toMatchObject({ state: 'past_due', attempt: 1, dunningStep: 0, nextActionAt: at('2026-04-02T00:00:00Z'), periodIndex: 0 });
    expect(b.notices.at(-1)).toEqual({ tenantId: 't1', notice: { kind: 'payment_failed', subscriptionId: SUB, orderId: `rn-${HEX}-1-0`, code: 'INVALID_STOPPED_CARD', nextAttemptAt: at('2026-04-02T00:00:00Z') } });
    expect(b.data.intents[0]).toMatchObject({ status: 'failed', failureCode: 'INVALID_STOPPED_CARD', failureMessage: 'declined: INVALID_STOPPED_CARD' });

    // Not before the next retry day.
    b.clock.set('2026-04-01T23:59:59Z');
    expect(await b.run()).toEqual(summary());
    b.clock.set('2026-04-02T00:00:00Z');
    fail();
    expect(await b.run()).toEqual(summary({ claimed: 1, failed: 1 }));
    expect(b.toss.charges.at(-1)!.orderId).toBe(`rn-${HEX}-1-1`);
    expect(b.sub()).toMatchObject({ state: 'past_due', attempt: 2, dunningStep: 1, nextActionAt: at('2026-04-04T00:00:00Z') });

    b.clock.set('2026-04-04T00:00:00Z');
    fail();
    await b.run();
    expect(b.sub()).toMatchObject({ attempt: 3, dunningStep: 2, nextActionAt: at('2026-04-06T00:00:00Z') });

    b.clock.set('2026-04-06T00:00:00Z');
    fail();
    expect(await b.run()).toEqual(summary({ claimed: 1, failed: 1, expired: 1 }));
    expect(b.sub()).toMatchObject({ state: 'expired', attempt: 4, dunningStep: 2, endedAt: at('2026-04-06T00:00:00Z'), nextActionAt: null });
    expect(b.notices.slice(-2)).toEqual([
      { tenantId: 't1', notice: { kind: 'payment_failed', subscriptionId: SUB, orderId: `rn-${HEX}-1-3`, code: 'INVALID_STOPPED_CARD', nextAttemptAt: null } },
      { tenantId: 't1', notice: { kind: 'expired', subscriptionId: SUB } },
    ]);
  });

  it('a paid retry starts the next period at the original period end, in good standing', async () => {
    const b = bed({ state: 'past_due', attempt: 1, dunningStep: 0, nextActionAt: at('2026-04-02T00:00:00Z') });
    b.clock.set('2026-04-02T00:00:00Z');
    await b.run();
    expect(b.toss.charges.map((c) => c.orderId)).toEqual([`rn-${HEX}-1-1`]);
    expect(b.sub()).toMatchObject({ state: 'active', attempt: 0, dunningStep: 0, periodIndex: 1, currentPeriodStart: at(APRIL), currentPeriodEnd: at('2026-05-01T00:00:00Z') });
  });

  it('a past-due subscription whose retry day has not come is left alone even when claimed', async () => {
    const b = bed({ state: 'past_due', attempt: 1, nextActionAt: at('2026-04-02T00:00:00Z') });
    b.clock.set('2026-04-01T12:00:00Z');
    const claim = b.deps.store.claimDue;
    b.deps.store.claimDue = (_now, limit, owner, until) => claim(at('2026-04-02T00:00:00Z'), limit, owner, until);
    expect(await b.run({ maxSubscriptions: 1 })).toEqual(summary({ claimed: 1 }));
    expect(b.toss.charges).toEqual([]);
  });

  it('a first failure found late schedules its retry a day from now, never in the past', async () => {
    const b = bed();
    b.clock.set('2026-04-05T00:00:00Z');
    b.toss.outcomes.push(declined('INVALID_STOPPED_CARD'));
    await b.run();
    expect(b.sub().nextActionAt).toEqual(at('2026-04-06T00:00:00Z'));
    expect(b.notices.at(-1)!.notice).toMatchObject({ kind: 'payment_failed', nextAttemptAt: at('2026-04-02T00:00:00Z') });
  });

  it('a retry day that is exactly now is not in the past', async () => {
    const b = bed({ state: 'past_due', attempt: 1, dunningStep: 0, nextActionAt: at('2026-04-02T00:00:00Z') });
    // The next retry (3 days after the period end) is 4 April; the run happens then.
    b.clock.set('2026-04-04T00:00:00Z');
    b.toss.outcomes.push(declined('INVALID_STOPPED_CARD'));
    await b.run();
    expect(b.sub()).toMatchObject({ dunningStep: 1, nextActionAt: at('2026-04-05T00:00:00Z') });
    const c = bed({ state: 'past_due', attempt: 1, dunningStep: 0, nextActionAt: at('2026-04-02T00:00:00Z') });
    c.clock.set('2026-04-03T23:59:59.999Z');
    c.toss.outcomes.push(declined('INVALID_STOPPED_CARD'));
    await c.run();
    expect(c.sub().nextActionAt).toEqual(at('2026-04-04T00:00:00Z'));
  });

  it('transient errors are re-tried at once as new attempts (retryableAttempts), then count as a failure', async () => {
    const b = bed();
    b.toss.outcomes.push(declined('PROVIDER_ERROR', true), declined('PROVIDER_ERROR', true), declined('PROVIDER_ERROR', true));
    expect(await b.run()).toEqual(summary({ claimed: 1, failed: 1 }));
    expect(b.toss.charges.map((c) => [c.orderId, c.idempotencyKey])).toEqual([
      [`rn-${HEX}-1-0`, `sellpo-rn-${HEX}-1-0`], [`rn-${HEX}-1-1`, `sellpo-rn-${HEX}-1-1`], [`rn-${HEX}-1-2`, `sellpo-rn-${HEX}-1-2`],
    ]);
    expect(b.data.intents.map((i) => [i.attempt, i.status, i.createdAt])).toEqual([[0, 'failed', at(APRIL)], [1, 'failed', at(APRIL)], [2, 'failed', at(APRIL)]]);
    expect(b.sub()).toMatchObject({ state: 'past_due', attempt: 3, nextActionAt: at('2026-04-02T00:00:00Z') });
  });

  it('a transient error then a payment: the second attempt pays', async () => {
    const b = bed();
    b.toss.outcomes.push(declined('PROVIDER_ERROR', true));
    expect(await b.run()).toEqual(summary({ claimed: 1, charged: 1 }));
    expect(b.sub()).toMatchObject({ state: 'active', periodIndex: 1, attempt: 0 });
    expect(b.data.intents.map((i) => [i.orderId, i.status])).toEqual([[`rn-${HEX}-1-0`, 'failed'], [`rn-${HEX}-1-1`, 'succeeded']]);
  });

  it('no card on file is a card error', async () => {
    const b = bed();
    b.data.keys[0]!.discardedAt = at(MARCH);
    await b.run();
    expect(b.toss.charges).toEqual([]);
    expect(b.data.intents[0]).toMatchObject({ status: 'failed', failureCode: 'NO_BILLING_KEY', failureMessage: 'no card on file' });
    expect(b.sub().state).toBe('past_due');
    const c = bed();
    c.data.keys.length = 0;
    await c.run();
    expect(c.data.intents[0]!.failureCode).toBe('NO_BILLING_KEY');
  });

  it('a charge Toss did not confirm stays pending and is looked up a minute later: paid there, it is settled without a new charge', async () => {
    const b = bed();
    b.toss.outcomes.push({ kind: 'unknown', reason: 'timeout' });
    expect(await b.run()).toEqual(summary({ claimed: 1, unknown: 1 }));
    expect(b.sub()).toMatchObject({ state: 'active', nextActionAt: at('2026-04-01T00:01:00Z'), periodIndex: 0 });
    expect(b.data.intents.map((i) => i.status)).toEqual(['pending']);
    b.toss.ledger.set('pk-x', paymentFor({ orderId: `rn-${HEX}-1-0`, orderName: 'x', amountKrw: 29_000 }, at(APRIL), 'pk-x'));
    b.clock.set('2026-04-01T00:01:00Z');
    expect(await b.run()).toEqual(summary({ claimed: 1, charged: 1, reconciled: 1 }));
    expect(b.toss.charges).toHaveLength(1);
    expect(b.sub().periodIndex).toBe(1);
  });

  it('a pending charge Toss never saw is sent again exactly as it was', async () => {
    const b = bed();
    b.toss.outcomes.push({ kind: 'unknown', reason: 'timeout' });
    await b.run();
    b.clock.set('2026-04-01T00:01:00Z');
    expect(await b.run()).toEqual(summary({ claimed: 1, charged: 1, reconciled: 1 }));
    expect(b.toss.charges.map((c) => c.orderId)).toEqual([`rn-${HEX}-1-0`, `rn-${HEX}-1-0`]);
  });

  it('a failure whose intent another path resolved first changes nothing', async () => {
    const b = bed();
    b.toss.outcomes.push(declined('INVALID_STOPPED_CARD'));
    const charge = b.toss.gateway.charge;
    b.toss.gateway.charge = async (request, signal) => {
      const outcome = await charge(request, signal);
      b.data.intents[0]!.status = 'succeeded';
      return outcome;
    };
    expect(await b.run({ maxSubscriptions: 1 })).toEqual(summary({ claimed: 1 }));
    expect(b.sub()).toMatchObject({ state: 'active', attempt: 0 });
    expect(b.notices).toEqual([]);
  });

  it('a failure for a period the subscription has left changes nothing', async () => {
    const b = bed();
    b.toss.outcomes.push(declined('INVALID_STOPPED_CARD'));
    const charge = b.toss.gateway.charge;
    b.toss.gateway.charge = async (request, signal) => {
      const outcome = await charge(request, signal);
      b.data.subscriptions[0] = { ...b.sub(), periodIndex: 1, version: b.sub().version + 1 };
      return outcome;
    };
    expect(await b.run({ maxSubscriptions: 1 })).toEqual(summary({ claimed: 1 }));
    expect(b.sub()).toMatchObject({ state: 'active', periodIndex: 1 });
    expect(b.data.intents[0]!.status).toBe('failed');
  });

  it('a transient failure for a period the subscription has left records no next attempt', async () => {
    const b = bed();
    b.toss.outcomes.push(declined('PROVIDER_ERROR', true));
    const charge = b.toss.gateway.charge;
    b.toss.gateway.charge = async (request, signal) => {
      const outcome = await charge(request, signal);
      b.data.subscriptions[0] = { ...b.sub(), periodIndex: 1, version: b.sub().version + 1 };
      return outcome;
    };
    await b.run({ maxSubscriptions: 1 });
    expect(b.toss.charges).toHaveLength(1);
    expect(b.data.intents.map((i) => i.status)).toEqual(['failed']);
  });
});

describe('renewDue: ending subscriptions', () => {
  it('a canceled subscription expires at its period end and its card is wiped', async () => {
    const b = bed({ state: 'canceled', canceledAt: at('2026-03-10T00:00:00Z') });
    expect(await b.run()).toEqual(summary({ claimed: 1, expired: 1 }));
    expect(b.sub()).toMatchObject({ state: 'expired', endedAt: at(APRIL), nextActionAt: null, version: 2 });
    expect(b.data.keys[0]).toMatchObject({ discardedAt: at(APRIL), sealed: { data: '' } });
    expect(b.notices).toEqual([{ tenantId: 't1', notice: { kind: 'expired', subscriptionId: SUB } }]);
    expect(b.toss.charges).toEqual([]);
  });

  it('a canceled subscription claimed before its period end, or resumed meanwhile, is not ended', async () => {
    const early = bed({ state: 'canceled', nextActionAt: at('2026-03-31T00:00:00Z'), currentPeriodEnd: at('2026-04-01T00:00:00.001Z') });
    expect(await early.run({ maxSubscriptions: 1 })).toEqual(summary({ claimed: 1 }));
    expect(early.sub().state).toBe('canceled');
    const resumed = bed({ state: 'canceled' });
    const lock = resumed.deps.store.transaction;
    resumed.deps.store.transaction = (work, options) => lock((unit) => work({ ...unit, lockSubscription: async (t, id) => ({ ...(await unit.lockSubscription(t, id))!, state: 'active' }) }), options);
    await resumed.run({ maxSubscriptions: 1 });
    expect(resumed.notices).toEqual([]);
    expect(resumed.data.keys[0]!.discardedAt).toBeNull();
  });

  it('an expired subscription left with a next action is not charged', async () => {
    const b = bed({ state: 'expired' });
    expect(await b.run({ maxSubscriptions: 1 })).toEqual(summary({ claimed: 1 }));
    expect(b.toss.charges).toEqual([]);
  });
});

describe('renewDue: work a crashed process left', () => {
  const stale = (over: Partial<PaymentIntent>) => intentOf('in-abc', { kind: 'initial', periodIndex: 0, createdAt: at('2026-03-31T23:57:59.999Z'), ...over });

  it('a paid first charge left pending creates its subscription and sends the receipt', async () => {
    const b = billingTestbed(APRIL);
    b.data.intents.push(stale({ subscriptionId: 'new-sub' }));
    b.data.keys.push({ id: 'bk-1', tenantId: 't1', customerKey: 'cust-9', sealed: { keyId: 'v1', data: 'x' }, card: { number: '1', issuerCode: null, cardType: null, ownerType: null }, createdAt: at(MARCH), discardedAt: null });
    b.toss.ledger.set('pk-in', paymentFor({ orderId: 'in-abc', orderName: 'x', amountKrw: 29_000 }, at(MARCH), 'pk-in'));
    expect(await renewDue(b.deps, { owner: 'r' })).toEqual(summary({ reconciled: 1 }));
    expect(b.data.subscriptions.map((s) => [s.id, s.customerKey, s.state])).toEqual([['new-sub', 'cust-9', 'active']]);
    expect(b.notices).toEqual([{ tenantId: 't1', notice: { kind: 'receipt', subscriptionId: 'new-sub', orderId: 'in-abc', amountKrw: 29_000, receiptUrl: 'https://receipt.example/pk-in' } }]);
  });

  it('a first charge Toss never took is ABANDONED and its card wiped; an aborted or expired one too', async () => {
    for (const status of [null, 'ABORTED', 'EXPIRED'] as const) {
      const b = billingTestbed(APRIL);
      b.data.intents.push(stale({}));
      b.data.keys.push({ id: 'bk-1', tenantId: 't1', customerKey: 'c', sealed: { keyId: 'v1', data: 'x' }, card: { number: '1', issuerCode: null, cardType: null, ownerType: null }, createdAt: at(MARCH), discardedAt: null });
      if (status) b.toss.ledger.set('pk-in', { ...paymentFor({ orderId: 'in-abc', orderName: 'x', amountKrw: 29_000 }, at(MARCH), 'pk-in'), status });
      expect(await renewDue(b.deps, { owner: 'r' })).toEqual(summary({ reconciled: 1 }));
      expect(b.data.intents[0]).toMatchObject({ status: 'failed', failureCode: 'ABANDONED', failureMessage: 'the request ended before the charge was made', resolvedAt: at(APRIL) });
      expect(b.data.keys[0]!.discardedAt).toEqual(at(APRIL));
      expect(b.notices).toEqual([]);
    }
  });

  it('a paid first charge left pending while the tenant holds another live subscription sends no receipt: the charge goes back', async () => {
    const b = bed({ nextActionAt: null });
    b.data.intents.push(stale({ subscriptionId: 'new-sub' }));
    b.toss.ledger.set('pk-in', paymentFor({ orderId: 'in-abc', orderName: 'x', amountKrw: 29_000 }, at(MARCH), 'pk-in'));
    expect(await b.run()).toEqual(summary({ reconciled: 1 }));
    expect(b.data.subscriptions.map((s) => s.id)).toEqual([SUB]);
    expect(b.data.intents.map((i) => [i.kind, i.status, i.targetPaymentKey ?? null])).toEqual([['initial', 'succeeded', null], ['refund', 'pending', 'pk-in']]);
    expect(b.notices).toEqual([]);
  });

  it('an abandoned upgrade keeps the card; an upgrade paid meanwhile is applied', async () => {
    const b = bed();
    b.data.intents.push(stale({ kind: 'upgrade', orderId: 'up-1', subscriptionId: SUB }));
    await b.run();
    expect(b.data.intents[0]).toMatchObject({ status: 'failed', failureCode: 'ABANDONED' });
    expect(b.data.keys[0]!.discardedAt).toBeNull();

    const c = bed({ nextActionAt: null });
    c.data.intents.push(stale({ kind: 'upgrade', orderId: 'up-1', subscriptionId: SUB, periodIndex: 0, planId: 'pro-monthly', amountKrw: 25_000 }));
    c.toss.ledger.set('pk-up', paymentFor({ orderId: 'up-1', orderName: 'x', amountKrw: 25_000 }, at(MARCH), 'pk-up'));
    expect(await c.run()).toEqual(summary({ reconciled: 1 }));
    expect(c.sub()).toMatchObject({ planId: 'pro-monthly', amountKrw: 79_000 });
    expect(c.notices.map((n) => n.notice.kind)).toEqual(['receipt']);
  });

  it('a stale refund is carried out; renewals and intents younger than a lease are left to their own paths', async () => {
    const b = bed({ nextActionAt: null });
    b.toss.ledger.set('pk-0', paymentFor({ orderId: 'o', orderName: 'x', amountKrw: 29_000 }, at(MARCH), 'pk-0'));
    b.data.intents.push(
      stale({ kind: 'refund', orderId: 'rf-1', targetPaymentKey: 'pk-0', amountKrw: 1_000 }),
      stale({ kind: 'renewal', orderId: 'rn-1' }),
      stale({ orderId: 'in-young', createdAt: at('2026-03-31T23:58:00Z') }),
    );
    expect(await b.run()).toEqual(summary({ reconciled: 1 }));
    expect(b.toss.cancels.map((c) => [c.paymentKey, c.amountKrw])).toEqual([['pk-0', 1_000]]);
    expect(b.data.intents.map((i) => i.status)).toEqual(['succeeded', 'pending', 'pending']);
    // A refund that fails stays pending and is not counted.
    const c = bed({ nextActionAt: null });
    c.data.intents.push(stale({ kind: 'refund', orderId: 'rf-1', targetPaymentKey: 'pk-0' }));
    c.toss.cancelErrors.push(new Error('timeout'));
    expect(await c.run()).toEqual(summary());
  });

  it('a reconciliation that fails is counted and reported, and the others go on', async () => {
    const b = bed({ nextActionAt: null });
    b.data.intents.push(stale({ orderId: 'in-1', subscriptionId: 'bad' }), stale({ orderId: 'in-2', subscriptionId: 'good', createdAt: at('2026-03-31T23:00:00Z') }));
    const lookup = b.toss.gateway.getPaymentByOrderId;
    b.toss.gateway.getPaymentByOrderId = async (orderId, signal) => (orderId === 'in-1' ? Promise.reject(new Error('Toss is down')) : lookup(orderId, signal));
    expect(await b.run()).toEqual(summary({ reconciled: 1, errors: 1 }));
    expect(b.errors.map(([id, e]) => [id, (e as Error).message])).toEqual([['bad', 'Toss is down']]);
  });
});

describe('renewDue: the webhook sweep', () => {
  it('drains up to 50 queued events a run, and reports a failed drain as webhooks', async () => {
    const b = bed({ nextActionAt: null });
    for (let i = 0; i < 51; i++) {
      b.data.webhooks.push({
        id: `e${i}`, eventType: 'OTHER', body: {}, source: 's', paymentKey: null, receivedAt: at(MARCH), processedAt: null, attempts: 0, lastError: null, notBefore: null, expiresAt: at('2026-05-01T00:00:00Z'),
      });
    }
    await b.run();
    expect(b.data.webhooks.filter((e) => e.processedAt).length).toBe(50);
    b.deps.store.unprocessedWebhooks = async () => Promise.reject(new Error('queue unreadable'));
    await b.run();
    expect(b.errors.map(([id, e]) => [id, (e as Error).message])).toEqual([['webhooks', 'queue unreadable']]);
  });
});

describe('renewDue: one look at each subscription per run', () => {
  /** Runs without a maximum; a run that keeps claiming fails after 20 claims instead of spinning. */
  const unbounded = async (b: ReturnType<typeof bed>, extra: Partial<Parameters<typeof renewDue>[1]> = {}) => {
    const claimed: string[] = [];
    const claim = b.deps.store.claimDue;
    b.deps.store.claimDue = async (now, limit, owner, until) => {
      if (claimed.length > 20) throw new Error('the run keeps claiming');
      const due = await claim(now, limit, owner, until);
      claimed.push(...due.map((s) => s.id));
      return due;
    };
    const result = await b.run({ maxSubscriptions: undefined, ...extra });
    return { result, claimed };
  };

  it('a canceled subscription whose next action came before its period end waits for the period end', async () => {
    const b = bed({ state: 'canceled', nextActionAt: at('2026-03-31T00:00:00Z'), currentPeriodEnd: at('2026-04-01T00:00:00.001Z') });
    const { result, claimed } = await unbounded(b);
    expect(result).toEqual(summary({ claimed: 1 }));
    expect(claimed).toEqual([SUB]);
    expect(b.sub()).toMatchObject({ state: 'canceled', nextActionAt: at('2026-04-01T00:00:00.001Z') });
    expect(await b.run()).toEqual(summary());
    // At its period end it expires, as every canceled subscription does.
    b.clock.set('2026-04-01T00:00:00.001Z');
    expect(await b.run()).toEqual(summary({ claimed: 1, expired: 1 }));
    expect(b.sub()).toMatchObject({ state: 'expired', nextActionAt: null });
  });

  it('an active subscription whose next action was moved before its period end is charged at the period end', async () => {
    const b = bed({ nextActionAt: at('2026-03-31T00:00:00Z'), currentPeriodEnd: at('2026-04-01T00:00:00.001Z') });
    const { result, claimed } = await unbounded(b);
    expect(result).toEqual(summary({ claimed: 1 }));
    expect(claimed).toEqual([SUB]);
    expect(b.sub()).toMatchObject({ state: 'active', nextActionAt: at('2026-04-01T00:00:00.001Z') });
    expect(b.toss.charges).toEqual([]);
  });

  it('an expired subscription left with a next action loses it', async () => {
    const b = bed({ state: 'expired', endedAt: at('2026-03-20T00:00:00Z') });
    const { result, claimed } = await unbounded(b);
    expect(result).toEqual(summary({ claimed: 1 }));
    expect(claimed).toEqual([SUB]);
    expect(b.sub()).toMatchObject({ state: 'expired', nextActionAt: null });
    expect(await b.run()).toEqual(summary());
  });

  it('a subscription changed by someone else meanwhile keeps that change', async () => {
    const b = bed({ state: 'canceled', nextActionAt: at('2026-03-31T00:00:00Z'), currentPeriodEnd: at('2026-04-01T00:00:00.001Z') });
    const pending = b.deps.store.pendingIntents;
    b.deps.store.pendingIntents = async (id) => {
      // The tenant resumes between the claim and the runner's look.
      b.data.subscriptions[0] = { ...b.sub(), state: 'active', canceledAt: null, nextActionAt: at('2026-04-01T00:00:00.001Z'), version: 2 };
      return pending(id);
    };
    await b.run({ maxSubscriptions: 1 });
    expect(b.sub()).toMatchObject({ state: 'active', nextActionAt: at('2026-04-01T00:00:00.001Z'), version: 2 });
  });

  it('a subscription the runner leaves due is not taken again in the same run, and the others still are', async () => {
    // Its intent for the next period is settled but the row was not moved on, so it stays due.
    const b = bed();
    b.data.intents.push({ ...intentOf(`rn-${HEX}-1-0`), status: 'succeeded' });
    b.data.subscriptions.push({ ...b.sub(), id: 'other', tenantId: 't2', nextActionAt: at('2026-04-01T00:00:00Z') });
    b.data.keys.push({ ...b.data.keys[0]!, tenantId: 't2' });
    // One at a time, so that the one left due comes back first and must be passed over for the other.
    const { result, claimed } = await unbounded(b, { batchSize: 1 });
    expect(result).toEqual(summary({ claimed: 2, charged: 1 }));
    expect(claimed).toEqual([SUB, SUB, 'other']);
    expect(b.toss.charges.map((c) => c.orderId)).toEqual([b.data.intents[1]!.orderId]);
    expect(b.data.subscriptions[1]).toMatchObject({ periodIndex: 1 });
    // Held until its lease ends, so that a runner looping on it cannot start again at once.
    expect(b.data.leases.get(SUB)).toEqual({ owner: 'runner-1', until: at('2026-04-01T00:02:00Z') });
  });
});

describe('renewDue: details', () => {
  it('without onError, failures are still counted and the run goes on', async () => {
    const b = bed({ planId: 'gold-monthly' });
    b.data.subscriptions.push({ ...b.sub(), id: 'other', tenantId: 't2', planId: 'basic-monthly' });
    b.data.keys.push({ ...b.data.keys[0]!, tenantId: 't2' });
    // A stale first charge whose lookup fails, and a webhook queue that cannot be read.
    b.data.intents.push(intentOf('in-abc', { kind: 'initial', periodIndex: 0, subscriptionId: 'new-sub', createdAt: at('2026-03-31T00:00:00Z') }));
    b.toss.gateway.getPaymentByOrderId = async () => { throw new Error('toss down'); };
    b.deps.store.unprocessedWebhooks = async () => { throw new Error('queue down'); };
    expect(await renewDue(b.deps, { owner: 'runner-1', maxSubscriptions: 5 })).toEqual(summary({ claimed: 2, charged: 1, errors: 2 }));
  });

  it('a failing subscription ended meanwhile is not given a next action again', async () => {
    const b = bed({ planId: 'gold-monthly' });
    const pending = b.deps.store.pendingIntents;
    b.deps.store.pendingIntents = async (id) => {
      b.data.subscriptions[0] = { ...b.sub(), state: 'expired', endedAt: at(APRIL), nextActionAt: null, version: 2 };
      return pending(id);
    };
    expect(await b.run()).toEqual(summary({ claimed: 1, errors: 1 }));
    expect(b.sub()).toMatchObject({ state: 'expired', nextActionAt: null, version: 2 });
  });

  it('a pending upgrade of the subscription is not taken for its renewal', async () => {
    const b = bed();
    b.data.intents.push(intentOf(`up-${HEX}-0-1`, { kind: 'upgrade', periodIndex: 0, createdAt: at(APRIL) }));
    expect(await b.run()).toEqual(summary({ claimed: 1, charged: 1 }));
    expect(b.toss.charges.map((c) => c.orderId)).toEqual([`rn-${HEX}-1-0`]);
    expect(b.data.intents[0]).toMatchObject({ kind: 'upgrade', status: 'pending' });
  });

  it('no card on file is tried once, never as a retryable error', async () => {
    const b = bed();
    b.data.keys[0]!.discardedAt = at(MARCH);
    await b.run();
    expect(b.data.intents.map((i) => [i.orderId, i.status, i.failureCode])).toEqual([[`rn-${HEX}-1-0`, 'failed', 'NO_BILLING_KEY']]);
    expect(b.sub()).toMatchObject({ state: 'past_due', attempt: 1 });
  });

  it('an active subscription whose period ended is charged even when its next action is still ahead', async () => {
    // Only a past-due one waits for its retry day; claimed as the clock passes it, it is charged.
    const b = bed({ nextActionAt: at('2026-04-02T00:00:00Z') });
    b.clock.set('2026-04-01T12:00:00Z');
    const claim = b.deps.store.claimDue;
    b.deps.store.claimDue = (_now, limit, owner, until) => claim(at('2026-04-02T00:00:00Z'), limit, owner, until);
    expect(await b.run({ maxSubscriptions: 1 })).toEqual(summary({ claimed: 1, charged: 1 }));
  });

  it('a payment settled by someone else while Toss answered is neither counted nor receipted again', async () => {
    const b = bed();
    const charge = b.toss.gateway.charge;
    b.toss.gateway.charge = async (request, signal) => {
      const outcome = await charge(request, signal);
      b.data.intents[0]!.status = 'succeeded';
      return outcome;
    };
    expect(await b.run({ maxSubscriptions: 1 })).toEqual(summary({ claimed: 1 }));
    expect(b.notices).toEqual([]);
  });
});

describe('renewDue: changes that win over the runner are no errors', () => {
  it('a canceled subscription resumed before it ends is left running, and not counted as expired', async () => {
    const b = bed({ state: 'canceled' });
    const lock = b.deps.store.transaction;
    b.deps.store.transaction = (work, options) => lock((unit) => work({ ...unit, lockSubscription: async (t, id) => ({ ...(await unit.lockSubscription(t, id))!, state: 'active' }) }), options);
    expect(await b.run({ maxSubscriptions: 1 })).toEqual(summary({ claimed: 1 }));
    expect(b.errors).toEqual([]);
    expect(b.sub().state).toBe('canceled');
  });

  it('a transient failure for a period the subscription has left ends the attempt quietly', async () => {
    const b = bed();
    b.toss.outcomes.push(declined('PROVIDER_ERROR', true));
    const charge = b.toss.gateway.charge;
    b.toss.gateway.charge = async (request, signal) => {
      const outcome = await charge(request, signal);
      b.data.subscriptions[0] = { ...b.sub(), periodIndex: 1, version: b.sub().version + 1 };
      return outcome;
    };
    expect(await b.run({ maxSubscriptions: 1 })).toEqual(summary({ claimed: 1 }));
    expect(b.errors).toEqual([]);
  });
});
