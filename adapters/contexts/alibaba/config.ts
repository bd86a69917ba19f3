import * as z from 'zod';
import { int, sandboxSetting, type EnvSection, type SectionConfig } from '../env.ts';
import type { PlatformConfig } from '../platform/config.ts';

/** 1688 cross-border open platform (offer search, detail, image search): docs/alibaba.md. */
const env = {
  ALIBABA_BASE_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://gw.open.1688.com' }).default('https://gw.open.1688.com'),
  ALIBABA_APP_KEY: z.string().regex(/^[A-Za-z0-9]+$/, 'expected the app key (letters and digits)').optional(),
  ALIBABA_APP_SECRET: z.string().min(1).optional(),
  /** The operator's access token, for search and detail. */
  ALIBABA_ACCESS_TOKEN: z.string().min(1).optional(),
  /** Where 1688 sends a seller back after granting access to their account (registered with the app); OAuth needs it. */
  ALIBABA_OAUTH_REDIRECT_URI: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL registered with the 1688 app as its redirect URI' }).optional(),
  /** The page a seller grants access on. */
  ALIBABA_AUTHORIZE_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://auth.1688.com/oauth/authorize' }).default('https://auth.1688.com/oauth/authorize'),
  /** The language 1688 translates subjects and SKU attributes into (`country`; `ko` is UNCONFIRMED, `en` works). */
  ALIBABA_COUNTRY: z.string().regex(/^[a-z]{2}$/, 'expected a two-letter language code such as ko or en').default('ko'),
  /** auto: the provider sandbox when no 1688 credentials are set (never in production); on: always; off: never. */
  ALIBABA_SANDBOX: sandboxSetting,
  ALIBABA_TIMEOUT_MS: int(10_000, 100, 120_000),
  /** Attempts per provider call, the first included. */
  ALIBABA_MAX_ATTEMPTS: int(3, 1, 10),
  ALIBABA_RETRY_BASE_MS: int(200, 1, 60_000),
  ALIBABA_RETRY_MAX_MS: int(5_000, 1, 120_000),
  /** Client-side request rate per app key, shared by every process through the rate counters. */
  ALIBABA_RATE_PER_SECOND: int(10, 1, 1_000),
  /** Longest wait for a free request slot before answering 429. */
  ALIBABA_RATE_MAX_WAIT_MS: int(10_000, 0, 120_000),
  ALIBABA_CACHE_SEARCH_TTL_S: int(600, 1, 30 * 86_400),
  ALIBABA_CACHE_DETAIL_TTL_S: int(3_600, 1, 30 * 86_400),
};

/** The credentials come as a set: half a set is a mistake, not a request for the sandbox. */
const check = (c: AlibabaConfig, ctx: z.RefinementCtx): void => {
  const set: (keyof AlibabaConfig)[] = ['ALIBABA_APP_KEY', 'ALIBABA_APP_SECRET', 'ALIBABA_ACCESS_TOKEN'];
  const given = set.filter((name) => c[name] !== undefined);
  if (given.length > 0 && given.length < set.length) {
    for (const name of set.filter((n) => c[n] === undefined)) ctx.addIssue({ code: 'custom', path: [name], message: `required when ${given.join(' and ')} ${given.length === 1 ? 'is' : 'are'} set` });
  }
  if (c.ALIBABA_RETRY_MAX_MS < c.ALIBABA_RETRY_BASE_MS) ctx.addIssue({ code: 'custom', path: ['ALIBABA_RETRY_MAX_MS'], message: 'must be at least ALIBABA_RETRY_BASE_MS' });
};

export type AlibabaConfig = SectionConfig<typeof env> & Pick<PlatformConfig, 'NODE_ENV'>;

export const alibabaConfig: EnvSection<typeof env, AlibabaConfig> = { env, check };
