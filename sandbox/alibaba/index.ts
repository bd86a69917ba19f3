/**
 * The 1688 part of the provider sandbox: the open platform gateway on a port of its own, with fixed test
 * credentials (docs/alibaba.md). Point ALIBABA_BASE_URL at it and the client cannot tell it from 1688.
 */
import type { SandboxProvider } from '../types.ts';
import { alibabaSandbox } from './gateway.ts';

export const ALIBABA_SANDBOX_CREDENTIALS = {
  appKey: '9900001',
  appSecret: 'sandbox-1688-app-secret',
  accessToken: 'sandbox-1688-access-token',
} as const;

/** The provider name, also the key of its base URL in RunningSandbox.urls. */
export const ALIBABA_SANDBOX_NAME = 'alibaba';

export const alibabaSandboxProviders = (): SandboxProvider[] => [alibabaSandbox(ALIBABA_SANDBOX_CREDENTIALS)];

export { alibabaSandbox };
