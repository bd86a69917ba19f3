/**
 * The Coupang part of the provider sandbox: the Open API gateway (Partners and Wing) on a port of its own, with
 * fixed test credentials (docs/coupang.md). Point COUPANG_BASE_URL at it and the clients cannot tell it from Coupang.
 */
import type { SandboxProvider } from '../types.ts';
import { coupangSandbox } from './gateway.ts';

export const COUPANG_SANDBOX_CREDENTIALS = {
  partnersAccessKey: 'sandbox-partners-access-key',
  partnersSecretKey: 'sandbox-partners-secret-key',
  /** A Wing account, as a seller would register it as a connection. */
  wing: { vendorId: 'A00012345', accessKey: 'sandbox-wing-access-key', secretKey: 'sandbox-wing-secret-key' },
  /** A second vendor, for checks that one vendor's key cannot act for another. */
  otherWing: { vendorId: 'A00067890', accessKey: 'sandbox-wing-other-access-key', secretKey: 'sandbox-wing-other-secret-key' },
} as const;

/** The provider name, also the key of its base URL in RunningSandbox.urls. */
export const COUPANG_SANDBOX_NAME = 'coupang';

export const coupangSandboxProviders = (): SandboxProvider[] => [
  coupangSandbox({
    partners: { accessKey: COUPANG_SANDBOX_CREDENTIALS.partnersAccessKey, secretKey: COUPANG_SANDBOX_CREDENTIALS.partnersSecretKey },
    wing: [COUPANG_SANDBOX_CREDENTIALS.wing, COUPANG_SANDBOX_CREDENTIALS.otherWing],
  }),
];

export { coupangSandbox };
