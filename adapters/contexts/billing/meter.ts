/**
 * Billing wired only to meter calls: the platform's API quota from each tenant's plan, read from the subscription
 * and budget tables, for a process whose endpoints never read billing's own ports (a per-endpoint Lambda outside
 * billing, chosen by scripts/lambda-contexts.mjs). It meters as the full wiring does (wire.ts, same quota, same
 * queries); reading `ports.billing` there throws, naming the context.
 */
import type { BillingPorts } from '../../../core/billing/ports.ts';
import { defaultCatalog } from '../../../core/billing/plans.ts';
import { postgresPlanReader } from '../../postgres/billing-plans.ts';
import { notWired, type BoundedContext } from '../context.ts';
import { billingConfig, billingPolicy, type BillingConfig } from './config.ts';
import { meterServes, type MeterSource } from './quota.ts';

export const billingMeter: BoundedContext<'billing', typeof billingConfig.env, BillingConfig> = {
  name: 'billing',
  config: billingConfig,
  start: async (config, shared, profile, replacements) => {
    // A test's replacement of billing's ports is what the quota reads, as with the full wiring.
    const given = replacements.billing;
    const source: MeterSource = given ?? { store: postgresPlanReader(shared.database), plans: defaultCatalog, policy: billingPolicy(config) };
    return {
      name: 'billing',
      ports: given ?? (notWired('billing') as BillingPorts),
      serves: meterServes(source, shared, config, profile),
      close: async () => {},
    };
  },
};
