/**
 * The daily API-call budget enforced where tenants call us: every metered tenant endpoint counts one call;
 * past the plan's budget the answer is 429 with Retry-After and a problem naming the limit and the plan that
 * lifts it. Billing and account endpoints are not metered, so a tenant out of calls can still upgrade.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { bearer, seedTenant } from '../platform/fixtures.ts';
import { billingHarness, mutableClock, type Harness } from './harness.ts';

let db: TestDatabase;
let rt: TestRuntime;
let h: Harness;
const clock = mutableClock('2025-06-01T14:00:00Z'); // 23:00 KST: the day ends in an hour

beforeAll(async () => {
  db = await withPglite();
  h = await billingHarness(db);
  rt = await testRuntime({ database: db, meter: true, overrides: { billing: h.billing, clock } });
});
afterAll(async () => {
  await rt.close();
  await h.close();
  await db.close();
});

describe('metering of tenant API calls', () => {
  it('answers 429 with Retry-After past the free plan\'s daily calls, and keeps billing reachable', async () => {
    const t = await seedTenant(rt.ports);
    const call = () => rt.call('analysis.feeTables', { headers: bearer(t.secret), query: { date: '2025-06-02' } });
    for (let i = 0; i < 100; i++) expect((await call()).status).toBe(200);
    const spent = await call();
    expect(spent.status).toBe(429);
    expect(spent.headers['retry-after']).toBe('3600');
    expect(spent.body).toMatchObject({ type: 'urn:sellpo:problem:rate-limited', limit: 'apiCallsPerDay', allowed: 100, plan: 'free', upgradeTo: 'basic-monthly' });
    // Not metered: the tenant can read its subscription and upgrade.
    expect((await rt.call('billing.getSubscription', { headers: bearer(t.secret) })).status).toBe(200);
    const upgraded = await rt.call('billing.subscribe', { headers: bearer(t.secret), body: { plan: 'basic-monthly', authKey: 'auth_ok_meter', customerKey: 'cust_meter' } });
    expect(upgraded.status).toBeLessThan(300);
    expect((await call()).status).toBe(200);
  });

  it('counts each tenant on its own', async () => {
    const a = await seedTenant(rt.ports);
    const b = await seedTenant(rt.ports);
    for (let i = 0; i < 100; i++) await rt.call('analysis.feeTables', { headers: bearer(a.secret) });
    expect((await rt.call('analysis.feeTables', { headers: bearer(a.secret) })).status).toBe(429);
    expect((await rt.call('analysis.feeTables', { headers: bearer(b.secret) })).status).toBe(200);
  });
});
