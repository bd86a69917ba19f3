/**
 * Plans are data, versioned. A subscription period records the plan version and price it was bought at, so a
 * price change (a new version with a later `effectiveFrom`) applies to periods that start after it, never to a
 * period already paid. Prices are VAT-inclusive integer KRW.
 */
import type { Clock } from '../shared/clock.ts';
import type { BillingInterval, Entitlements, PlanCatalog, PlanCode, PlanOffer, PlanVersion } from './model.ts';

/** Where every tenant without a live subscription stands. */
export const FREE_PLAN = { code: 'free' as const, name: 'Free', entitlements: { apiCallsPerDay: 100, trackedKeywords: 10, agentRunsPerMonth: 5, members: 1 } };

const basic: Entitlements = { apiCallsPerDay: 5_000, trackedKeywords: 200, agentRunsPerMonth: 100, members: 3 };
const pro: Entitlements = { apiCallsPerDay: 50_000, trackedKeywords: 2_000, agentRunsPerMonth: 1_000, members: 10 };
const launch = new Date('2025-01-01T00:00:00+09:00');

export const defaultCatalog: PlanCatalog = [
  { id: 'basic-monthly', code: 'basic', name: 'Basic (monthly)', interval: 'month', version: 1, effectiveFrom: launch, priceKrw: 29_000, trialDays: 14, entitlements: basic },
  { id: 'basic-yearly', code: 'basic', name: 'Basic (yearly)', interval: 'year', version: 1, effectiveFrom: launch, priceKrw: 290_000, trialDays: 14, entitlements: basic },
  { id: 'pro-monthly', code: 'pro', name: 'Pro (monthly)', interval: 'month', version: 1, effectiveFrom: launch, priceKrw: 79_000, trialDays: 14, entitlements: pro },
  { id: 'pro-yearly', code: 'pro', name: 'Pro (yearly)', interval: 'year', version: 1, effectiveFrom: launch, priceKrw: 790_000, trialDays: 14, entitlements: pro },
];

/** The version of `id` on sale at `at` (the latest whose effectiveFrom is not after it). */
export const planAt = (catalog: PlanCatalog, id: string, at: Date): PlanVersion | undefined => {
  let found: PlanVersion | undefined;
  for (const p of catalog) {
    if (p.id === id && p.effectiveFrom.getTime() <= at.getTime() && (!found || p.version > found.version)) found = p;
  }
  return found;
};

export const planVersionOf = (catalog: PlanCatalog, id: string, version: number): PlanVersion | undefined =>
  catalog.find((p) => p.id === id && p.version === version);

/** Every plan id with the version on sale at `at`. */
export const plansOnSale = (catalog: PlanCatalog, at: Date): PlanVersion[] =>
  [...new Set(catalog.map((p) => p.id))].map((id) => planAt(catalog, id, at)).filter((p): p is PlanVersion => p !== undefined);

/** GET /v1/billing/plans: what is on sale now, and the free plan's entitlements. */
export const listPlans = (deps: { plans: PlanCatalog; clock: Clock }): PlanOffer => ({
  items: plansOnSale(deps.plans, deps.clock.now()),
  free: { entitlements: FREE_PLAN.entitlements },
});

const RANK: Record<PlanCode, number> = { free: 0, basic: 1, pro: 2 };
export const planRank = (code: PlanCode): number => RANK[code];

/** The cheapest plan code whose entitlement `limit` is above `needed`, to name in a 403. */
export const planLifting = (catalog: PlanCatalog, limit: keyof Entitlements, needed: number, at: Date): PlanVersion | undefined =>
  plansOnSale(catalog, at)
    .filter((p) => p.entitlements[limit] >= needed)
    .sort((a, b) => planRank(a.code) - planRank(b.code) || a.priceKrw - b.priceKrw)[0];

/**
 * Calendar arithmetic, written once: periods are anchored to the first period's start and advance by whole
 * months (or 12 months) in UTC; a day missing from a shorter month is clamped to its last day (Jan 31 -> Feb 28),
 * and later periods return to the anchor day (Mar 31), so periods never drift.
 */
export const addMonthsClamped = (anchor: Date, months: number): Date => {
  const y = anchor.getUTCFullYear();
  const m = anchor.getUTCMonth() + months;
  const targetYear = y + Math.floor(m / 12);
  const targetMonth = ((m % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  const day = Math.min(anchor.getUTCDate(), lastDay);
  return new Date(Date.UTC(targetYear, targetMonth, day, anchor.getUTCHours(), anchor.getUTCMinutes(), anchor.getUTCSeconds(), anchor.getUTCMilliseconds()));
};

export const intervalMonths = (interval: BillingInterval): number => (interval === 'year' ? 12 : 1);

/** Start and end of period `index` (0 = the first) of a subscription anchored at `anchor`. */
export const periodBounds = (anchor: Date, interval: BillingInterval, index: number): { start: Date; end: Date } => ({
  start: addMonthsClamped(anchor, index * intervalMonths(interval)),
  end: addMonthsClamped(anchor, (index + 1) * intervalMonths(interval)),
});
