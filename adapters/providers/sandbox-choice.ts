/**
 * Whether a provider's sandbox stands in for it, and starting it. The sandbox modules are imported only when
 * one starts, so a configured production process never loads them.
 */
import type { RunningSandbox } from '../../sandbox/server.ts';
import type { SandboxProvider } from '../../sandbox/types.ts';

export interface SandboxSetting {
  /** The provider's `<PROVIDER>_SANDBOX` variable. */
  setting: 'auto' | 'on' | 'off';
  nodeEnv: string;
  /** Whether every credential the provider needs is configured. */
  configured: boolean;
}

/** on: always; auto: when credentials are missing, never in production; off: never. */
export const wantsSandbox = ({ setting, nodeEnv, configured }: SandboxSetting): boolean =>
  setting === 'on' || (setting === 'auto' && nodeEnv !== 'production' && !configured);

/**
 * Starts the providers' sandbox on loopback and says so with `announce` (its base URLs by provider name): a
 * start-up line is how an operator learns that calls go to a sandbox, not to the provider.
 */
export const startProviderSandbox = async (
  providers: () => Promise<readonly SandboxProvider[]>,
  announce: (urls: Record<string, string>) => void,
): Promise<RunningSandbox> => {
  const { startSandbox } = await import('../../sandbox/server.ts');
  const sandbox = await startSandbox(await providers());
  announce(sandbox.urls);
  return sandbox;
};

/** The base URL of one provider of a started sandbox. */
export const sandboxUrl = (sandbox: RunningSandbox, name: string): string => {
  const url = sandbox.urls[name];
  if (!url) throw new Error(`the sandbox serves no provider named ${name}`);
  return url;
};
