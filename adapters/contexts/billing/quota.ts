/**
 * The platform's daily API calls, counted against each tenant's plan: billing knows the plans, the platform
 * meters the calls. Pure calculations answer through a meter-store outage, a bounded number of calls per tenant
 * (docs/billing.md).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { BillingPorts } from '../../../core/billing/ports.ts';
import { consumeApiCall, recordApiCalls } from '../../../core/billing/entitlements.ts';
import type { PlatformPorts } from '../../../core/ports.ts';
import { outageGrace, type ApiQuota } from '../../../core/platform/quota.ts';

export const meteredQuota = (billing: BillingPorts, platform: Pick<PlatformPorts, 'clock' | 'rateCounter'>, options: { graceCalls: number; logger: Logger }): ApiQuota => {
  const { logger, graceCalls } = options;
  const deps = () => ({ store: billing.store, plans: billing.plans, policy: billing.policy, clock: platform.clock, rateCounter: platform.rateCounter });
  return outageGrace(
    {
      consume: async (tenantId) => void (await consumeApiCall(deps(), tenantId)),
      record: async (tenantId, calls) => void (await recordApiCalls(deps(), tenantId, calls)),
    },
    {
      calls: graceCalls,
      onDeferred: (tenantId, owed, error) =>
        logger.warn('API call answered unmetered: the meter store is unavailable', { tenantId, owed, limit: graceCalls, error: ((error as Error).cause ?? error) as Error }),
      onSettled: (tenantId, calls, error) =>
        error ? logger.warn('unmetered API calls could not be counted yet', { tenantId, calls, error: error as Error }) : logger.info('unmetered API calls counted', { tenantId, calls }),
    },
  );
};
