/**
 * The Naver part of the provider sandbox: the Open API and Search Ad on ports of their own, with fixed test
 * credentials (docs/naver.md). Point the adapters' base URLs at them and they cannot tell them from Naver.
 */
import type { SandboxProvider } from '../types.ts';
import { naverOpenApiSandbox } from './open-api.ts';
import { naverSearchAdSandbox } from './search-ad.ts';

export const NAVER_SANDBOX_CREDENTIALS = {
  clientId: 'sandbox-naver-client-id',
  clientSecret: 'sandbox-naver-client-secret',
  searchAdApiKey: 'sandbox-searchad-access-license',
  searchAdSecret: 'sandbox-searchad-secret-key',
  searchAdCustomerId: '1234567',
} as const;

/** Provider names, which are also the keys of their base URLs in RunningSandbox.urls. */
export const NAVER_SANDBOX_NAMES = ['naverOpenApi', 'naverSearchAd'] as const;

export const naverSandboxProviders = (): SandboxProvider[] => [
  naverOpenApiSandbox({ clientId: NAVER_SANDBOX_CREDENTIALS.clientId, clientSecret: NAVER_SANDBOX_CREDENTIALS.clientSecret }),
  naverSearchAdSandbox({
    apiKey: NAVER_SANDBOX_CREDENTIALS.searchAdApiKey,
    secret: NAVER_SANDBOX_CREDENTIALS.searchAdSecret,
    customerId: NAVER_SANDBOX_CREDENTIALS.searchAdCustomerId,
  }),
];

export { naverOpenApiSandbox, naverSearchAdSandbox };
