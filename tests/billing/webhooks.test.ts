import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeyFor, orderIdFor } from '../../core/billing/settle.ts';
import { drainWebhooks } from '../../core/billing/webhooks.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { postgresUnavailable, withPglite, withPostgres, type TestDatabase } from '../helpers/database.ts';
import { bearer, seedTenant } from '../platform/fixtures.ts';
import { billingHarness, mutableClock, type Harness } from './harness.ts';

const shuffle = <T>(items: T[]): T[] => {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
};

/**
 * On PGlite (one connection) deliveries and drains take turns; on PostgreSQL with a pool of 10 they truly overlap,
 * which is where a missing lock or a racy insert would show.
 */
const engines: Array<[name: string, open: () => Promise<TestDatabase>, skip: boolean]> = [
  ['PGlite', () => withPglite(), false],
  ['PostgreSQL, 10 connections', () => withPostgres({ max: 10 }), (await postgresUnavailable()) !== null],
];

for (const [engine, open, skip] of engines) {
  describe.skipIf(skip)(`Toss webhooks (${engine})`, () => {
    let db: TestDatabase;
    let rt: TestRuntime;
    let h: Harness;
    const clock = mutableClock('2025-06-01T00:00:00Z');

    beforeAll(async () => {
      db = await open();
      h = await billingHarness(db);
      rt = await testRuntime({ database: db, overrides: { billing: h.billing, clock } });
    });
    afterAll(async () => {
      await rt.close();
      await h.close();
      await db.close();
    });

    it('each event delivered 7 times in shuffled order has one effect; forged bodies are not trusted', async () => {
      const t = await seedTenant(rt.ports);
      const auth = bearer(t.secret);
      const sub = await rt.call('billing.subscribe', { headers: auth, body: { plan: 'basic-monthly', authKey: 'auth_ok_wh1', customerKey: 'cust_wh1' } });
      expect(sub.status).toBe(201);
      const subscriptionId = sub.body.subscription.id as string;
      const [initial] = h.ledger();
      const gw = h.billing.gateway;

      // Refunds made outside Sell-Po (the Toss console): partial, then the rest.
      await gw.cancel({ paymentKey: initial!.paymentKey, reason: 'console', amountKrw: 9_000, idempotencyKey: 'console-1' });
      await gw.cancel({ paymentKey: initial!.paymentKey, reason: 'console', idempotencyKey: 'console-2' });

      // A renewal whose runner died after Toss charged it: intent pending, payment done, nothing settled.
      clock.set('2025-07-01T00:00:01Z');
      const orderId = orderIdFor('rn', subscriptionId, 1, 0);
      const intent = await h.billing.store.recordIntent({
        id: crypto.randomUUID(), tenantId: t.tenant.id, subscriptionId, kind: 'renewal', periodIndex: 1, attempt: 0, orderId, idempotencyKey: idempotencyKeyFor(orderId),
        amountKrw: 29_000, orderName: 'Sell-Po Basic (monthly)', planId: 'basic-monthly', planVersion: 1, billingKeyId: (await h.billing.store.latestSubscription(t.tenant.id))!.billingKeyId,
        targetPaymentKey: null, status: 'pending', paymentKey: null, failureCode: null, failureMessage: null, createdAt: clock.now(), resolvedAt: null,
      });
      const key = await h.billing.store.getBillingKey(t.tenant.id, intent.billingKeyId);
      const charged = await gw.charge({ billingKey: h.billing.vault.open(key!.sealed), customerKey: 'cust_wh1', amountKrw: 29_000, orderId, orderName: intent.orderName, idempotencyKey: intent.idempotencyKey });
      expect(charged.kind).toBe('paid');
      const renewalKey = (charged as { payment: { paymentKey: string } }).payment.paymentKey;

      const event = (paymentKey: string, orderId: string, status: string, at: string) => ({ eventType: 'PAYMENT_STATUS_CHANGED', createdAt: at, data: { paymentKey, orderId, status } });
      const events = [
        event(initial!.paymentKey, initial!.orderId, 'DONE', '2025-06-01T09:00:00.000000'),
        event(initial!.paymentKey, initial!.orderId, 'PARTIAL_CANCELED', '2025-06-02T09:00:00.000000'),
        event(initial!.paymentKey, initial!.orderId, 'CANCELED', '2025-06-03T09:00:00.000000'),
        // Unsigned, so anyone can post one: it claims a refund that never happened and must change nothing.
        event(renewalKey, orderId, 'CANCELED', '2025-07-01T09:00:01.000000'),
        event(renewalKey, orderId, 'DONE', '2025-07-01T09:00:00.000000'),
        { eventType: 'DEPOSIT_CALLBACK', createdAt: '2025-07-01T09:00:00.000000', data: { secret: 'x', status: 'DONE' } },
        event('tpk_forged_does_not_exist', 'in-forged', 'DONE', '2025-07-01T09:00:00.000000'),
      ];
      // Each delivered 7 times; later copies of a status change carry another createdAt (still the same event).
      const copy = (e: (typeof events)[number], i: number) => (i === 0 || e.eventType !== 'PAYMENT_STATUS_CHANGED' ? e : { ...e, createdAt: `2025-08-0${i}T00:00:00.000000` });
      const deliveries = shuffle(events.flatMap((e) => Array.from({ length: 7 }, (_, i) => copy(e, i))));
      const answers = await Promise.all(deliveries.map((body) => rt.call('billing.tossWebhook', { body })));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(events.length);
      // Acting on them is the queue's drain (the server's worker, or the runner's sweep), concurrent here.
      const deps = { ...h.billing, clock, rateCounter: rt.ports.rateCounter };
      await Promise.all([drainWebhooks(deps, { limit: 50 }), drainWebhooks(deps, { limit: 50 })]);

      const mine = h.notices.filter((n) => n.tenantId === t.tenant.id).map((n) => n.notice);
      expect(mine.filter((n) => n.kind === 'payment_status')).toEqual([{ kind: 'payment_status', paymentKey: initial!.paymentKey, status: 'CANCELED' }]);
      expect(mine.filter((n) => n.kind === 'receipt').map((n) => (n as { orderId: string }).orderId)).toEqual([expect.stringMatching(/^in-/), orderId]);

      const payments = await rt.call('billing.listPayments', { headers: auth });
      expect(payments.body.items.map((p: { status: string; balanceKrw: number }) => [p.status, p.balanceKrw])).toEqual([['DONE', 29_000], ['CANCELED', 0]]);
      const view = await rt.call('billing.getSubscription', { headers: auth });
      expect(view.body.subscription).toMatchObject({ state: 'active', currentPeriod: { start: '2025-07-01T00:00:00.000Z', end: '2025-08-01T00:00:00.000Z' } });
      const stored = await db.query<{ event_type: string; processed: boolean }>('SELECT event_type, processed_at IS NOT NULL AS processed FROM billing_webhook_events');
      expect(stored.rows).toHaveLength(events.length);
      expect(stored.rows.every((r) => r.processed)).toBe(true);

      // The runner finds nothing left to charge for that period.
      const before = h.ledger().length;
      const { renewDue } = await import('../../core/billing/renewal.ts');
      await renewDue({ ...h.billing, clock }, { owner: 'check' });
      expect(h.ledger().length).toBe(before);
    });

    it('400 names a missing eventType', async () => {
      const res = await rt.call('billing.tossWebhook', { body: { data: {} } });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe('eventType');
    });
  });
}
