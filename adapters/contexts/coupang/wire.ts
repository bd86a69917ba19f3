/**
 * The Coupang context's ports: with a Partners key, the real clients at COUPANG_BASE_URL; without one (and
 * COUPANG_SANDBOX=auto outside production, or COUPANG_SANDBOX=on), the Coupang sandbox started in this process on
 * loopback, which both clients then talk to (Partners with its fixed key, Wing with whatever keys the tenant's
 * connection holds: the sandbox's Wing account in development).
 */
import type { CoupangPorts, WingApi } from '../../../core/coupang/ports.ts';
import { DomainError } from '../../../core/shared/errors.ts';
import type { ProviderDeps } from '../../providers/deps.ts';
import { lazy, lazyPort, type Lazy } from '../../providers/lazy-port.ts';
import { sandboxUrl, startProviderSandbox, wantsSandbox } from '../../providers/sandbox-choice.ts';
import type { RunningSandbox } from '../../../sandbox/server.ts';
import { defineContext, type Shared } from '../context.ts';
import { coupangConfig, type CoupangConfig } from './config.ts';

export interface Built {
  ports: CoupangPorts;
  close(): Promise<void>;
}

const build = async (config: CoupangConfig, shared: Shared): Promise<Built> => {
  // The clients load with the first Coupang call: an endpoint that never calls Coupang (a Lambda serving another
  // one) does not carry them.
  const [{ coupangPartners }, { coupangWing }] = await Promise.all([import('../../coupang/partners.ts'), import('../../coupang/wing.ts')]);
  const configured = Boolean(config.COUPANG_PARTNERS_ACCESS_KEY && config.COUPANG_PARTNERS_SECRET_KEY);
  const useSandbox = wantsSandbox({ setting: config.COUPANG_SANDBOX, nodeEnv: config.NODE_ENV, configured });
  const providerDeps: ProviderDeps = {
    rateCounter: shared.ports.rateCounter,
    cache: shared.ports.responseCache,
    clock: shared.ports.clock,
    warn: (message, attributes) => shared.logger.warn(message, attributes),
  };
  const common = {
    timeoutMs: config.COUPANG_TIMEOUT_MS,
    retry: { maxAttempts: config.COUPANG_MAX_ATTEMPTS, baseDelayMs: config.COUPANG_RETRY_BASE_MS, maxDelayMs: config.COUPANG_RETRY_MAX_MS },
  };

  let baseUrl = config.COUPANG_BASE_URL;
  let partnersKey = configured ? { accessKey: config.COUPANG_PARTNERS_ACCESS_KEY!, secretKey: config.COUPANG_PARTNERS_SECRET_KEY! } : null;
  let sandbox: RunningSandbox | undefined;
  if (useSandbox) {
    const { COUPANG_SANDBOX_CREDENTIALS: creds, COUPANG_SANDBOX_NAME: name, coupangSandboxProviders } = await import('../../../sandbox/coupang/index.ts');
    sandbox = await startProviderSandbox(
      async () => coupangSandboxProviders(),
      (urls) =>
        shared.logger.warn(`no Coupang Partners key configured: using the Coupang sandbox at ${urls[name]} (Partners and Wing; Wing account ${creds.wing.vendorId})`, { coupangSandbox: urls }),
    );
    baseUrl = sandboxUrl(sandbox, name);
    partnersKey = { accessKey: creds.partnersAccessKey, secretKey: creds.partnersSecretKey };
  }

  const products = partnersKey
    ? coupangPartners({ ...common, ...partnersKey, baseUrl, perMinute: config.COUPANG_PARTNERS_PER_MINUTE, searchTtlMs: config.COUPANG_CACHE_SEARCH_TTL_S * 1000 }, providerDeps)
    : {
        search: () =>
          Promise.reject(
            new DomainError('unavailable', 'Coupang Partners is not configured on this server (set COUPANG_PARTNERS_ACCESS_KEY and COUPANG_PARTNERS_SECRET_KEY)', {
              details: { provider: 'Coupang Partners' },
            }),
          ),
      };
  const wing = coupangWing(
    { ...common, baseUrl, ratePerSecond: config.COUPANG_WING_RATE_PER_SECOND, rocketGrowthPerMinute: config.COUPANG_RG_PER_MINUTE, rateMaxWaitMs: config.COUPANG_RATE_MAX_WAIT_MS, slowdownMs: config.COUPANG_WING_SLOWDOWN_MS },
    providerDeps,
  );
  return { ports: { products, wing }, close: async () => sandbox?.close() };
};

export const wingMethods: { [K in keyof WingApi]: true } = {
  sellerProducts: true,
  sellerProduct: true,
  inventory: true,
  setQuantity: true,
  rocketGrowthInventory: true,
  orderSheets: true,
  returnRequests: true,
  revenueHistory: true,
};

const builds = new WeakMap<Shared, Lazy<Built>>();

/**
 * This process's Coupang clients, built on first use, one set per process: the inventory context's Coupang
 * channels use the same Wing client (and the same sandbox when one stands in) as the Coupang context. Whoever
 * closes first closes them.
 */
export const coupangClients = (config: CoupangConfig, shared: Shared): Lazy<Built> => {
  let built = builds.get(shared);
  if (!built) builds.set(shared, (built = lazy(() => build(config, shared))));
  return built;
};

export const coupang = defineContext({
  name: 'coupang',
  config: coupangConfig,
  wire: async (config, shared, profile) => {
    // Built on first use (the sandbox costs a listening socket), or now when eager.
    const built = coupangClients(config, shared);
    if (profile.eagerProviders) await built.get();
    const ports = async () => (await built.get()).ports;
    return {
      ports: {
        products: lazyPort(async () => (await ports()).products, { search: true }),
        wing: lazyPort(async () => (await ports()).wing, wingMethods),
      },
      close: async () => (await built.take())?.close(),
    };
  },
});
