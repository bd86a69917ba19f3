/** A Naver Commerce sandbox, a client over it, and a scripted tenant connection, for the Smart Store adapter tests. */
import { naverCommerceClient, type NaverCommerceClient } from '../../adapters/naver-commerce/client.ts';
import { naverCommerceTokens, type NaverCommerceTokens } from '../../adapters/naver-commerce/token.ts';
import type { NaverCommerceCredentials, OpenedConnection, TenantConnections } from '../../core/platform/ports.ts';
import type { RateCounter } from '../../core/platform/rate-counter.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { NAVER_COMMERCE_SANDBOX_APP, NAVER_COMMERCE_SANDBOX_NAME, naverCommerceSandbox, type NaverCommerceSandboxOptions } from '../../sandbox/naver-commerce/index.ts';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.ts';
import { memoryRateCounter } from '../naver/helpers.ts';

export const app: NaverCommerceCredentials = { clientId: NAVER_COMMERCE_SANDBOX_APP.clientId, clientSecret: NAVER_COMMERCE_SANDBOX_APP.clientSecret };

export interface Commerce {
  sandbox: RunningSandbox;
  baseUrl: string;
  /** A sandbox control call: POST with a body, GET without. */
  control(action: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

export const startCommerce = async (options: NaverCommerceSandboxOptions = {}): Promise<Commerce> => {
  const sandbox = await startSandbox([naverCommerceSandbox(options)]);
  const baseUrl = sandbox.urls[NAVER_COMMERCE_SANDBOX_NAME]!;
  const control = async (action: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}/__sandbox/${action}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
    return res.json() as Promise<any>;
  };
  return { sandbox, baseUrl, control, close: () => sandbox.close() };
};

/** One tenant's naver_commerce connection as the platform port keeps it: none, active, or rejected (with the code). */
export const scriptedConnections = (credentials: NaverCommerceCredentials = app) => {
  const state = { status: 'active' as 'none' | 'active' | 'rejected', rejectedCode: null as string | null, opened: 0 };
  const port: TenantConnections = {
    open: async (_tenantId, channel) => {
      if (state.status === 'none') throw new DomainError('not_found', `This tenant has no ${channel} connection`, { details: { channel } });
      if (state.status === 'rejected') {
        throw new DomainError('upstream_failed', `The ${channel} connection was refused by the provider (${state.rejectedCode}) and must be renewed`, {
          details: { channel, connectionId: 'conn-1', providerCode: state.rejectedCode, renew: true },
        });
      }
      state.opened++;
      return { connectionId: 'conn-1', channel, credentials } as unknown as OpenedConnection<typeof channel>;
    },
    markRejected: async (_tenantId, connectionId, providerCode) => {
      if (connectionId !== 'conn-1') throw new Error(`marked ${connectionId}`);
      state.status = 'rejected';
      state.rejectedCode = providerCode;
    },
  };
  return { port, state };
};

export interface ClientSetup {
  tokens: NaverCommerceTokens;
  client: NaverCommerceClient;
  warnings: { message: string; attributes: Record<string, unknown> }[];
}

/** A shared counter with room for every call: for a clock the test holds still, on which no rate slot ever ends. */
export const roomForEveryCall: RateCounter = {
  consume: async (r) => ({ allowed: true, count: r.amount ?? 1, limit: r.limit, resetAt: new Date(0) }),
  peek: async () => ({ count: 0, resetAt: new Date(0) }),
};

/**
 * A client on `now` (default real time). The rate slots are kept by that clock, as the platform's counter keeps
 * them; a test that holds its clock still passes `roomForEveryCall`.
 */
export const clientOver = (baseUrl: string, options: { now?: () => number; rateCounter?: RateCounter; maxAttempts?: number; maxDelayMs?: number } = {}): ClientSetup => {
  const clock = { now: () => new Date(options.now?.() ?? Date.now()) };
  const tokens = naverCommerceTokens({ baseUrl, timeoutMs: 5_000, retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, clock });
  const warnings: ClientSetup['warnings'] = [];
  const client = naverCommerceClient(
    { baseUrl, tokens, timeoutMs: 5_000, retry: { maxAttempts: options.maxAttempts ?? 4, baseDelayMs: 1, maxDelayMs: options.maxDelayMs ?? 2_000 }, ratePerSecond: 20, rateMaxWaitMs: 10_000 },
    { rateCounter: options.rateCounter ?? memoryRateCounter(() => clock.now().getTime()), cache: undefined as never, clock, warn: (message, attributes) => void warnings.push({ message, attributes }) },
  );
  return { tokens, client, warnings };
};
