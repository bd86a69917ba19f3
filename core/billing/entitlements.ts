/**
 * Enforcing what a plan allows: a daily budget of API calls (429 with Retry-After when spent) and count limits
 * (403 naming the limit and the plan that lifts it). Without a subscription a tenant is on the free plan.
 */
import type { RateCounter } from '../platform/ports.ts';
import type { Clock } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';
import { FREE_PLAN, planLifting, planVersionOf } from './plans.ts';
import type { BillingPolicy, EffectivePlan, Entitlements, PlanCatalog, Subscription } from './model.ts';
import type { BillingStore } from './ports.ts';
import { entitledStates } from './subscription.ts';

export interface EntitlementDeps {
  store: Pick<BillingStore, 'latestSubscription' | 'apiCallBudget'>;
  plans: PlanCatalog;
  policy: BillingPolicy;
  clock: Clock;
}

/**
 * What the tenant is entitled to now: the plan of a live subscription until its paid period (or, past due, its
 * grace) runs out, else the free plan. Judged by time as well as state, so a runner that has not yet expired a
 * subscription does not extend it.
 */
export const effectivePlan = (deps: { plans: PlanCatalog; policy: BillingPolicy }, sub: Subscription | null, now: Date): EffectivePlan => {
  const free = { planCode: FREE_PLAN.code, planId: null, entitlements: FREE_PLAN.entitlements };
  if (!sub || !entitledStates.has(sub.state)) return free;
  const graceDays = sub.state === 'past_due' ? (deps.policy.retryDays.at(-1) ?? 0) + 1 : 0;
  if (now.getTime() >= sub.currentPeriodEnd.getTime() + graceDays * 86_400_000) return free;
  const plan = planVersionOf(deps.plans, sub.planId, sub.planVersion);
  if (!plan) return free;
  return { planCode: plan.code, planId: plan.id, entitlements: plan.entitlements };
};

/** The tenant's plan as it stands now, with the daily API-call budget an administrator set in place of the plan's. */
export const planOf = async (deps: EntitlementDeps, tenantId: string): Promise<EffectivePlan> => {
  const [sub, budget] = await Promise.all([deps.store.latestSubscription(tenantId), deps.store.apiCallBudget(tenantId)]);
  const plan = effectivePlan(deps, sub, deps.clock.now());
  return budget === null ? plan : { ...plan, entitlements: { ...plan.entitlements, apiCallsPerDay: budget } };
};

/** The most calls a day an administrator may set (`sellpo tenants budget`). */
export const MAX_API_CALL_BUDGET = 1_000_000_000;

/**
 * Sets the tenant's daily API-call budget in place of its plan's (`null`: back to the plan's). Processes apply it
 * at their next lease of the tenant's budget; a lower budget than what was already leased today leaves those calls.
 */
export const setApiCallBudget = async (deps: Pick<EntitlementDeps, 'clock'> & { store: Pick<BillingStore, 'setApiCallBudget'> }, tenantId: string, callsPerDay: number | null): Promise<void> => {
  if (callsPerDay !== null && (!Number.isSafeInteger(callsPerDay) || callsPerDay < 0 || callsPerDay > MAX_API_CALL_BUDGET)) {
    throw new DomainError('invalid', `The daily API-call budget must be a whole number from 0 to ${MAX_API_CALL_BUDGET}, got ${callsPerDay}.`);
  }
  if (!(await deps.store.setApiCallBudget(tenantId, callsPerDay, deps.clock.now()))) throw new DomainError('not_found', `No tenant ${tenantId}.`);
};

/** Daily windows start at midnight in Korea. */
export const API_CALL_DAY = { sizeMs: 86_400_000, utcOffsetMs: 9 * 3_600_000 };
const KST_DAY = API_CALL_DAY;

/** The shared counter of a tenant's API calls (one per KST day). */
export const apiCallCounter = (tenantId: string): string => `billing:api-calls:${tenantId}`;

/** The 429 for a spent daily budget: the plan, its limit, the plan that lifts it, and the seconds to midnight KST. */
export const budgetSpent = (deps: Pick<EntitlementDeps, 'plans' | 'clock'>, plan: EffectivePlan, resetAt: Date): DomainError => {
  const limit = plan.entitlements.apiCallsPerDay;
  const now = deps.clock.now();
  const lifting = planLifting(deps.plans, 'apiCallsPerDay', limit + 1, now);
  return new DomainError('rate_limited', `The ${plan.planCode} plan allows ${limit} API calls a day; the budget resets at midnight KST.`, {
    retryAfterSeconds: Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000)),
    details: { limit: 'apiCallsPerDay', allowed: limit, plan: plan.planCode, ...(lifting ? { upgradeTo: lifting.id } : {}) },
  });
};

/**
 * Counts one API call against the tenant's daily budget with one write to the shared counter; throws
 * rate_limited (429, Retry-After) when spent. The server meters through leased slices instead
 * (adapters/contexts/billing/quota.ts); both count in the same counter.
 */
export const consumeApiCall = async (deps: EntitlementDeps & { rateCounter: RateCounter }, tenantId: string): Promise<{ remaining: number; limit: number; resetAt: Date }> => {
  const plan = await planOf(deps, tenantId);
  const limit = plan.entitlements.apiCallsPerDay;
  const result = await deps.rateCounter.consume({ name: apiCallCounter(tenantId), limit, window: KST_DAY });
  if (!result.allowed) throw budgetSpent(deps, plan, result.resetAt);
  return { remaining: limit - result.count, limit, resetAt: result.resetAt };
};

/**
 * Adds calls that were answered without being counted (the meter store was down): as many as the day's budget
 * still holds, never refused. Returns how many were added.
 */
export const recordApiCalls = async (deps: EntitlementDeps & { rateCounter: RateCounter }, tenantId: string, calls: number): Promise<number> => {
  const plan = await planOf(deps, tenantId);
  const limit = plan.entitlements.apiCallsPerDay;
  const name = apiCallCounter(tenantId);
  const { count } = await deps.rateCounter.peek(name, KST_DAY);
  const amount = Math.min(calls, limit - count);
  if (amount <= 0) return 0;
  // Another process may count in between; a refused add (it would pass the limit) means the budget is spent anyway.
  const result = await deps.rateCounter.consume({ name, limit, window: KST_DAY, amount });
  return result.allowed ? amount : 0;
};

export type CountLimit = Extract<keyof Entitlements, 'trackedKeywords' | 'members'>;

/** Throws limit_exceeded (403) when adding `adding` to `current` would pass the plan's `limit`. */
export const requireWithinLimit = async (deps: EntitlementDeps, tenantId: string, limit: CountLimit, current: number, adding = 1): Promise<void> => {
  const plan = await planOf(deps, tenantId);
  const allowed = plan.entitlements[limit];
  if (current + adding <= allowed) return;
  const lifting = planLifting(deps.plans, limit, current + adding, deps.clock.now());
  throw new DomainError('limit_exceeded', `The ${plan.planCode} plan allows ${allowed} ${limit === 'members' ? 'members' : 'tracked keywords'}${lifting ? `; ${lifting.id} allows ${lifting.entitlements[limit]}` : ''}.`, {
    details: { limit, allowed, current, plan: plan.planCode, ...(lifting ? { upgradeTo: lifting.id } : {}) },
  });
};
