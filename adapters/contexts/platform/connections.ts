/**
 * The channel verifier behind POST /v1/connections: Coupang Wing at the Coupang gateway, Naver Commerce at its
 * API or, with no NAVER_COMMERCE_BASE_URL outside production (NAVER_COMMERCE_SANDBOX=auto), at the Naver Commerce
 * sandbox started in this process, which says so in a start-up line. The clients (bcrypt among them) are imported
 * on the first verification, so a process that never connects a channel (most Lambdas) never loads them.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ChannelCredentials, ChannelVerifier } from '../../../core/platform/ports.ts';
import type { Clock } from '../../../core/shared/clock.ts';
import type { RunningSandbox } from '../../../sandbox/server.ts';
import type { Config } from '../../config.ts';
import type { RetryPolicy } from '../../providers/http.ts';
import { lazy } from '../../providers/lazy-port.ts';
import { sandboxUrl, startProviderSandbox, wantsSandbox } from '../../providers/sandbox-choice.ts';

export const NAVER_COMMERCE_URL = 'https://api.commerce.naver.com';
export const COUPANG_GATEWAY_URL = 'https://api-gateway.coupang.com';

/** One retry for a 429 or 5xx: the caller is waiting for the answer. */
const VERIFY_RETRY: RetryPolicy = { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 2_000 };

/** The Coupang context's gateway URL when that context is part of this build (it declares COUPANG_BASE_URL). */
const coupangBaseUrl = (config: Config): string => {
  const declared = (config as Partial<Record<'COUPANG_BASE_URL', string>>).COUPANG_BASE_URL;
  return declared ?? COUPANG_GATEWAY_URL;
};

export interface ConnectionVerifiers {
  verifier: ChannelVerifier;
  /** Starts the sandbox now when it stands in (the server: its start-up line says so). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export const channelVerifierFromConfig = (config: Config, deps: { clock: Clock; logger: Logger }): ConnectionVerifiers => {
  const { clock, logger } = deps;
  const onRetry = (info: { api: string; attempt: number; delayMs: number; status?: number; error?: string }) =>
    logger.warn('connection verification retried', { api: info.api, attempt: info.attempt, delayMs: info.delayMs, status: info.status, error: info.error });
  const common = { timeoutMs: config.CONNECTIONS_VERIFY_TIMEOUT_MS, retry: VERIFY_RETRY, clock, onRetry };
  const useSandbox = wantsSandbox({ setting: config.NAVER_COMMERCE_SANDBOX, nodeEnv: config.NODE_ENV, configured: Boolean(config.NAVER_COMMERCE_BASE_URL) });

  const naver = lazy(async () => {
    const [{ naverCommerceTokens }, { naverCommerceVerifier }] = await Promise.all([import('../../naver-commerce/token.ts'), import('../../naver-commerce/verify.ts')]);
    let sandbox: RunningSandbox | undefined;
    let baseUrl = config.NAVER_COMMERCE_BASE_URL ?? NAVER_COMMERCE_URL;
    if (useSandbox) {
      const { naverCommerceSandbox, NAVER_COMMERCE_SANDBOX_NAME } = await import('../../../sandbox/naver-commerce/index.ts');
      sandbox = await startProviderSandbox(
        async () => [naverCommerceSandbox()],
        (urls) => logger.warn(`no NAVER_COMMERCE_BASE_URL configured: Naver Commerce connections are verified against the sandbox at ${urls[NAVER_COMMERCE_SANDBOX_NAME]}`, { naverCommerceSandbox: urls[NAVER_COMMERCE_SANDBOX_NAME] }),
      );
      baseUrl = sandboxUrl(sandbox, NAVER_COMMERCE_SANDBOX_NAME);
    }
    return { verify: naverCommerceVerifier(naverCommerceTokens({ baseUrl, ...common })), sandbox };
  });
  const wing = lazy(async () => (await import('../../coupang/verify.ts')).coupangWingVerifier({ baseUrl: coupangBaseUrl(config), ...common }));

  return {
    verifier: {
      // TypeScript does not narrow `credentials` with `channel`; the port's signature ties them together.
      verify: async (channel, credentials, signal) =>
        channel === 'coupang_wing'
          ? (await wing.get())(credentials as ChannelCredentials['coupang_wing'], signal)
          : (await naver.get()).verify(credentials as ChannelCredentials['naver_commerce'], signal),
    },
    start: async () => {
      if (useSandbox) await naver.get();
    },
    close: async () => {
      await (await naver.take())?.sandbox?.close();
    },
  };
};
