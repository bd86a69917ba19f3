/**
 * The alibaba context's ports: with credentials, the 1688 client at ALIBABA_BASE_URL; without (and
 * ALIBABA_SANDBOX=auto outside production, or ALIBABA_SANDBOX=on), the 1688 sandbox started in this process on
 * loopback, which the same client talks to with its fixed test credentials. Search terms are translated by the
 * glossary shipped in the repository.
 */
import type { AlibabaPorts, OfferCatalog } from '../../../core/alibaba/ports.ts';
import { DomainError } from '../../../core/shared/errors.ts';
import type { RunningSandbox } from '../../../sandbox/server.ts';
import type { ProviderDeps } from '../../providers/deps.ts';
import { lazy, lazyPort } from '../../providers/lazy-port.ts';
import { sandboxUrl, startProviderSandbox, wantsSandbox } from '../../providers/sandbox-choice.ts';
import { defineContext, type Shared } from '../context.ts';
import { alibabaConfig, type AlibabaConfig } from './config.ts';

interface Built {
  offers: OfferCatalog;
  close(): Promise<void>;
}

const build = async (config: AlibabaConfig, shared: Shared): Promise<Built> => {
  const configured = Boolean(config.ALIBABA_APP_KEY && config.ALIBABA_APP_SECRET && config.ALIBABA_ACCESS_TOKEN);
  const useSandbox = wantsSandbox({ setting: config.ALIBABA_SANDBOX, nodeEnv: config.NODE_ENV, configured });
  const deps: ProviderDeps = {
    rateCounter: shared.ports.rateCounter,
    cache: shared.ports.responseCache,
    clock: shared.ports.clock,
    warn: (message, attributes) => shared.logger.warn(message, attributes),
  };
  let target =
    configured && !useSandbox
      ? { baseUrl: config.ALIBABA_BASE_URL, appKey: config.ALIBABA_APP_KEY!, appSecret: config.ALIBABA_APP_SECRET!, accessToken: config.ALIBABA_ACCESS_TOKEN! }
      : null;
  let sandbox: RunningSandbox | undefined;
  if (useSandbox) {
    const { ALIBABA_SANDBOX_CREDENTIALS: creds, ALIBABA_SANDBOX_NAME: name, alibabaSandboxProviders } = await import('../../../sandbox/alibaba/index.ts');
    sandbox = await startProviderSandbox(
      async () => alibabaSandboxProviders(),
      (urls) => shared.logger.warn(`no 1688 credentials configured: using the provider sandbox at ${urls[name]} (1688 open platform)`, { alibabaSandbox: urls }),
    );
    target = { baseUrl: sandboxUrl(sandbox, name), ...creds };
  }
  if (!target) {
    const unconfigured = () =>
      Promise.reject(new DomainError('unavailable', '1688 is not configured on this server (set ALIBABA_APP_KEY, ALIBABA_APP_SECRET and ALIBABA_ACCESS_TOKEN)', { details: { provider: '1688' } }));
    return { offers: { search: unconfigured, detail: unconfigured, imageSearch: unconfigured }, close: async () => {} };
  }
  // The client and the glossary load on first use: a Lambda serving another endpoint never loads them.
  const { alibabaGateway } = await import('../../alibaba/gateway.ts');
  const offers = alibabaGateway(
    {
      ...target,
      country: config.ALIBABA_COUNTRY,
      timeoutMs: config.ALIBABA_TIMEOUT_MS,
      retry: { maxAttempts: config.ALIBABA_MAX_ATTEMPTS, baseDelayMs: config.ALIBABA_RETRY_BASE_MS, maxDelayMs: config.ALIBABA_RETRY_MAX_MS },
      ratePerSecond: config.ALIBABA_RATE_PER_SECOND,
      rateMaxWaitMs: config.ALIBABA_RATE_MAX_WAIT_MS,
      searchTtlMs: config.ALIBABA_CACHE_SEARCH_TTL_S * 1000,
      detailTtlMs: config.ALIBABA_CACHE_DETAIL_TTL_S * 1000,
    },
    deps,
  );
  return { offers, close: async () => sandbox?.close() };
};

export const alibaba = defineContext({
  name: 'alibaba',
  config: alibabaConfig,
  wire: async (config, shared, profile): Promise<{ ports: AlibabaPorts; close(): Promise<void> }> => {
    // Built on first use (the sandbox costs a listening socket), or now when eager.
    const built = lazy(() => build(config, shared));
    const glossary = lazy(async () => (await import('../../alibaba/glossary.ts')).glossaryTranslator());
    if (profile.eagerProviders) await built.get();
    return {
      ports: {
        offers: lazyPort(async () => (await built.get()).offers, { search: true, detail: true, imageSearch: true }),
        translator: lazyPort(() => glossary.get(), { translate: true }),
      },
      close: async () => (await built.take())?.close(),
    };
  },
});
