import * as z from 'zod';
import { defaultWebhookPolicy, type BillingPolicy } from '../../../core/billing/model.ts';
import { int, sandboxSetting, type EnvSection, type SectionConfig } from '../env.ts';
import type { PlatformConfig } from '../platform/config.ts';

/** Billing: Toss Payments, renewal and dunning (docs/billing.md); billing keys are sealed by the platform's vault. */
const env = {
  /** Toss secret key (test_sk_... or live_sk_...); unset outside production = the Toss sandbox (TOSS_SANDBOX=auto). */
  TOSS_SECRET_KEY: z.string().regex(/^(test|live)_(g)?sk_[A-Za-z0-9_]+$/, 'expected a Toss secret key such as test_sk_... or live_sk_...').optional(),
  TOSS_BASE_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://api.tosspayments.com' }).default('https://api.tosspayments.com'),
  /** auto: the sandbox when TOSS_SECRET_KEY is unset outside production; on: always; off: never. */
  TOSS_SANDBOX: sandboxSetting,
  TOSS_TIMEOUT_MS: int(10_000, 500, 60_000),
  /** Days after the period end on which a failed renewal is retried; expiry follows the last failure. */
  BILLING_RETRY_DAYS: z
    .string()
    .default('1,3,5')
    .transform((v, ctx) => {
      const days = v.split(',').map((x) => x.trim()).filter(Boolean).map(Number);
      if (days.length === 0 || days.length > 10 || days.some((d, i) => !Number.isInteger(d) || d < 0 || d > 60 || (i > 0 && d <= days[i - 1]!))) {
        ctx.addIssue({ code: 'custom', message: 'expected 1 to 10 increasing whole days from 0 to 60, e.g. 1,3,5' });
        return z.NEVER;
      }
      return days;
    }),
  /** Immediate re-tries of a retryable Toss error (PROVIDER_ERROR) within one renewal run. */
  BILLING_RETRYABLE_ATTEMPTS: int(2, 0, 5),
  /** How long a renewal runner holds a claimed subscription before another may take it over. */
  BILLING_LEASE_SECONDS: int(120, 10, 3_600),
  /**
   * Pure calculations (margin) a tenant may make per process, unmetered, while the meter store is down; counted
   * when it is back (docs/billing.md). 0: they answer 503 like every other call.
   */
  METER_OUTAGE_GRACE_CALLS: int(100, 0, 100_000),
};

export type BillingConfig = SectionConfig<typeof env> & Pick<PlatformConfig, 'NODE_ENV'>;

export const billingConfig: EnvSection<typeof env, BillingConfig> = { env };

/** Billing's rules from its variables: what renewals, dunning and metering (grace of a past-due plan) follow. */
export const billingPolicy = (config: BillingConfig): BillingPolicy => ({
  retryDays: config.BILLING_RETRY_DAYS,
  retryableAttempts: config.BILLING_RETRYABLE_ATTEMPTS,
  leaseSeconds: config.BILLING_LEASE_SECONDS,
  expiryNoticeDays: 3,
  webhooks: defaultWebhookPolicy,
});
