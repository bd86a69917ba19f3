/**
 * The platform's daily API calls, counted against each tenant's plan: billing knows the plans, the platform
 * meters the calls. Calls are spent in memory from slices of the tenant's budget leased off the shared counter
 * (core/platform/budget-leases.ts), so a metered call costs no I/O except one lease per slice: measured, a metered
 * pure calculation went from 3 database round trips per call (key, subscription, counter) to none with the key
 * cache (docs/billing.md). Pure calculations answer through a meter-store outage, a bounded number of calls per
 * tenant (docs/billing.md).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { EffectivePlan } from '../../../core/billing/model.ts';
import type { BillingPorts } from '../../../core/billing/ports.ts';
import { API_CALL_DAY, apiCallCounter, budgetSpent, planOf, recordApiCalls, type EntitlementDeps } from '../../../core/billing/entitlements.ts';
import type { PlatformPorts } from '../../../core/ports.ts';
import { budgetLeases, defaultLeasePolicy, type LeasePolicy } from '../../../core/platform/budget-leases.ts';
import { outageGrace, type ApiQuota } from '../../../core/platform/quota.ts';
import { every, type Profile, type Shared } from '../context.ts';
import type { BillingConfig } from './config.ts';

export interface MeteredQuotaOptions {
  graceCalls: number;
  logger: Logger;
  leases?: LeasePolicy;
}

/** What metering reads of billing: the plans, the policy and, from its store, the subscription and any budget set. */
export type MeterSource = Pick<BillingPorts, 'plans' | 'policy'> & Pick<EntitlementDeps, 'store'>;

export const meteredQuota = (billing: MeterSource, platform: Pick<PlatformPorts, 'clock' | 'rateCounter'>, options: MeteredQuotaOptions): ApiQuota => {
  const { logger, graceCalls } = options;
  const policy = options.leases ?? defaultLeasePolicy;
  const deps = () => ({ store: billing.store, plans: billing.plans, policy: billing.policy, clock: platform.clock, rateCounter: platform.rateCounter });
  const leases = budgetLeases<EffectivePlan>(platform.rateCounter, platform.clock, policy);
  const giveBack = async (all: boolean): Promise<void> => {
    const returned = await leases.giveBack(all);
    if (returned) logger.debug('unused API calls given back to the shared budget', { calls: returned });
  };
  // Remainders idle for a while go back, so a tenant's other processes can spend them.
  const stop = every(policy.idleMs, () => giveBack(false));
  return {
    ...outageGrace(
      {
        consume: async (tenantId) => {
          const spent = await leases.spend(apiCallCounter(tenantId), API_CALL_DAY, async () => {
            const plan = await planOf(deps(), tenantId);
            return { limit: plan.entitlements.apiCallsPerDay, about: plan };
          });
          if (!spent.allowed) throw budgetSpent(deps(), spent.about, spent.resetAt);
        },
        record: async (tenantId, calls) => void (await recordApiCalls(deps(), tenantId, calls)),
      },
      {
        calls: graceCalls,
        onDeferred: (tenantId, owed, error) =>
          logger.warn('API call answered unmetered: the meter store is unavailable', { tenantId, owed, limit: graceCalls, error: ((error as Error).cause ?? error) as Error }),
        onSettled: (tenantId, calls, error) =>
          error ? logger.warn('unmetered API calls could not be counted yet', { tenantId, calls, error: error as Error }) : logger.info('unmetered API calls counted', { tenantId, calls }),
      },
    ),
    close: async () => {
      stop();
      await giveBack(true).catch((error: unknown) => logger.warn('could not give unused API calls back to the shared budget', { error: error as Error }));
    },
  };
};

/** What billing serves the platform, in the full wiring and the meter alone: the quota, where the profile meters calls. */
export const meterServes = (source: MeterSource, shared: Shared, config: BillingConfig, profile: Profile): Partial<PlatformPorts> =>
  profile.meter ? { quota: meteredQuota(source, shared.ports, { graceCalls: config.METER_OUTAGE_GRACE_CALLS, logger: shared.logger }) } : {};
