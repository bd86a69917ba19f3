/**
 * The Naver context's ports: with credentials, the real clients at the configured base URLs; without (and
 * NAVER_SANDBOX=auto outside production, or NAVER_SANDBOX=on), the provider sandbox started in this process
 * on loopback, which the same clients talk to with its fixed test credentials.
 */
import type { NaverPorts } from '../../../core/naver/ports.ts';
import { DomainError } from '../../../core/shared/errors.ts';
import { naverOpenApi } from '../../naver/open-api.ts';
import type { ProviderDeps } from '../../providers/deps.ts';
import { naverSearchAd } from '../../naver/search-ad.ts';
import { lazy, lazyPort } from '../../providers/lazy-port.ts';
import { sandboxUrl, startProviderSandbox, wantsSandbox } from '../../providers/sandbox-choice.ts';
import type { RunningSandbox } from '../../../sandbox/server.ts';
import { defineContext, type Shared } from '../context.ts';
import { naverConfig, type NaverConfig } from './config.ts';

const unconfigured = (what: string, variables: string): DomainError =>
  new DomainError('unavailable', `${what} is not configured on this server (set ${variables})`, { details: { provider: what } });

interface Built {
  ports: NaverPorts;
  close(): Promise<void>;
}

const build = async (config: NaverConfig, shared: Shared): Promise<Built> => {
  const hasOpenApi = Boolean(config.NAVER_CLIENT_ID && config.NAVER_CLIENT_SECRET);
  const hasSearchAd = Boolean(config.NAVER_SEARCHAD_API_KEY && config.NAVER_SEARCHAD_SECRET && config.NAVER_SEARCHAD_CUSTOMER_ID);
  const useSandbox = wantsSandbox({ setting: config.NAVER_SANDBOX, nodeEnv: config.NODE_ENV, configured: hasOpenApi && hasSearchAd });

  const providerDeps: ProviderDeps = {
    rateCounter: shared.ports.rateCounter,
    cache: shared.ports.responseCache,
    clock: shared.ports.clock,
    warn: (message, attributes) => shared.logger.warn(message, attributes),
  };
  const common = {
    timeoutMs: config.NAVER_TIMEOUT_MS,
    retry: { maxAttempts: config.NAVER_MAX_ATTEMPTS, baseDelayMs: config.NAVER_RETRY_BASE_MS, maxDelayMs: config.NAVER_RETRY_MAX_MS },
    rateMaxWaitMs: config.NAVER_RATE_MAX_WAIT_MS,
  };

  let openApi =
    config.NAVER_CLIENT_ID && config.NAVER_CLIENT_SECRET && !useSandbox
      ? { baseUrl: config.NAVER_OPENAPI_BASE_URL, clientId: config.NAVER_CLIENT_ID, clientSecret: config.NAVER_CLIENT_SECRET, idHeader: config.NAVER_OPENAPI_ID_HEADER, secretHeader: config.NAVER_OPENAPI_SECRET_HEADER }
      : null;
  let searchAd =
    config.NAVER_SEARCHAD_API_KEY && config.NAVER_SEARCHAD_SECRET && config.NAVER_SEARCHAD_CUSTOMER_ID && !useSandbox
      ? { baseUrl: config.NAVER_SEARCHAD_BASE_URL, apiKey: config.NAVER_SEARCHAD_API_KEY, secret: config.NAVER_SEARCHAD_SECRET, customerId: config.NAVER_SEARCHAD_CUSTOMER_ID }
      : null;
  let sandbox: RunningSandbox | undefined;
  if (useSandbox) {
    const { NAVER_SANDBOX_CREDENTIALS: creds, NAVER_SANDBOX_NAMES: names, naverSandboxProviders } = await import('../../../sandbox/naver/index.ts');
    const [openApiName, searchAdName] = names;
    // Each side the credentials do not cover (both, with NAVER_SANDBOX=on) goes to the sandbox.
    const openApiToSandbox = config.NAVER_SANDBOX === 'on' || !openApi;
    const searchAdToSandbox = config.NAVER_SANDBOX === 'on' || !searchAd;
    sandbox = await startProviderSandbox(
      async () => naverSandboxProviders(),
      (urls) => {
        const served = [openApiToSandbox ? `${urls[openApiName]} (Open API)` : '', searchAdToSandbox ? `${urls[searchAdName]} (Search Ad)` : ''].filter(Boolean);
        shared.logger.warn(`no Naver credentials configured: using the provider sandbox at ${served.join(' and ')}`, { naverSandbox: urls });
      },
    );
    if (openApiToSandbox) {
      openApi = { baseUrl: sandboxUrl(sandbox, openApiName), clientId: creds.clientId, clientSecret: creds.clientSecret, idHeader: 'X-Naver-Client-Id', secretHeader: 'X-Naver-Client-Secret' };
    }
    if (searchAdToSandbox) {
      searchAd = { baseUrl: sandboxUrl(sandbox, searchAdName), apiKey: creds.searchAdApiKey, secret: creds.searchAdSecret, customerId: creds.searchAdCustomerId };
    }
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
    close: async () => {
      await sandbox?.close();
    },
  };
};

export const naver = defineContext({
  name: 'naver',
  config: naverConfig,
  wire: async (config, shared, profile) => {
    // Built on first use (a sandbox costs two listening sockets), or now when eager.
    const built = lazy(() => build(config, shared));
    if (profile.eagerProviders) await built.get();
    const ports = async () => (await built.get()).ports;
    return {
      ports: {
        shopping: lazyPort(async () => (await ports()).shopping, { search: true }),
        dataLab: lazyPort(async () => (await ports()).dataLab, { searchTrend: true, categoryTrend: true, categoryKeywordTrend: true }),
        keywords: lazyPort(async () => (await ports()).keywords, { related: true }),
      },
      close: async () => (await built.take())?.close(),
    };
  },
});
