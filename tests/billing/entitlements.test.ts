import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeApiCall, requireWithinLimit } from '../../core/billing/entitlements.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { bearer, seedTenant } from '../platform/fixtures.ts';
import { billingHarness, mutableClock, type Harness } from './harness.ts';

let db: TestDatabase;
let rt: TestRuntime;
let h: Harness;
const clock = mutableClock('2025-06-01T14:00:00Z'); // 23:00 KST

beforeAll(async () => {
  db = await withPglite();
  h = await billingHarness(db);
  rt = await testRuntime({ database: db, overrides: { billing: h.billing, clock } });
});
afterAll(async () => {
  await rt.close();
  await h.close();
  await db.close();
});

const caught = async (p: Promise<unknown>): Promise<DomainError> => {
  try {
    await p;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected a domain error');
};

describe('entitlements', () => {
  it('a free tenant past 100 calls a day gets rate_limited with Retry-After to midnight KST', async () => {
    const t = await seedTenant(rt.ports);
    const deps = { ...h.billing, clock, rateCounter: rt.ports.rateCounter };
    for (let i = 0; i < 100; i++) await consumeApiCall(deps, t.tenant.id);
    const error = await caught(consumeApiCall(deps, t.tenant.id));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterSeconds).toBe(3_600);
    expect(error.details).toMatchObject({ limit: 'apiCallsPerDay', allowed: 100, plan: 'free', upgradeTo: 'basic-monthly' });
  });

  it('count limits name the limit and the plan that lifts it; a subscription lifts them', async () => {
    const t = await seedTenant(rt.ports);
    const deps = { ...h.billing, clock };
    const error = await caught(requireWithinLimit(deps, t.tenant.id, 'trackedKeywords', 10));
    expect(error.code).toBe('limit_exceeded');
    expect(error.details).toMatchObject({ limit: 'trackedKeywords', allowed: 10, plan: 'free', upgradeTo: 'basic-monthly' });
    expect(error.message).toMatch(/basic-monthly allows 200/);
    const big = await caught(requireWithinLimit(deps, t.tenant.id, 'members', 5));
    expect(big.details).toMatchObject({ upgradeTo: 'pro-monthly' });
    await rt.call('billing.subscribe', { headers: bearer(t.secret), body: { plan: 'basic-monthly', authKey: 'auth_ok_ent', customerKey: 'cust_ent' } });
    await expect(requireWithinLimit(deps, t.tenant.id, 'trackedKeywords', 10)).resolves.toBeUndefined();
  });
});
