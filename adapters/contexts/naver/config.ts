import * as z from 'zod';
import { int, sandboxSetting, type EnvSection, type SectionConfig } from '../env.ts';
import type { PlatformConfig } from '../platform/config.ts';

/** Naver Open API (shopping search, DataLab) and Search Ad (keyword tool): docs/naver.md. */
const env = {
  NAVER_OPENAPI_BASE_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://openapi.naver.com' }).default('https://openapi.naver.com'),
  NAVER_CLIENT_ID: z.string().min(1).optional(),
  NAVER_CLIENT_SECRET: z.string().min(1).optional(),
  /** The API-gateway host names them X-NCP-APIGW-API-KEY-ID / X-NCP-APIGW-API-KEY. */
  NAVER_OPENAPI_ID_HEADER: z.string().regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name').default('X-Naver-Client-Id'),
  NAVER_OPENAPI_SECRET_HEADER: z.string().regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name').default('X-Naver-Client-Secret'),
  NAVER_SEARCHAD_BASE_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://api.searchad.naver.com' }).default('https://api.searchad.naver.com'),
  NAVER_SEARCHAD_API_KEY: z.string().min(1).optional(),
  NAVER_SEARCHAD_SECRET: z.string().min(1).optional(),
  NAVER_SEARCHAD_CUSTOMER_ID: z.string().regex(/^\d+$/, 'expected the numeric customer id').optional(),
  /** auto: the provider sandbox when no Naver credentials are set (never in production); on: always; off: never. */
  NAVER_SANDBOX: sandboxSetting,
  NAVER_TIMEOUT_MS: int(10_000, 100, 120_000),
  /** Attempts per provider call, the first included. */
  NAVER_MAX_ATTEMPTS: int(3, 1, 10),
  NAVER_RETRY_BASE_MS: int(200, 1, 60_000),
  NAVER_RETRY_MAX_MS: int(5_000, 1, 120_000),
  /** Client-side request rate per credential, shared by every process through the rate counters. */
  NAVER_OPENAPI_RATE_PER_SECOND: int(10, 1, 1_000),
  NAVER_SEARCHAD_RATE_PER_SECOND: int(10, 1, 1_000),
  /** Longest wait for a free request slot before answering 429. */
  NAVER_RATE_MAX_WAIT_MS: int(10_000, 0, 120_000),
  NAVER_SEARCH_DAILY_BUDGET: int(25_000, 0, 10_000_000),
  NAVER_DATALAB_DAILY_BUDGET: int(1_000, 0, 10_000_000),
  NAVER_CACHE_SEARCH_TTL_S: int(600, 1, 30 * 86_400),
  NAVER_CACHE_KEYWORDS_TTL_S: int(86_400, 1, 30 * 86_400),
  NAVER_CACHE_TRENDS_TTL_S: int(86_400, 1, 30 * 86_400),
  /** How long a keyword request waits to share a Search Ad call with others (up to 5 hints); 0 = never. */
  NAVER_KEYWORD_BATCH_WINDOW_MS: int(20, 0, 5_000),
};

/** Credentials come in complete sets: half a set is a mistake, not a request for the sandbox. */
const check = (c: NaverConfig, ctx: z.RefinementCtx): void => {
  const sets: (keyof NaverConfig)[][] = [
    ['NAVER_CLIENT_ID', 'NAVER_CLIENT_SECRET'],
    ['NAVER_SEARCHAD_API_KEY', 'NAVER_SEARCHAD_SECRET', 'NAVER_SEARCHAD_CUSTOMER_ID'],
  ];
  for (const set of sets) {
    const given = set.filter((name) => c[name] !== undefined);
    if (given.length === 0 || given.length === set.length) continue;
    for (const name of set.filter((n) => c[n] === undefined)) ctx.addIssue({ code: 'custom', path: [name], message: `required when ${given.join(' and ')} ${given.length === 1 ? 'is' : 'are'} set` });
  }
  if (c.NAVER_RETRY_MAX_MS < c.NAVER_RETRY_BASE_MS) ctx.addIssue({ code: 'custom', path: ['NAVER_RETRY_MAX_MS'], message: 'must be at least NAVER_RETRY_BASE_MS' });
};

export type NaverConfig = SectionConfig<typeof env> & Pick<PlatformConfig, 'NODE_ENV'>;

export const naverConfig: EnvSection<typeof env, NaverConfig> = { env, check };
