/**
 * The Smart Store channel of the inventory context: stock (ChannelStock) and orders (OrderFeed) through each
 * tenant's `naver_commerce` connection, at NAVER_COMMERCE_BASE_URL, or at a Naver Commerce sandbox of this
 * context's own under NAVER_COMMERCE_SANDBOX (auto: no base URL outside production), which says so in a start-up
 * line. The sandbox knows the same application as the one connections are verified against. Built on first use
 * (or at start where providers are built eagerly): a process that never syncs a tenant never loads the client.
 */
import type { ChannelStock, OrderFeed } from '../../../core/inventory/ports.ts';
import type { RunningSandbox } from '../../../sandbox/server.ts';
import type { PlatformConfig } from '../platform/config.ts';
import type { Shared } from '../context.ts';
import { lazy, lazyPort } from '../../providers/lazy-port.ts';
import { sandboxUrl, startProviderSandbox, wantsSandbox } from '../../providers/sandbox-choice.ts';

/** Where the platform verifies Naver Commerce connections when NAVER_COMMERCE_BASE_URL is unset in production. */
const NAVER_COMMERCE_URL = 'https://api.commerce.naver.com';
/** Naver's product APIs allow 20 requests a second per application (providers.md section 9). */
const RATE_PER_SECOND = 20;
const TIMEOUT_MS = 10_000;
const RETRY = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };
const RATE_MAX_WAIT_MS = 30_000;

export type NaverSmartStoreConfig = Pick<PlatformConfig, 'NODE_ENV' | 'NAVER_COMMERCE_BASE_URL' | 'NAVER_COMMERCE_SANDBOX'>;

export const naverSmartStore = (config: NaverSmartStoreConfig, shared: Shared) => {
  const built = lazy(async () => {
    const [{ naverCommerceTokens }, { naverCommerceClient }, { naverSmartStoreStock }, { naverSmartStoreOrders }] = await Promise.all([
      import('../../naver-commerce/token.ts'), import('../../naver-commerce/client.ts'), import('../../naver-commerce/stock.ts'), import('../../naver-commerce/orders.ts'),
    ]);
    const { clock, connections, rateCounter, responseCache } = shared.ports;
    const warn = (message: string, attributes: Record<string, unknown>) => shared.logger.warn(message, attributes);
    let baseUrl = config.NAVER_COMMERCE_BASE_URL ?? NAVER_COMMERCE_URL;
    let sandbox: RunningSandbox | undefined;
    if (wantsSandbox({ setting: config.NAVER_COMMERCE_SANDBOX, nodeEnv: config.NODE_ENV, configured: Boolean(config.NAVER_COMMERCE_BASE_URL) })) {
      const { naverCommerceSandbox, NAVER_COMMERCE_SANDBOX_NAME } = await import('../../../sandbox/naver-commerce/index.ts');
      sandbox = await startProviderSandbox(
        async () => [naverCommerceSandbox()],
        (urls) => shared.logger.warn(`no NAVER_COMMERCE_BASE_URL configured: Smart Store stock and orders go to the Naver Commerce sandbox at ${urls[NAVER_COMMERCE_SANDBOX_NAME]}`, { naverCommerceSandbox: urls[NAVER_COMMERCE_SANDBOX_NAME] }),
      );
      baseUrl = sandboxUrl(sandbox, NAVER_COMMERCE_SANDBOX_NAME);
    }
    const tokens = naverCommerceTokens({ baseUrl, timeoutMs: TIMEOUT_MS, retry: RETRY, clock, onRetry: (info) => warn('Naver Commerce sign-in retried', { ...info }) });
    const client = naverCommerceClient({ baseUrl, tokens, timeoutMs: TIMEOUT_MS, retry: RETRY, ratePerSecond: RATE_PER_SECOND, rateMaxWaitMs: RATE_MAX_WAIT_MS }, { rateCounter, cache: responseCache, clock, warn });
    return { stock: naverSmartStoreStock({ connections, client }), orders: naverSmartStoreOrders({ connections, client, clock }), sandbox };
  });
  type StockMethods = Required<Pick<ChannelStock, 'push' | 'pushMany' | 'read'>>;
  const stock: ChannelStock = lazyPort(async () => (await built.get()).stock as StockMethods, { push: true, pushMany: true, read: true });
  const orders: OrderFeed = lazyPort(async () => (await built.get()).orders, { next: true });
  return {
    stock,
    orders,
    /** Builds the client now (and starts the sandbox, saying so): the server's start-up lines name every sandbox. */
    start: async () => void (await built.get()),
    close: async () => (await built.take())?.sandbox?.close(),
  };
};
