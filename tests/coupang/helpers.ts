/**
 * Coupang test fixtures: the sandbox on loopback, environment pointing the real clients at it (fast retries), a
 * runtime with tenant tokens, an in-memory TenantConnections, and a CEA signer written here from the contract
 * (not the adapter's) for checks of both sides.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import type { Principal } from '../../core/platform/principal.ts';
import type { Ports } from '../../core/ports.ts';
import type { Database } from '../../adapters/postgres/database.ts';
import { startSandbox, type RunningSandbox } from '../../sandbox/index.ts';
import { COUPANG_SANDBOX_CREDENTIALS as creds, coupangSandboxProviders } from '../../sandbox/coupang/index.ts';
import { naverSandboxProviders } from '../../sandbox/naver/index.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { sandboxEnv as naverEnv } from '../naver/helpers.ts';

export const TOKEN = 'coupang-test-token';
export const OTHER_TOKEN = 'coupang-other-tenant-token';
export const auth = { authorization: `Bearer ${TOKEN}` };
export const otherAuth = { authorization: `Bearer ${OTHER_TOKEN}` };
const principals = new Map<string, Principal>([
  [TOKEN, { kind: 'tenant', tenantId: 'tenant-1', actorId: 'user-1', role: 'owner', via: 'api_key' }],
  [OTHER_TOKEN, { kind: 'tenant', tenantId: 'tenant-2', actorId: 'user-2', role: 'member', via: 'api_key' }],
]);

/** Naver and Coupang sandboxes together: cross-market reads both. */
export const startMarketsSandbox = (): Promise<RunningSandbox> => startSandbox([...naverSandboxProviders(), ...coupangSandboxProviders()]);

export const coupangEnv = (sandbox: RunningSandbox, extra: Record<string, string> = {}): Record<string, string> => ({
  ...naverEnv(sandbox),
  COUPANG_BASE_URL: sandbox.urls.coupang!,
  COUPANG_PARTNERS_ACCESS_KEY: creds.partnersAccessKey,
  COUPANG_PARTNERS_SECRET_KEY: creds.partnersSecretKey,
  COUPANG_RETRY_BASE_MS: '5',
  COUPANG_RETRY_MAX_MS: '40',
  COUPANG_TIMEOUT_MS: '2000',
  COUPANG_WING_RATE_PER_SECOND: '1000',
  ...extra,
});

export const coupangRuntime = (sandbox: RunningSandbox, options: { env?: Record<string, string>; database?: Database; overrides?: Partial<Ports> } = {}): Promise<TestRuntime> =>
  testRuntime({
    env: coupangEnv(sandbox, options.env),
    overrides: { auth: memoryAuthenticator(principals), ...options.overrides },
    ...(options.database ? { database: options.database } : {}),
  });

/** Sandbox control calls (the Coupang sandbox shares the Naver sandbox's `/__sandbox` controls). */
export { control } from '../naver/helpers.ts';
import { control } from '../naver/helpers.ts';

/** Starts the Coupang sandbox for the file's tests, resets it before each test, and answers its address. */
export const useCoupangSandbox = (): { base: () => string } => {
  let sandbox: RunningSandbox | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox(coupangSandboxProviders());
  });
  afterAll(() => sandbox?.close());
  beforeEach(() => control(sandbox!.urls.coupang!, 'reset', {}));
  return { base: () => sandbox!.urls.coupang! };
};

/** The contract's CEA signature, computed here: HMAC-SHA256 over date + method + path + raw query, hex. */
export const independentSignature = (secret: string, signedDate: string, method: string, path: string, rawQuery: string): string =>
  createHmac('sha256', secret).update(`${signedDate}${method}${path}${rawQuery}`, 'utf8').digest('hex');

export const signedDateOf = (at: Date): string => at.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, '$1$2$3T$4$5$6Z');

/** A raw signed call to the sandbox, bypassing the adapter. */
export const signedFetch = (base: string, key: { accessKey: string; secretKey: string }, path: string, rawQuery: string, options: { at?: Date; secret?: string; headers?: Record<string, string> } = {}) => {
  const signedDate = signedDateOf(options.at ?? new Date());
  const signature = independentSignature(options.secret ?? key.secretKey, signedDate, 'GET', path, rawQuery);
  return fetch(`${base}${path}${rawQuery ? `?${rawQuery}` : ''}`, {
    headers: { authorization: `CEA algorithm=HmacSHA256, access-key=${key.accessKey}, signed-date=${signedDate}, signature=${signature}`, ...options.headers },
  });
};

export { memoryConnections } from './memory-connections.ts';
export { creds };
