/**
 * Configuration in, Naver ports out. With credentials: the real clients at the configured base URLs. Without
 * (and NAVER_SANDBOX=auto outside production, or NAVER_SANDBOX=on): the provider sandbox is started in this
 * process on loopback and the same clients talk to it with its fixed test credentials. The sandbox module is
 * imported only then, so a configured production process never loads it.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { NaverPorts } from '../../core/naver/ports.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { DomainError } from '../../core/shared/errors.ts';
import type { RateCounter } from '../../core/platform/rate-counter.ts';
import type { ResponseCache } from '../../core/platform/response-cache.ts';
import type { Config } from '../config.ts';
import { naverOpenApi, type ProviderDeps } from './open-api.ts';
import { naverSearchAd } from './search-ad.ts';

export interface NaverWiring {
  ports: NaverPorts;
  /** Base URLs of the sandbox (starting the clients if they are not yet), or undefined when none runs. */
  sandbox(): Promise<Record<string, string> | undefined>;
  close(): Promise<void>;
}

type NaverConfig = Pick<Config, Extract<keyof Config, `NAVER_${string}`> | 'NODE_ENV'>;

const unconfigured = (what: string, variables: string): DomainError =>
  new DomainError('unavailable', `${what} is not configured on this server (set ${variables})`, { details: { provider: what } });

export const naverFromConfig = async (
  config: NaverConfig,
  deps: { shared: () => { rateCounter: RateCounter; responseCache: ResponseCache; clock: Clock }; logger: Logger; eager: boolean },
): Promise<NaverWiring> => {
  // Built on first use (a sandbox costs two listening sockets), or now when eager (the server says at start
  // which providers it talks to).
  let built: Promise<Built> | undefined;
  const build = () =>
    (built ??= buildNaver(config, deps).catch((error: unknown) => {
      built = undefined;
      throw error;
    }));
  if (deps.eager) await build();
  return {
    ports: {
      shopping: { search: async (q, o) => (await build()).ports.shopping.search(q, o) },
      dataLab: {
        searchTrend: async (r, o) => (await build()).ports.dataLab.searchTrend(r, o),
        categoryTrend: async (r, o) => (await build()).ports.dataLab.categoryTrend(r, o),
        categoryKeywordTrend: async (r, o) => (await build()).ports.dataLab.categoryKeywordTrend(r, o),
      },
      keywords: { related: async (h, o) => (await build()).ports.keywords.related(h, o) },
    },
    sandbox: async () => (await build()).sandbox,
    close: async () => {
      const b = built;
      built = undefined;
      await (await b?.catch(() => undefined))?.close();
    },
  };
};

interface Built {
  ports: NaverPorts;
  sandbox: Record<string, string> | undefined;
  close(): Promise<void>;
}

const buildNaver = async (
  config: NaverConfig,
  deps: { shared: () => { rateCounter: RateCounter; responseCache: ResponseCache; clock: Clock }; logger: Logger },
): Promise<Built> => {
  const hasOpenApi = Boolean(config.NAVER_CLIENT_ID && config.NAVER_CLIENT_SECRET);
  const hasSearchAd = Boolean(config.NAVER_SEARCHAD_API_KEY && config.NAVER_SEARCHAD_SECRET && config.NAVER_SEARCHAD_CUSTOMER_ID);
  const useSandbox = config.NAVER_SANDBOX === 'on' || (config.NAVER_SANDBOX === 'auto' && config.NODE_ENV !== 'production' && !(hasOpenApi && hasSearchAd));

  // The stores are resolved on each call: the composition root builds them alongside these ports.
  const rateCounter: RateCounter = { consume: (r) => deps.shared().rateCounter.consume(r), peek: (n, w) => deps.shared().rateCounter.peek(n, w) };
  const cache: ResponseCache = {
    get: (k) => deps.shared().responseCache.get(k),
    put: (k, v, t) => deps.shared().responseCache.put(k, v, t),
    delete: (k) => deps.shared().responseCache.delete(k),
  };
  const providerDeps: ProviderDeps = {
    rateCounter,
    cache,
    clock: { now: () => deps.shared().clock.now() },
    warn: (message, attributes) => deps.logger.warn(message, attributes),
  };
  const common = {
    timeoutMs: config.NAVER_TIMEOUT_MS,
    retry: { maxAttempts: config.NAVER_MAX_ATTEMPTS, baseDelayMs: config.NAVER_RETRY_BASE_MS, maxDelayMs: config.NAVER_RETRY_MAX_MS },
    rateMaxWaitMs: config.NAVER_RATE_MAX_WAIT_MS,
  };

  let openApi = hasOpenApi && !useSandbox
    ? { baseUrl: config.NAVER_OPENAPI_BASE_URL, clientId: config.NAVER_CLIENT_ID!, clientSecret: config.NAVER_CLIENT_SECRET!, idHeader: config.NAVER_OPENAPI_ID_HEADER, secretHeader: config.NAVER_OPENAPI_SECRET_HEADER }
    : null;
  let searchAd = hasSearchAd && !useSandbox
    ? { baseUrl: config.NAVER_SEARCHAD_BASE_URL, apiKey: config.NAVER_SEARCHAD_API_KEY!, secret: config.NAVER_SEARCHAD_SECRET!, customerId: config.NAVER_SEARCHAD_CUSTOMER_ID! }
    : null;
  let sandbox: { urls: Record<string, string>; close(): Promise<void> } | undefined;
  if (useSandbox) {
    const { startSandbox } = await import('../../sandbox/index.ts');
    const { NAVER_SANDBOX_CREDENTIALS: creds, NAVER_SANDBOX_NAMES: names, naverSandboxProviders } = await import('../../sandbox/naver/index.ts');
    sandbox = await startSandbox(naverSandboxProviders());
    const always = config.NAVER_SANDBOX === 'on';
    const served: string[] = [];
    if (always || !openApi) {
      openApi = { baseUrl: sandbox.urls[names[0]]!, clientId: creds.clientId, clientSecret: creds.clientSecret, idHeader: 'X-Naver-Client-Id', secretHeader: 'X-Naver-Client-Secret' };
      served.push(`${openApi.baseUrl} (Open API)`);
    }
    if (always || !searchAd) {
      searchAd = { baseUrl: sandbox.urls[names[1]]!, apiKey: creds.searchAdApiKey, secret: creds.searchAdSecret, customerId: creds.searchAdCustomerId };
      served.push(`${searchAd.baseUrl} (Search Ad)`);
    }
    deps.logger.warn(`no Naver credentials configured: using the provider sandbox at ${served.join(' and ')}`, { naverSandbox: sandbox.urls });
  }

  const openApiPorts = openApi
    ? naverOpenApi(
        {
          ...openApi,
          ...common,
          ratePerSecond: config.NAVER_OPENAPI_RATE_PER_SECOND,
          searchDailyBudget: config.NAVER_SEARCH_DAILY_BUDGET,
          datalabDailyBudget: config.NAVER_DATALAB_DAILY_BUDGET,
          searchTtlMs: config.NAVER_CACHE_SEARCH_TTL_S * 1000,
          trendTtlMs: config.NAVER_CACHE_TRENDS_TTL_S * 1000,
        },
        providerDeps,
      )
    : null;
  const keywordTool = searchAd
    ? naverSearchAd(
        { ...searchAd, ...common, ratePerSecond: config.NAVER_SEARCHAD_RATE_PER_SECOND, keywordTtlMs: config.NAVER_CACHE_KEYWORDS_TTL_S * 1000, batchWindowMs: config.NAVER_KEYWORD_BATCH_WINDOW_MS },
        providerDeps,
      )
    : null;

  const noOpenApi = () => Promise.reject(unconfigured('Naver Open API', 'NAVER_CLIENT_ID and NAVER_CLIENT_SECRET'));
  return {
    ports: {
      shopping: openApiPorts ?? { search: noOpenApi },
      dataLab: openApiPorts ?? { searchTrend: noOpenApi, categoryTrend: noOpenApi, categoryKeywordTrend: noOpenApi },
      keywords: keywordTool ?? {
        related: () => Promise.reject(unconfigured('Naver Search Ad', 'NAVER_SEARCHAD_API_KEY, NAVER_SEARCHAD_SECRET and NAVER_SEARCHAD_CUSTOMER_ID')),
      },
    },
    sandbox: sandbox?.urls,
    close: async () => {
      await sandbox?.close();
    },
  };
};
