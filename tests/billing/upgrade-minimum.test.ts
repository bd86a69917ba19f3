/**
 * Toss refuses charges under 100 won, so an upgrade whose prorated difference is under 100 won is waived: the plan
 * changes at once and nothing is charged (core/billing/proration.ts, MINIMUM_CHARGE_KRW).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { bearer, seedTenant } from '../platform/fixtures.ts';
import { billingHarness, mutableClock, type Harness } from './harness.ts';

let db: TestDatabase;
let rt: TestRuntime;
let h: Harness;
const clock = mutableClock('2025-06-01T00:00:00Z');

beforeAll(async () => {
  db = await withPglite();
  h = await billingHarness(db);
  rt = await testRuntime({ database: db, overrides: { billing: h.billing, clock } });
});
afterAll(async () => {
  await rt?.close();
  await h?.close();
  await db?.close();
});

let n = 0;
/** A tenant on Basic monthly (29,000 won) from 2025-06-01; June has 30 days = 2,592,000,000 ms. */
const subscribed = async () => {
  clock.set('2025-06-01T00:00:00Z');
  const t = await seedTenant(rt.ports);
  const auth = bearer(t.secret);
  const customerKey = `cust_${t.tenant.id.slice(0, 8)}`;
  const res = await rt.call('billing.subscribe', { headers: auth, body: { plan: 'basic-monthly', authKey: `auth_ok_min_${++n}`, customerKey } });
  expect(res.status).toBe(201);
  const charges = () => h.ledger().filter((p) => p.customerKey === customerKey).map((p) => p.totalAmount);
  return { auth, charges };
};

describe('upgrade difference under the 100-won minimum', () => {
  it('charges a difference of exactly 100 won', async () => {
    const c = await subscribed();
    // 5,184,000 ms left (1 h 26 min 24 s): share 5,184,000 / 2,592,000,000 = 0.002
    //   Pro 79,000 x 0.002 = 158, Basic 29,000 x 0.002 = 58 -> 100 won, not under the minimum
    clock.set('2025-06-30T22:33:36.000Z');
    const up = await rt.call('billing.changePlan', { headers: c.auth, body: { plan: 'pro-monthly' } });
    expect(up.status).toBe(200);
    expect(up.body.chargedKrw).toBe(100);
    expect(up.body.subscription).toMatchObject({ plan: { id: 'pro-monthly' }, amountKrw: 79_000 });
    expect(c.charges()).toEqual([29_000, 100]);
  });

  it('waives a difference of 99 won and switches the plan at once', async () => {
    const c = await subscribed();
    // 5,132,160 ms left: share 0.00198; Pro floor(156.42) = 156, Basic floor(57.42) = 57 -> 99 won, waived
    clock.set('2025-06-30T22:34:27.840Z');
    const up = await rt.call('billing.changePlan', { headers: c.auth, body: { plan: 'pro-monthly' } });
    expect(up.status).toBe(200);
    expect(up.body.chargedKrw).toBe(0);
    expect(up.body.subscription).toMatchObject({ plan: { id: 'pro-monthly' }, amountKrw: 79_000, pendingPlanId: null });
    expect(up.body.entitlements.apiCallsPerDay).toBe(50_000);
    expect(c.charges()).toEqual([29_000]);
  });
});
