/**
 * The renewal runner over the PostgreSQL store (PGlite and, where it runs, PostgreSQL): a subscription the runner
 * leaves due is not claimed again in the same run, and rows with nothing to do yet are rescheduled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresBillingStore } from '../../adapters/postgres/billing.ts';
import type { StoredBillingKey, Subscription } from '../../core/billing/model.ts';
import { renewDue } from '../../core/billing/renewal.ts';
import { idempotencyKeyFor, orderIdFor } from '../../core/billing/settle.ts';
import { databaseEngines, type TestDatabase } from '../helpers/database.ts';
import { billingTestbed } from './memory-billing.ts';

const at = (iso: string) => new Date(iso);
const MARCH = '2026-03-01T00:00:00Z';
const APRIL = '2026-04-01T00:00:00Z';
const END = '2026-04-01T00:00:00.001Z';

const subscription = (id: string, tenantId: string, over: Partial<Subscription> = {}): Subscription => ({
  id, tenantId, state: 'active', planId: 'basic-monthly', planVersion: 1, amountKrw: 29_000, anchor: at(MARCH), periodIndex: 0,
  currentPeriodStart: at(MARCH), currentPeriodEnd: at(APRIL), trialEndsAt: null, pendingPlanId: null, billingKeyId: `bk-${tenantId}`, customerKey: `cust-${tenantId}`,
  attempt: 0, dunningStep: 0, nextActionAt: at(APRIL), canceledAt: null, endedAt: null, createdAt: at(MARCH), version: 1, ...over,
});
const keyOf = (tenantId: string): StoredBillingKey => ({
  id: `bk-${tenantId}`, tenantId, customerKey: `cust-${tenantId}`, sealed: { keyId: 'v1', data: `sealed:billing-${tenantId}` },
  card: { number: '1', issuerCode: null, cardType: null, ownerType: null }, createdAt: at(MARCH), discardedAt: null,
});

describe.each(await databaseEngines())('renewDue on $name', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => { if (!engine.skip) db = await engine.open(); });
  afterAll(async () => { await db?.close(); });

  it.skipIf(engine.skip !== null)('ends a run without a maximum, each subscription looked at once', async () => {
    const run = `${engine.name}-${Date.now()}`;
    const b = billingTestbed(APRIL);
    const store = postgresBillingStore(db);
    const deps = { ...b.deps, store };
    const canceled = subscription(`${run}-canceled`, `${run}-t1`, { state: 'canceled', canceledAt: at('2026-03-10T00:00:00Z'), nextActionAt: at('2026-03-31T00:00:00Z'), currentPeriodEnd: at(END) });
    const expired = subscription(`${run}-expired`, `${run}-t2`, { state: 'expired', endedAt: at('2026-03-20T00:00:00Z'), nextActionAt: at('2026-03-30T00:00:00Z') });
    const due = subscription(`${run}-due`, `${run}-t3`);
    // Its next period's charge is settled but the row was not moved on: the runner leaves it due.
    const stuck = subscription(`${run}-stuck`, `${run}-t4`, { nextActionAt: at('2026-03-29T00:00:00Z') });
    for (const s of [canceled, expired, due, stuck]) {
      await store.insertBillingKey(keyOf(s.tenantId));
      expect(await store.insertSubscription(s)).toBe(true);
    }
    const orderId = orderIdFor('rn', stuck.id, 1, 0);
    await store.recordIntent({
      id: crypto.randomUUID(), tenantId: stuck.tenantId, subscriptionId: stuck.id, kind: 'renewal', periodIndex: 1, attempt: 0, orderId, idempotencyKey: idempotencyKeyFor(orderId),
      amountKrw: 29_000, orderName: 'Sell-Po Basic (monthly)', planId: 'basic-monthly', planVersion: 1, billingKeyId: stuck.billingKeyId, targetPaymentKey: null,
      status: 'succeeded', paymentKey: 'pay-stuck', failureCode: null, failureMessage: null, createdAt: at(APRIL), resolvedAt: at(APRIL),
    });
    const claimed: string[] = [];
    const claim = store.claimDue;
    store.claimDue = async (now, limit, owner, until) => {
      if (claimed.length > 20) throw new Error('the run keeps claiming');
      const rows = (await claim(now, limit, owner, until)).filter((s) => s.id.startsWith(run));
      claimed.push(...rows.map((s) => s.id));
      return rows;
    };
    const errors: unknown[] = [];
    const summary = await renewDue(deps, { owner: 'runner-1', batchSize: 1, onError: (_, e) => errors.push(e) });
    expect(errors).toEqual([]);
    expect(summary).toMatchObject({ claimed: 4, charged: 1, expired: 0, errors: 0 });
    // Claimed by next action: the stuck row (29 March) twice, the second time passed over and kept leased, then the
    // expired row (30 March), the canceled one (31 March) and the due one (1 April).
    expect(claimed).toEqual([stuck.id, stuck.id, expired.id, canceled.id, due.id]);
    expect(b.toss.charges.map((c) => c.orderId)).toEqual([orderIdFor('rn', due.id, 1, 0)]);
    expect(await store.getSubscription(stuck.tenantId, stuck.id)).toMatchObject({ periodIndex: 0, version: 1 });
    expect(await store.getSubscription(canceled.tenantId, canceled.id)).toMatchObject({ state: 'canceled', nextActionAt: at(END), version: 2 });
    expect(await store.getSubscription(expired.tenantId, expired.id)).toMatchObject({ state: 'expired', nextActionAt: null, version: 2 });
    expect(await store.getSubscription(due.tenantId, due.id)).toMatchObject({ state: 'active', periodIndex: 1, nextActionAt: at('2026-05-01T00:00:00Z') });
  });
});
