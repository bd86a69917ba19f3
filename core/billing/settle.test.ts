import { describe, expect, it } from 'vitest';
import { defaultCatalog } from './plans.ts';
import type { PaymentIntent, PlanVersion, Subscription } from './model.ts';
import { firstSubscription, idempotencyKeyFor, nextPeriod, orderIdFor, paymentRecordOf, settleInitial, settlePaid } from './settle.ts';
import { memoryBillingStore, paymentFor } from '../../tests/billing/memory-billing.ts';

const SUB = '0b1c2d3e-aaaa-4bbb-8ccc-ddddeeeeffff';
const HEX = '0b1c2d3eaaaa4bbb8cccddddeeeeffff';
const NOW = new Date('2026-03-05T00:00:00Z');

const intent = (over: Partial<PaymentIntent> = {}): PaymentIntent => ({
  id: 'i1', tenantId: 't1', subscriptionId: SUB, kind: 'renewal', periodIndex: 1, attempt: 0, orderId: `rn-${HEX}-1-0`, idempotencyKey: `sellpo-rn-${HEX}-1-0`,
  amountKrw: 29_000, orderName: 'Sell-Po Basic (monthly)', planId: 'basic-monthly', planVersion: 1, billingKeyId: 'bk-1', targetPaymentKey: null,
  status: 'pending', paymentKey: null, failureCode: null, failureMessage: null, createdAt: new Date('2026-02-28T03:00:00Z'), resolvedAt: null, ...over,
});

const subscription = (over: Partial<Subscription> = {}): Subscription => ({
  id: SUB, tenantId: 't1', state: 'active', planId: 'basic-monthly', planVersion: 1, amountKrw: 29_000, anchor: new Date('2026-01-31T03:00:00Z'), periodIndex: 0,
  currentPeriodStart: new Date('2026-01-31T03:00:00Z'), currentPeriodEnd: new Date('2026-02-28T03:00:00Z'), trialEndsAt: null, pendingPlanId: null, billingKeyId: 'bk-1',
  customerKey: 'c1', attempt: 0, dunningStep: 0, nextActionAt: new Date('2026-02-28T03:00:00Z'), canceledAt: null, endedAt: null,
  createdAt: new Date('2026-01-31T03:00:00Z'), version: 4, ...over,
});

const paid = (i: PaymentIntent, amount = i.amountKrw) => paymentFor({ orderId: i.orderId, orderName: i.orderName, amountKrw: amount }, NOW, 'pk-1');

describe('order ids and Idempotency-Keys', () => {
  it('<kind>-<subscription hex>-<period>-<attempt>, and sellpo-<orderId>', () => {
    expect(orderIdFor('rn', SUB, 3, 1)).toBe(`rn-${HEX}-3-1`);
    expect(orderIdFor('rf', SUB, 0, 0)).toBe(`rf-${HEX}-0-0`);
    expect(idempotencyKeyFor(`up-${HEX}-2-7`)).toBe(`sellpo-up-${HEX}-2-7`);
  });
});

describe('paymentRecordOf', () => {
  it('takes the amounts, status and receipt from Toss and the subscription facts from the intent', () => {
    const payment = { ...paid(intent()), balanceAmount: 20_000, status: 'PARTIAL_CANCELED' as const };
    expect(paymentRecordOf(intent(), payment, NOW)).toEqual({
      paymentKey: 'pk-1', tenantId: 't1', subscriptionId: SUB, orderId: `rn-${HEX}-1-0`, kind: 'renewal', periodIndex: 1, orderName: 'Sell-Po Basic (monthly)',
      status: 'PARTIAL_CANCELED', amountKrw: 29_000, balanceKrw: 20_000, cardNumber: '4330********123*', receiptUrl: 'https://receipt.example/pk-1',
      approvedAt: NOW, createdAt: NOW, updatedAt: NOW,
    });
    expect(paymentRecordOf(intent(), { ...payment, card: null }, NOW).cardNumber).toBeNull();
  });
});

describe('firstSubscription', () => {
  it('is active from the anchor for one period of the plan, next acted on at its end', () => {
    const anchor = new Date('2026-01-31T03:00:00Z');
    const sub = firstSubscription(intent({ kind: 'initial', periodIndex: 0, amountKrw: 29_000 }), defaultCatalog, 'c1', anchor);
    expect(sub).toEqual({
      id: SUB, tenantId: 't1', state: 'active', planId: 'basic-monthly', planVersion: 1, amountKrw: 29_000, anchor, periodIndex: 0,
      currentPeriodStart: anchor, currentPeriodEnd: new Date('2026-02-28T03:00:00Z'), trialEndsAt: null, pendingPlanId: null, billingKeyId: 'bk-1', customerKey: 'c1',
      attempt: 0, dunningStep: 0, nextActionAt: new Date('2026-02-28T03:00:00Z'), canceledAt: null, endedAt: null, createdAt: anchor, version: 1,
    });
    const yearly = firstSubscription(intent({ planId: 'basic-yearly' }), defaultCatalog, 'c1', anchor);
    expect(yearly.currentPeriodEnd).toEqual(new Date('2027-01-31T03:00:00Z'));
  });

  it('refuses a plan version the catalogue does not hold', () => {
    expect(() => firstSubscription(intent({ planVersion: 9 }), defaultCatalog, 'c1', NOW)).toThrow('plan basic-monthly v9 is not in the catalog');
  });
});

describe('nextPeriod', () => {
  it('is the period after the current one, counted from the anchor', () => {
    expect(nextPeriod(subscription(), 'month')).toEqual({ index: 1, start: new Date('2026-02-28T03:00:00Z'), end: new Date('2026-03-31T03:00:00Z') });
    expect(nextPeriod(subscription({ periodIndex: 2 }), 'month')).toEqual({ index: 3, start: new Date('2026-04-30T03:00:00Z'), end: new Date('2026-05-31T03:00:00Z') });
  });

  it('after a trial (period 0, anchored at the trial end) the first paid period starts at the anchor', () => {
    const trialEnd = new Date('2026-03-15T00:00:00Z');
    const sub = subscription({ state: 'trialing', anchor: trialEnd, trialEndsAt: trialEnd, periodIndex: 0 });
    expect(nextPeriod(sub, 'month')).toEqual({ index: 1, start: trialEnd, end: new Date('2026-04-15T00:00:00Z') });
  });
});

describe('settlePaid', () => {
  const setup = (sub: Subscription, i: PaymentIntent) => {
    const { store, data } = memoryBillingStore();
    data.subscriptions.push(sub);
    data.intents.push(i);
    return { store, data };
  };

  it('refuses a payment for another amount than the intent, and leaves the intent pending', async () => {
    const i = intent();
    const { store, data } = setup(subscription(), i);
    await expect(settlePaid(store, defaultCatalog, i, paid(i, 28_999), NOW)).rejects.toThrow(`payment rn-${HEX}-1-0 is for 28999 KRW, the intent for 29000 KRW`);
    expect(data.intents[0]!.status).toBe('pending');
    expect(data.payments).toEqual([]);
  });

  it('a paid renewal records the payment and moves the subscription into the next period, in good standing', async () => {
    const i = intent({ amountKrw: 33_000, planVersion: 2 });
    const v2: PlanVersion = { ...defaultCatalog[0]!, version: 2, priceKrw: 33_000 };
    const { store, data } = setup(subscription({ state: 'past_due', attempt: 2, dunningStep: 1, pendingPlanId: 'basic-monthly' }), i);
    expect(await settlePaid(store, [...defaultCatalog, v2], i, paid(i), NOW)).toBe('applied');
    expect(data.intents[0]).toMatchObject({ status: 'succeeded', paymentKey: 'pk-1', resolvedAt: NOW });
    expect(data.payments.map((p) => [p.paymentKey, p.amountKrw, p.kind])).toEqual([['pk-1', 33_000, 'renewal']]);
    expect(data.subscriptions[0]).toEqual(subscription({
      state: 'active', planVersion: 2, amountKrw: 33_000, periodIndex: 1, currentPeriodStart: new Date('2026-02-28T03:00:00Z'),
      currentPeriodEnd: new Date('2026-03-31T03:00:00Z'), pendingPlanId: null, attempt: 0, dunningStep: 0, nextActionAt: new Date('2026-03-31T03:00:00Z'), version: 5,
    }));
  });

  it('a renewal paid after the subscription expired records the period but keeps it expired, with nothing scheduled', async () => {
    const i = intent();
    const { store, data } = setup(subscription({ state: 'expired', nextActionAt: null }), i);
    expect(await settlePaid(store, defaultCatalog, i, paid(i), NOW)).toBe('applied');
    expect(data.subscriptions[0]).toMatchObject({ state: 'expired', periodIndex: 1, nextActionAt: null, version: 5 });
  });

  it('a renewal for a period the subscription has left records the payment only', async () => {
    const i = intent({ periodIndex: 1 });
    const { store, data } = setup(subscription({ periodIndex: 1 }), i);
    expect(await settlePaid(store, defaultCatalog, i, paid(i), NOW)).toBe('applied');
    expect(data.payments).toHaveLength(1);
    expect(data.subscriptions[0]).toEqual(subscription({ periodIndex: 1 }));
  });

  it('an intent settled before changes nothing', async () => {
    const i = intent({ status: 'succeeded' });
    const { store, data } = setup(subscription(), i);
    expect(await settlePaid(store, defaultCatalog, i, paid(i), NOW)).toBe('already_settled');
    expect(data.payments).toEqual([]);
    expect(data.subscriptions[0]!.version).toBe(4);
  });

  it('a paid renewal of a plan version the catalogue lost fails (and rolls back with the caller\'s transaction)', async () => {
    const i = intent({ planVersion: 9 });
    const { store, data } = setup(subscription(), i);
    await expect(store.transaction((unit) => settlePaid(unit, defaultCatalog, i, paid(i), NOW))).rejects.toThrow('plan basic-monthly v9 is not in the catalog');
    expect(data.intents[0]!.status).toBe('pending');
  });

  it('a paid upgrade switches the plan at once, at the new plan\'s price, in the same period', async () => {
    const i = intent({ kind: 'upgrade', periodIndex: 0, planId: 'pro-monthly', amountKrw: 25_000 });
    const { store, data } = setup(subscription({ pendingPlanId: 'basic-monthly' }), i);
    expect(await settlePaid(store, defaultCatalog, i, paid(i), NOW)).toBe('applied');
    expect(data.subscriptions[0]).toEqual(subscription({ planId: 'pro-monthly', planVersion: 1, amountKrw: 79_000, pendingPlanId: null, version: 5 }));
    expect(data.payments.map((p) => [p.kind, p.amountKrw])).toEqual([['upgrade', 25_000]]);
  });

  it('an upgrade paid for another period, or after expiry, leaves the subscription alone', async () => {
    for (const sub of [subscription({ periodIndex: 1 }), subscription({ state: 'expired' })]) {
      const i = intent({ kind: 'upgrade', periodIndex: 0, planId: 'pro-monthly', amountKrw: 25_000 });
      const { store, data } = setup(sub, i);
      expect(await settlePaid(store, defaultCatalog, i, paid(i), NOW)).toBe('applied');
      expect(data.subscriptions[0]).toEqual(sub);
    }
  });

  it('an upgrade to a plan version the catalogue lost fails', async () => {
    const i = intent({ kind: 'upgrade', periodIndex: 0, planId: 'pro-monthly', planVersion: 3 });
    const { store } = setup(subscription(), i);
    await expect(settlePaid(store, defaultCatalog, i, paid(i), NOW)).rejects.toThrow('plan pro-monthly v3 is not in the catalog');
  });

  it('a paid charge of another kind (a first charge, a refund) does not change the subscription', async () => {
    for (const kind of ['initial', 'refund'] as const) {
      const i = intent({ kind, periodIndex: 0, planId: 'pro-monthly' });
      const { store, data } = setup(subscription(), i);
      expect(await settlePaid(store, defaultCatalog, i, paid(i), NOW)).toBe('applied');
      expect(data.subscriptions[0]).toEqual(subscription());
      expect(data.payments.map((p) => p.kind)).toEqual([kind]);
    }
  });

  it('a paid subscription without its row (or a refund) only records the payment', async () => {
    const { store, data } = memoryBillingStore();
    const i = intent();
    data.intents.push(i);
    expect(await settlePaid(store, defaultCatalog, i, paid(i), NOW)).toBe('applied');
    const u = intent({ id: 'i2', kind: 'upgrade', orderId: 'up-x' });
    data.intents.push(u);
    expect(await settlePaid(store, defaultCatalog, u, { ...paid(u), paymentKey: 'pk-2' }, NOW)).toBe('applied');
    expect(data.subscriptions).toEqual([]);
  });
});

describe('settleInitial', () => {
  const initial = () => intent({ kind: 'initial', periodIndex: 0, orderId: 'in-abc', idempotencyKey: 'sellpo-in-abc', createdAt: new Date('2026-03-01T00:00:00Z') });

  it('creates the subscription anchored at the intent\'s creation', async () => {
    const { store, data } = memoryBillingStore();
    const i = initial();
    data.intents.push(i);
    const settled = await settleInitial(store, defaultCatalog, i, paid(i), 'c1', NOW);
    expect(settled.result).toBe('applied');
    expect(settled.subscription).toMatchObject({ id: SUB, state: 'active', anchor: new Date('2026-03-01T00:00:00Z'), currentPeriodEnd: new Date('2026-04-01T00:00:00Z'), customerKey: 'c1' });
    expect(data.subscriptions).toEqual([settled.subscription]);
    expect(data.payments.map((p) => [p.paymentKey, p.kind])).toEqual([['pk-1', 'initial']]);
    expect(data.intents[0]).toMatchObject({ status: 'succeeded', paymentKey: 'pk-1' });
  });

  it('an intent settled before answers with the subscription as stored', async () => {
    const { store, data } = memoryBillingStore();
    const i = { ...initial(), status: 'succeeded' as const };
    data.intents.push(i);
    data.subscriptions.push(subscription());
    expect(await settleInitial(store, defaultCatalog, i, paid(i), 'c1', NOW)).toEqual({ result: 'already_settled', subscription: subscription() });
    expect(data.payments).toEqual([]);
  });

  it('paid while the tenant got another live subscription: a refund of the whole payment is recorded', async () => {
    const { store, data } = memoryBillingStore();
    const i = initial();
    data.intents.push(i);
    data.subscriptions.push(subscription({ id: 'other' }));
    expect(await settleInitial(store, defaultCatalog, i, paid(i), 'c1', NOW)).toEqual({ result: 'refund_pending', subscription: null });
    expect(data.subscriptions.map((s) => s.id)).toEqual(['other']);
    const refund = data.intents[1]!;
    expect(refund).toEqual({
      ...i, id: expect.any(String), kind: 'refund', orderId: `rf-${HEX}-0-0`, idempotencyKey: `sellpo-rf-${HEX}-0-0`, targetPaymentKey: 'pk-1', status: 'pending',
      paymentKey: null, failureCode: null, failureMessage: null, createdAt: NOW, resolvedAt: null,
    });
    expect(refund.id).not.toBe(i.id);
  });
});
