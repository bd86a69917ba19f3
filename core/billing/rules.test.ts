/** Plans, proration, entitlements and the lifecycle's error text: the rules written once in core/billing. */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import type { ConsumeRequest, ConsumeResult, RateCounter } from '../platform/ports.ts';
import { consumeApiCall, planOf, recordApiCalls, requireWithinLimit, type EntitlementDeps } from './entitlements.ts';
import { addMonthsClamped, defaultCatalog, FREE_PLAN, intervalMonths, planAt, planLifting, planRank, plansOnSale, planVersionOf, periodBounds } from './plans.ts';
import { defaultBillingPolicy, type PlanVersion, type Subscription } from './model.ts';
import { MINIMUM_CHARGE_KRW, unusedShare, upgradeCharge } from './proration.ts';
import { transition } from './subscription.ts';

const caught = (f: () => unknown): DomainError => {
  try {
    f();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
};
const rejected = async (p: Promise<unknown>): Promise<DomainError> => {
  try {
    await p;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
};

describe('proration', () => {
  const start = new Date('2025-06-01T00:00:00Z');
  const end = new Date('2025-07-01T00:00:00Z');

  it('refuses a price that is not a non-negative whole number of won', () => {
    expect(() => unusedShare(-1, start, end, start)).toThrow(RangeError);
    expect(() => unusedShare(10.5, start, end, start)).toThrow('price must be a non-negative integer, got 10.5');
    expect(() => unusedShare(2 ** 53, start, end, start)).toThrow(RangeError);
    expect(unusedShare(0, start, end, start)).toBe(0);
  });

  it('gives nothing back for an empty or inverted period', () => {
    expect(unusedShare(29_000, start, start, start)).toBe(0);
    expect(unusedShare(29_000, end, start, start)).toBe(0);
  });

  it('rounds down: one millisecond used costs the customer one won of a 30,000-won month', () => {
    // 30,000 x (2,592,000,000 - 1) / 2,592,000,000 = 29,999.99999 -> 29,999
    expect(unusedShare(30_000, start, end, new Date(start.getTime() + 1))).toBe(29_999);
    // one millisecond left: 30,000 x 1 / 2,592,000,000 -> 0
    expect(unusedShare(30_000, start, end, new Date(end.getTime() - 1))).toBe(0);
  });

  it('never charges a negative upgrade and names the 100-won minimum', () => {
    expect(upgradeCharge(79_000, 29_000, start, end, new Date('2025-06-16T00:00:00Z'))).toBe(0);
    // Half the month left: 79,000 / 2 - 29,000 / 2 = 39,500 - 14,500
    expect(upgradeCharge(29_000, 79_000, start, end, new Date('2025-06-16T00:00:00Z'))).toBe(25_000);
    expect(MINIMUM_CHARGE_KRW).toBe(100);
  });
});

describe('plans', () => {
  const launch = new Date('2025-01-01T00:00:00+09:00');
  it('is on sale from its effective instant, not a millisecond before', () => {
    expect(planAt(defaultCatalog, 'basic-monthly', launch)?.version).toBe(1);
    expect(planAt(defaultCatalog, 'basic-monthly', new Date(launch.getTime() - 1))).toBeUndefined();
    expect(plansOnSale(defaultCatalog, new Date(launch.getTime() - 1))).toEqual([]);
  });

  it('lists each plan once, at the version on sale', () => {
    const v2: PlanVersion = { ...defaultCatalog[2]!, version: 2, priceKrw: 89_000, effectiveFrom: new Date('2026-01-01T00:00:00Z') };
    const catalog = [v2, ...defaultCatalog];
    const on = plansOnSale(catalog, new Date('2026-02-01T00:00:00Z'));
    expect(on.map((p) => `${p.id}@${p.version}`)).toEqual(['pro-monthly@2', 'basic-monthly@1', 'basic-yearly@1', 'pro-yearly@1']);
    expect(planVersionOf(catalog, 'pro-monthly', 1)?.priceKrw).toBe(79_000);
    expect(planVersionOf(catalog, 'pro-monthly', 2)?.priceKrw).toBe(89_000);
    expect(planVersionOf(catalog, 'pro-monthly', 3)).toBeUndefined();
  });

  it('ranks free < basic < pro and names the cheapest plan that lifts a limit', () => {
    expect([planRank('free'), planRank('basic'), planRank('pro')]).toEqual([0, 1, 2]);
    const at = new Date('2025-06-01T00:00:00Z');
    // members: free 1, basic 3, pro 10
    expect(planLifting(defaultCatalog, 'members', 2, at)?.id).toBe('basic-monthly');
    expect(planLifting(defaultCatalog, 'members', 3, at)?.id).toBe('basic-monthly');
    expect(planLifting(defaultCatalog, 'members', 4, at)?.id).toBe('pro-monthly');
    expect(planLifting(defaultCatalog, 'members', 11, at)).toBeUndefined();
    // The cheaper of two plans of the same rank, whatever the catalogue order.
    expect(planLifting([...defaultCatalog].reverse(), 'apiCallsPerDay', 5_000, at)?.id).toBe('basic-monthly');
  });

  it('counts 1 month a month and 12 a year', () => {
    expect(intervalMonths('month')).toBe(1);
    expect(intervalMonths('year')).toBe(12);
    expect(periodBounds(new Date('2025-03-15T10:20:30.400Z'), 'month', 0)).toEqual({ start: new Date('2025-03-15T10:20:30.400Z'), end: new Date('2025-04-15T10:20:30.400Z') });
  });

  it('crosses year ends and keeps the time of day', () => {
    expect(addMonthsClamped(new Date('2025-11-30T23:59:59.999Z'), 3).toISOString()).toBe('2026-02-28T23:59:59.999Z');
    expect(addMonthsClamped(new Date('2025-12-31T01:02:03.004Z'), 1).toISOString()).toBe('2026-01-31T01:02:03.004Z');
    expect(addMonthsClamped(new Date('2024-02-29T00:00:00Z'), 12).toISOString()).toBe('2025-02-28T00:00:00.000Z');
    expect(addMonthsClamped(new Date('2025-03-31T00:00:00Z'), -1).toISOString()).toBe('2025-02-28T00:00:00.000Z');
  });
});

describe('lifecycle errors', () => {
  it('names the state (hyphenated), the event and the events allowed', () => {
    const e = caught(() => transition('past_due', 'resume'));
    expect(e.code).toBe('unprocessable');
    expect(e.message).toBe("A past-due subscription cannot take 'resume'.");
    expect(e.details).toEqual({ state: 'past_due', event: 'resume', allowedEvents: ['charge_succeeded', 'charge_failed', 'cancel', 'cancel_now', 'dunning_exhausted', 'change_payment_method'] });
    expect(caught(() => transition('expired', 'resume')).details).toMatchObject({ allowedEvents: [] });
  });
});

describe('entitlements', () => {
  const now = new Date('2025-06-10T03:00:00Z');
  const sub = (over: Partial<Subscription>): Subscription => ({
    id: 's1', tenantId: 't1', state: 'active', planId: 'basic-monthly', planVersion: 1, amountKrw: 29_000, anchor: new Date('2025-06-01T00:00:00Z'), periodIndex: 0,
    currentPeriodStart: new Date('2025-06-01T00:00:00Z'), currentPeriodEnd: new Date('2025-07-01T00:00:00Z'), trialEndsAt: null, pendingPlanId: null, billingKeyId: 'bk',
    customerKey: 'c', attempt: 0, dunningStep: 0, nextActionAt: null, canceledAt: null, endedAt: null, createdAt: new Date('2025-06-01T00:00:00Z'), version: 1, ...over,
  });
  const deps = (s: Subscription | null, at = now, budget: number | null = null): EntitlementDeps => ({
    store: { latestSubscription: async () => s, apiCallBudget: async () => budget },
    plans: defaultCatalog,
    policy: defaultBillingPolicy,
    clock: { now: () => at },
  });

  it('gives the free plan without a subscription and the plan of a live one until its period ends', async () => {
    expect(await planOf(deps(null), 't1')).toEqual({ planCode: 'free', planId: null, entitlements: FREE_PLAN.entitlements });
    expect((await planOf(deps(sub({})), 't1')).planId).toBe('basic-monthly');
    expect((await planOf(deps(sub({ state: 'expired' })), 't1')).planCode).toBe('free');
    expect((await planOf(deps(sub({}), new Date('2025-07-01T00:00:00Z')), 't1')).planCode).toBe('free');
    // An administrator's budget replaces the plan's daily calls and nothing else.
    const set = await planOf(deps(sub({}), now, 2_000_000), 't1');
    expect(set).toEqual({ planCode: 'basic', planId: 'basic-monthly', entitlements: { apiCallsPerDay: 2_000_000, trackedKeywords: 200, agentRunsPerMonth: 100, members: 3 } });
    expect((await planOf(deps(sub({}), new Date('2025-06-30T23:59:59.999Z')), 't1')).planCode).toBe('basic');
  });

  it('keeps a past-due plan through the grace: the last retry day plus one (5 + 1 days)', async () => {
    const pastDue = sub({ state: 'past_due' });
    expect((await planOf(deps(pastDue, new Date('2025-07-06T23:59:59.999Z')), 't1')).planCode).toBe('basic');
    expect((await planOf(deps(pastDue, new Date('2025-07-07T00:00:00Z')), 't1')).planCode).toBe('free');
  });

  it('allows adding up to the plan limit and names the plan that lifts it', async () => {
    await expect(requireWithinLimit(deps(null), 't1', 'members', 0)).resolves.toBeUndefined();
    const e = await rejected(requireWithinLimit(deps(null), 't1', 'members', 1));
    expect(e.code).toBe('limit_exceeded');
    expect(e.message).toBe('The free plan allows 1 members; basic-monthly allows 3.');
    expect(e.details).toEqual({ limit: 'members', allowed: 1, current: 1, plan: 'free', upgradeTo: 'basic-monthly' });
    // tracked keywords: free 10; adding 5 to 5 is exactly 10
    await expect(requireWithinLimit(deps(null), 't1', 'trackedKeywords', 5, 5)).resolves.toBeUndefined();
    const k = await rejected(requireWithinLimit(deps(null), 't1', 'trackedKeywords', 5, 6));
    expect(k.message).toBe('The free plan allows 10 tracked keywords; basic-monthly allows 200.');
    // Nothing lifts 11 members.
    const top = await rejected(requireWithinLimit(deps(sub({ planId: 'pro-monthly' })), 't1', 'members', 10));
    expect(top.message).toBe('The pro plan allows 10 members.');
    expect(top.details).toEqual({ limit: 'members', allowed: 10, current: 10, plan: 'pro' });
  });

  it('counts API calls in KST days and answers 429 with the seconds to the reset', async () => {
    const requests: ConsumeRequest[] = [];
    const counter = (result: Omit<ConsumeResult, 'limit'>): RateCounter => ({
      consume: async (r) => {
        requests.push(r);
        return { ...result, limit: r.limit };
      },
      peek: async () => ({ count: 0, resetAt: result.resetAt }),
    });
    // 2025-06-10T03:00Z is 12:00 KST; the day resets at 15:00Z, 43,200 s later.
    const resetAt = new Date('2025-06-10T15:00:00Z');
    expect(await consumeApiCall({ ...deps(null), rateCounter: counter({ allowed: true, count: 40, resetAt }) }, 't1')).toEqual({ remaining: 60, limit: 100, resetAt });
    expect(requests[0]).toEqual({ name: 'billing:api-calls:t1', limit: 100, window: { sizeMs: 86_400_000, utcOffsetMs: 32_400_000 } });

    const spent = await rejected(consumeApiCall({ ...deps(null), rateCounter: counter({ allowed: false, count: 100, resetAt }) }, 't1'));
    expect(spent.code).toBe('rate_limited');
    expect(spent.retryAfterSeconds).toBe(43_200);
    expect(spent.message).toBe('The free plan allows 100 API calls a day; the budget resets at midnight KST.');
    expect(spent.details).toEqual({ limit: 'apiCallsPerDay', allowed: 100, plan: 'free', upgradeTo: 'basic-monthly' });

    // A Basic tenant (5,000 a day) out of calls is pointed at the plan above its limit, not at its own.
    const basic = await rejected(consumeApiCall({ ...deps(sub({})), rateCounter: counter({ allowed: false, count: 5000, resetAt }) }, 't1'));
    expect(basic.details).toEqual({ limit: 'apiCallsPerDay', allowed: 5000, plan: 'basic', upgradeTo: 'pro-monthly' });

    // 1.2 s to the reset rounds up to 2; a reset already passed still says 1.
    const soon = await rejected(consumeApiCall({ ...deps(null), rateCounter: counter({ allowed: false, count: 100, resetAt: new Date(now.getTime() + 1200) }) }, 't1'));
    expect(soon.retryAfterSeconds).toBe(2);
    const past = await rejected(consumeApiCall({ ...deps(null), rateCounter: counter({ allowed: false, count: 100, resetAt: new Date(now.getTime() - 5000) }) }, 't1'));
    expect(past.retryAfterSeconds).toBe(1);
  });

  it('records calls answered while the meter was down, up to what the day still holds', async () => {
    const consumed: ConsumeRequest[] = [];
    const counter = (count: number, allowed = true): RateCounter => ({
      consume: async (r) => {
        consumed.push(r);
        return { allowed, count: count + (r.amount ?? 1), limit: r.limit, resetAt: new Date('2025-06-10T15:00:00Z') };
      },
      peek: async () => ({ count, resetAt: new Date('2025-06-10T15:00:00Z') }),
    });
    // Free plan, 100 a day: 95 counted, 10 to record -> only 5 fit
    expect(await recordApiCalls({ ...deps(null), rateCounter: counter(95) }, 't1', 10)).toBe(5);
    expect(consumed.at(-1)).toEqual({ name: 'billing:api-calls:t1', limit: 100, window: { sizeMs: 86_400_000, utcOffsetMs: 32_400_000 }, amount: 5 });
    expect(await recordApiCalls({ ...deps(null), rateCounter: counter(95) }, 't1', 3)).toBe(3);
    // A full day records nothing and does not ask the counter to.
    const before = consumed.length;
    expect(await recordApiCalls({ ...deps(null), rateCounter: counter(100) }, 't1', 4)).toBe(0);
    expect(await recordApiCalls({ ...deps(null), rateCounter: counter(99) }, 't1', 0)).toBe(0);
    expect(consumed.length).toBe(before);
    // Another process filled the day in between: the add is refused and nothing was recorded.
    expect(await recordApiCalls({ ...deps(null), rateCounter: counter(95, false) }, 't1', 2)).toBe(0);
  });
});
