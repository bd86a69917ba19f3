/**
 * 1688 test fixtures: the sandbox gateway on loopback and a runtime whose 1688 client points at it (fast retries),
 * with tenant tokens.
 */
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import type { Principal } from '../../core/platform/principal.ts';
import type { Ports } from '../../core/ports.ts';
import { startSandbox, type RunningSandbox } from '../../sandbox/index.ts';
import { ALIBABA_SANDBOX_CREDENTIALS as creds, alibabaSandboxProviders } from '../../sandbox/alibaba/index.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';

export const TOKEN = 'alibaba-test-token';
export const auth = { authorization: `Bearer ${TOKEN}` };
const principals = new Map<string, Principal>([[TOKEN, { kind: 'tenant', tenantId: 'tenant-1', actorId: 'user-1', role: 'owner', via: 'api_key' }]]);

export const startAlibabaSandbox = (): Promise<RunningSandbox> => startSandbox(alibabaSandboxProviders());

export const alibabaEnv = (sandbox: RunningSandbox, extra: Record<string, string> = {}): Record<string, string> => ({
  ALIBABA_BASE_URL: sandbox.urls.alibaba!,
  ALIBABA_APP_KEY: creds.appKey,
  ALIBABA_APP_SECRET: creds.appSecret,
  ALIBABA_ACCESS_TOKEN: creds.accessToken,
  ALIBABA_RETRY_BASE_MS: '5',
  ALIBABA_RETRY_MAX_MS: '40',
  // Generous: a loaded machine must not turn a slow answer into a retry the tests would count.
  ALIBABA_TIMEOUT_MS: '15000',
  ALIBABA_RATE_PER_SECOND: '1000',
  DATA_DIR: 'memory://',
  ...extra,
});

export const alibabaRuntime = (sandbox: RunningSandbox, options: { env?: Record<string, string>; overrides?: Partial<Ports> } = {}): Promise<TestRuntime> =>
  testRuntime({ env: alibabaEnv(sandbox, options.env), overrides: { auth: memoryAuthenticator(principals), ...options.overrides } });
