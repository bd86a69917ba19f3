import * as z from 'zod';
import { int, sandboxSetting, type EnvSection, type SectionConfig } from '../env.ts';
import type { PlatformConfig } from '../platform/config.ts';

/** Coupang's Open API gateway: Partners search (operator key) and Wing (sellers' own keys): docs/coupang.md. */
const env = {
  COUPANG_BASE_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://api-gateway.coupang.com' }).default('https://api-gateway.coupang.com'),
  COUPANG_PARTNERS_ACCESS_KEY: z.string().min(1).optional(),
  COUPANG_PARTNERS_SECRET_KEY: z.string().min(1).optional(),
  /** auto: the provider sandbox when no Partners key is set (never in production); on: always; off: never. */
  COUPANG_SANDBOX: sandboxSetting,
  COUPANG_TIMEOUT_MS: int(10_000, 100, 120_000),
  /** Attempts per provider call, the first included. */
  COUPANG_MAX_ATTEMPTS: int(3, 1, 10),
  COUPANG_RETRY_BASE_MS: int(200, 1, 60_000),
  COUPANG_RETRY_MAX_MS: int(5_000, 1, 120_000),
  /** Partners calls a minute for the operator's key, shared by every process (documented 50, often less). */
  COUPANG_PARTNERS_PER_MINUTE: int(40, 1, 10_000),
  COUPANG_CACHE_SEARCH_TTL_S: int(3_600, 1, 30 * 86_400),
  /** Wing calls a second per vendor, shared by every process (Coupang allows about 10). */
  COUPANG_WING_RATE_PER_SECOND: int(8, 1, 1_000),
  /** Rocket Growth calls a minute per vendor, shared by every process (Coupang allows 50). */
  COUPANG_RG_PER_MINUTE: int(45, 1, 1_000),
  /** Longest wait for a free Wing rate slot before answering 429. */
  COUPANG_RATE_MAX_WAIT_MS: int(10_000, 0, 120_000),
  /** How long calls for a vendor go at half the rate after Coupang's X-CAG-Warnings header. */
  COUPANG_WING_SLOWDOWN_MS: int(5_000, 0, 600_000),
};

/** The Partners key comes as a pair: half of it is a mistake, not a request for the sandbox. */
const check = (c: CoupangConfig, ctx: z.RefinementCtx): void => {
  const set = ['COUPANG_PARTNERS_ACCESS_KEY', 'COUPANG_PARTNERS_SECRET_KEY'] as const;
  const given = set.filter((name) => c[name] !== undefined);
  if (given.length === 1) {
    const missing = set.find((name) => c[name] === undefined)!;
    ctx.addIssue({ code: 'custom', path: [missing], message: `required when ${given[0]} is set` });
  }
  if (c.COUPANG_RETRY_MAX_MS < c.COUPANG_RETRY_BASE_MS) ctx.addIssue({ code: 'custom', path: ['COUPANG_RETRY_MAX_MS'], message: 'must be at least COUPANG_RETRY_BASE_MS' });
};

export type CoupangConfig = SectionConfig<typeof env> & Pick<PlatformConfig, 'NODE_ENV'>;

export const coupangConfig: EnvSection<typeof env, CoupangConfig> = { env, check };
