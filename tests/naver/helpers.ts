/**
 * Naver test fixtures: the sandbox on loopback, a runtime whose Naver clients point at it (fast retries), a tenant
 * token, and in-memory RateCounter/ResponseCache for adapter-level tests.
 */
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import { startSandbox, type RunningSandbox } from '../../sandbox/index.ts';
import { NAVER_SANDBOX_CREDENTIALS as creds, naverSandboxProviders } from '../../sandbox/naver/index.ts';
import { windowBounds, type RateCounter } from '../../core/platform/rate-counter.ts';
import { encodeCacheValue, type ResponseCache } from '../../core/platform/response-cache.ts';
import type { Principal } from '../../core/platform/principal.ts';
import type { Ports } from '../../core/ports.ts';
import type { Database } from '../../adapters/postgres/database.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';

export const TOKEN = 'naver-test-token';
export const OTHER_TOKEN = 'naver-other-tenant-token';
export const auth = { authorization: `Bearer ${TOKEN}` };
const principals = new Map<string, Principal>([
  [TOKEN, { kind: 'tenant', tenantId: 'tenant-1', actorId: 'user-1', role: 'owner', via: 'api_key' }],
  [OTHER_TOKEN, { kind: 'tenant', tenantId: 'tenant-2', actorId: 'user-2', role: 'owner', via: 'api_key' }],
]);

export const startNaverSandbox = (): Promise<RunningSandbox> => startSandbox(naverSandboxProviders());

/** Environment pointing the real clients at the sandbox with its credentials; retries fast. */
export const sandboxEnv = (sandbox: RunningSandbox, extra: Record<string, string> = {}): Record<string, string> => ({
  NAVER_OPENAPI_BASE_URL: sandbox.urls.naverOpenApi!,
  NAVER_CLIENT_ID: creds.clientId,
  NAVER_CLIENT_SECRET: creds.clientSecret,
  NAVER_SEARCHAD_BASE_URL: sandbox.urls.naverSearchAd!,
  NAVER_SEARCHAD_API_KEY: creds.searchAdApiKey,
  NAVER_SEARCHAD_SECRET: creds.searchAdSecret,
  NAVER_SEARCHAD_CUSTOMER_ID: creds.searchAdCustomerId,
  NAVER_RETRY_BASE_MS: '5',
  NAVER_RETRY_MAX_MS: '40',
  NAVER_TIMEOUT_MS: '2000',
  NAVER_OPENAPI_RATE_PER_SECOND: '1000',
  NAVER_SEARCHAD_RATE_PER_SECOND: '1000',
  NAVER_KEYWORD_BATCH_WINDOW_MS: '0',
  // Rate counters and the response cache in an in-memory PGlite, as in production but throwaway.
  DATA_DIR: 'memory://',
  ...extra,
});

export const naverRuntime = (sandbox: RunningSandbox, options: { env?: Record<string, string>; database?: Database; overrides?: Partial<Ports> } = {}): Promise<TestRuntime> =>
  testRuntime({
    env: sandboxEnv(sandbox, options.env),
    overrides: { auth: memoryAuthenticator(principals), ...options.overrides },
    ...(options.database ? { database: options.database } : {}),
  });

/** Sandbox control calls. */
export const control = async (base: string, action: string, body?: unknown): Promise<any> => {
  const res = await fetch(`${base}/__sandbox/${action}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`sandbox control ${action}: ${res.status} ${await res.text()}`);
  return res.json();
};

export { memoryRateCounter } from '../helpers/rate-counter.ts';

export const memoryResponseCache = (): ResponseCache & { keys(): string[] } => {
  const entries = new Map<string, { text: string; storedAt: Date; expiresAt: Date }>();
  return {
    keys: () => [...entries.keys()],
    get: async <T>(key: string) => {
      const e = entries.get(key);
      return e && e.expiresAt.getTime() > Date.now() ? { value: JSON.parse(e.text) as T, storedAt: e.storedAt, expiresAt: e.expiresAt } : null;
    },
    put: async (key, value, ttlMs) => {
      entries.set(key, { text: encodeCacheValue(key, value, ttlMs), storedAt: new Date(), expiresAt: new Date(Date.now() + ttlMs) });
    },
    delete: async (key) => void entries.delete(key),
  };
};
