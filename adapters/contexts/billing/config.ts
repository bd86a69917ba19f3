import * as z from 'zod';
import { int, sandboxSetting, type EnvSection, type SectionConfig } from '../env.ts';
import type { PlatformConfig } from '../platform/config.ts';

/** Billing: Toss Payments, billing-key encryption, renewal and dunning (docs/billing.md). */
const env = {
  /** Toss secret key (test_sk_... or live_sk_...); unset outside production = the Toss sandbox (TOSS_SANDBOX=auto). */
  TOSS_SECRET_KEY: z.string().regex(/^(test|live)_(g)?sk_[A-Za-z0-9_]+$/, 'expected a Toss secret key such as test_sk_... or live_sk_...').optional(),
  TOSS_BASE_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://api.tosspayments.com' }).default('https://api.tosspayments.com'),
  /** auto: the sandbox when TOSS_SECRET_KEY is unset outside production; on: always; off: never. */
  TOSS_SANDBOX: sandboxSetting,
  TOSS_TIMEOUT_MS: int(10_000, 500, 60_000),
  /** `k1:<base64 of 32 bytes>,k2:...`: AES-256-GCM keys that seal billing keys; required in production. */
  BILLING_KEY_ENCRYPTION_KEYS: z.string().optional(),
  /** The id in BILLING_KEY_ENCRYPTION_KEYS that seals new billing keys (default: the first). */
  BILLING_KEY_ACTIVE_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'expected a key id (letters, digits, _ . -)').optional(),
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

const check = (c: BillingConfig, ctx: z.RefinementCtx): void => {
  const keys = c.BILLING_KEY_ENCRYPTION_KEYS;
  if (!keys) {
    if (c.NODE_ENV === 'production') ctx.addIssue({ code: 'custom', path: ['BILLING_KEY_ENCRYPTION_KEYS'], message: 'required in production (k1:<base64 of 32 bytes>)' });
    return;
  }
  const ids: string[] = [];
  for (const part of keys.split(',').map((x) => x.trim()).filter(Boolean)) {
    const i = part.indexOf(':');
    const id = i > 0 ? part.slice(0, i) : '';
    if (!/^[A-Za-z0-9_.-]{1,32}$/.test(id) || Buffer.from(part.slice(i + 1), 'base64').length !== 32 || ids.includes(id)) {
      ctx.addIssue({ code: 'custom', path: ['BILLING_KEY_ENCRYPTION_KEYS'], message: `entry ${ids.length + 1} is not <unique id>:<base64 of 32 bytes>` });
      return;
    }
    ids.push(id);
  }
  if (ids.length === 0) ctx.addIssue({ code: 'custom', path: ['BILLING_KEY_ENCRYPTION_KEYS'], message: 'expected at least one <id>:<base64 of 32 bytes>' });
  const active = c.BILLING_KEY_ACTIVE_ID;
  if (active && !ids.includes(active)) ctx.addIssue({ code: 'custom', path: ['BILLING_KEY_ACTIVE_ID'], message: `not one of the ids in BILLING_KEY_ENCRYPTION_KEYS (${ids.join(', ')})` });
  if (!active && ids.length > 1) ctx.addIssue({ code: 'custom', path: ['BILLING_KEY_ACTIVE_ID'], message: 'required when BILLING_KEY_ENCRYPTION_KEYS holds more than one key' });
};

/** The development key that seals billing keys without BILLING_KEY_ENCRYPTION_KEYS is derived from DATA_DIR. */
export type BillingConfig = SectionConfig<typeof env> & Pick<PlatformConfig, 'NODE_ENV' | 'DATA_DIR'>;

export const billingConfig: EnvSection<typeof env, BillingConfig> = { env, check };
