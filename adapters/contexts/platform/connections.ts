/**
 * The channel verifier behind POST /v1/connections: Coupang Wing at COUPANG_BASE_URL or, where the Coupang context
 * uses its sandbox (COUPANG_SANDBOX: no Partners key outside production), at a Coupang sandbox of its own; Naver
 * Commerce at its API or, with no NAVER_COMMERCE_BASE_URL outside production (NAVER_COMMERCE_SANDBOX=auto), at the
 * Naver Commerce sandbox. A sandbox started here says so in a start-up line. The clients (bcrypt among them) are imported
 * on the first verification, so a process that never connects a channel (most Lambdas) never loads them.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AlibabaGrants, ChannelCredentials, ChannelVerifier } from '../../../core/platform/ports.ts';
import { DomainError } from '../../../core/shared/errors.ts';
import type { Clock } from '../../../core/shared/clock.ts';
import type { RunningSandbox } from '../../../sandbox/server.ts';
import type { Config } from '../../config.ts';
import { localServerUrl } from './config.ts';
import type { RetryPolicy } from '../../providers/http.ts';
import { lazy } from '../../providers/lazy-port.ts';
import { sandboxUrl, startProviderSandbox, wantsSandbox } from '../../providers/sandbox-choice.ts';

export const NAVER_COMMERCE_URL = 'https://api.commerce.naver.com';

/** One retry for a 429 or 5xx: the caller is waiting for the answer. */
const VERIFY_RETRY: RetryPolicy = { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 2_000 };

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
  // The same choice as the Coupang context's, so a connection verified here works with its Wing client.
  const wingSandbox = wantsSandbox({
    setting: config.COUPANG_SANDBOX, nodeEnv: config.NODE_ENV, configured: Boolean(config.COUPANG_PARTNERS_ACCESS_KEY && config.COUPANG_PARTNERS_SECRET_KEY),
  });

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
  const wing = lazy(async () => {
    const { coupangWingVerifier } = await import('../../coupang/verify.ts');
    let sandbox: RunningSandbox | undefined;
    let baseUrl = config.COUPANG_BASE_URL;
    if (wingSandbox) {
      const { coupangSandboxProviders, COUPANG_SANDBOX_NAME, COUPANG_SANDBOX_CREDENTIALS } = await import('../../../sandbox/coupang/index.ts');
      sandbox = await startProviderSandbox(
        async () => coupangSandboxProviders(),
        (urls) =>
          logger.warn(`no Coupang Partners key configured: Coupang Wing connections are verified against the Coupang sandbox at ${urls[COUPANG_SANDBOX_NAME]} (Wing account ${COUPANG_SANDBOX_CREDENTIALS.wing.vendorId})`, {
            coupangWingSandbox: urls[COUPANG_SANDBOX_NAME],
          }),
      );
      baseUrl = sandboxUrl(sandbox, COUPANG_SANDBOX_NAME);
    }
    return { verify: coupangWingVerifier({ baseUrl, ...common }), sandbox };
  });

  return {
    verifier: {
      // TypeScript does not narrow `credentials` with `channel`; the port's signature ties them together.
      verify: async (channel, credentials, signal) =>
        channel === 'coupang_wing'
          ? (await wing.get()).verify(credentials as ChannelCredentials['coupang_wing'], signal)
          : (await naver.get()).verify(credentials as ChannelCredentials['naver_commerce'], signal),
    },
    start: async () => {
      if (useSandbox) await naver.get();
      if (wingSandbox) await wing.get();
    },
    close: async () => {
      await (await naver.take())?.sandbox?.close();
      await (await wing.take())?.sandbox?.close();
    },
  };
};

/**
 * Where the 1688 sandbox sends a seller back when no ALIBABA_OAUTH_REDIRECT_URI is set: this server's own URL from
 * HOST and PORT (nothing listens on the path; the code and state are read off the address bar).
 */
export const sandboxRedirectUri = (config: Pick<Config, 'HOST' | 'PORT'>): string => `${localServerUrl(config)}/alibaba_1688/granted`;

export interface AlibabaGrantClients {
  grants: AlibabaGrants;
  close(): Promise<void>;
}

/**
 * 1688 OAuth for tenants' own accounts: the app of the alibaba context (ALIBABA_APP_KEY, ALIBABA_APP_SECRET) at
 * ALIBABA_BASE_URL and ALIBABA_AUTHORIZE_URL, or the 1688 sandbox under the same choice as that context (no
 * credentials outside production), started on first use and saying so.
 */
export const alibabaGrantsFromConfig = (config: Config, deps: { logger: Logger }): AlibabaGrantClients => {
  const configured = Boolean(config.ALIBABA_APP_KEY && config.ALIBABA_APP_SECRET && config.ALIBABA_ACCESS_TOKEN);
  const useSandbox = wantsSandbox({ setting: config.ALIBABA_SANDBOX, nodeEnv: config.NODE_ENV, configured });
  const client = lazy(async () => {
    const { alibabaOAuth } = await import('../../alibaba/oauth.ts');
    const common = {
      timeoutMs: config.ALIBABA_TIMEOUT_MS,
      retry: { maxAttempts: config.ALIBABA_MAX_ATTEMPTS, baseDelayMs: config.ALIBABA_RETRY_BASE_MS, maxDelayMs: config.ALIBABA_RETRY_MAX_MS },
      onRetry: (info: { attempt: number; delayMs: number; status?: number; error?: string }) => deps.logger.warn('retrying 1688 token request', { ...info }),
    };
    if (useSandbox) {
      const { ALIBABA_SANDBOX_CREDENTIALS: creds, ALIBABA_SANDBOX_NAME: name, alibabaSandboxProviders } = await import('../../../sandbox/alibaba/index.ts');
      const sandbox = await startProviderSandbox(
        async () => alibabaSandboxProviders(),
        (urls) => deps.logger.warn(`no 1688 credentials configured: 1688 accounts are granted through the provider sandbox at ${urls[name]} (1688 OAuth)`, { alibabaOAuthSandbox: urls[name] }),
      );
      const base = sandboxUrl(sandbox, name);
      const grants = alibabaOAuth({
        ...common, baseUrl: base, authorizeUrl: `${base}/oauth/authorize`, appKey: creds.appKey, appSecret: creds.appSecret,
        redirectUri: config.ALIBABA_OAUTH_REDIRECT_URI ?? sandboxRedirectUri(config),
      });
      return { grants, sandbox: sandbox as RunningSandbox | undefined };
    }
    if (!configured || !config.ALIBABA_OAUTH_REDIRECT_URI) return { grants: null, sandbox: undefined };
    const grants = alibabaOAuth({
      ...common, baseUrl: config.ALIBABA_BASE_URL, authorizeUrl: config.ALIBABA_AUTHORIZE_URL, appKey: config.ALIBABA_APP_KEY!, appSecret: config.ALIBABA_APP_SECRET!,
      redirectUri: config.ALIBABA_OAUTH_REDIRECT_URI,
    });
    return { grants, sandbox: undefined };
  });
  const ready = async (): Promise<AlibabaGrants> => {
    const { grants } = await client.get();
    if (!grants) {
      throw new DomainError('unavailable', '1688 OAuth is not configured on this server (set ALIBABA_APP_KEY, ALIBABA_APP_SECRET, ALIBABA_ACCESS_TOKEN and ALIBABA_OAUTH_REDIRECT_URI)', {
        details: { provider: '1688' },
      });
    }
    return grants;
  };
  return {
    grants: {
      authorizeUrl: async (state) => (await ready()).authorizeUrl(state),
      exchange: async (code, signal) => (await ready()).exchange(code, signal),
      refresh: async (refreshToken, signal) => (await ready()).refresh(refreshToken, signal),
    },
    close: async () => {
      await (await client.take())?.sandbox?.close();
    },
  };
};
