import type { Logger } from '@aws-lambda-powertools/logger';
import { InMemStorageProvider, Unleash, UnleashEvents } from 'unleash-client';
import type { FeatureFlags, FlagContext } from '../../core/platform/flags.ts';

export interface UnleashFlagsOptions {
  /** The Unleash API base, e.g. `https://unleash.example.com/api` (the client appends `/client/features`). */
  url: string;
  /** A client (backend) token, sent as the Authorization header. */
  token: string;
  appName: string;
  refreshIntervalMs: number;
  logger: Logger;
  /**
   * Bound on each request to Unleash (default 10 s). It also caps the delay between the client's two retries of
   * a failed fetch, whose floor is 1 s: values under 1000 make every fetch fail.
   */
  timeoutMs?: number;
  /** Usage metrics posted to `/client/metrics` (default on, as Unleash expects). */
  sendMetrics?: boolean;
}

export interface UnleashFlags extends FeatureFlags {
  /** True once the first flag set has arrived; until then every flag is off. */
  readonly synchronized: boolean;
  /** Resolves on the first synchronisation (tests and diagnostics; start-up never waits for it). */
  synchronization(): Promise<void>;
  close(): void;
}

/**
 * Feature flags from an Unleash server through `unleash-client`. Every flag is off until the first flag set
 * arrives, and stays off for good when the server rejects the token; once synchronised, the client keeps its
 * last known flags while the server is unreachable. No evaluation passes a `true` fallback.
 */
export const unleashFlags = (options: UnleashFlagsOptions): UnleashFlags => {
  const { logger } = options;
  const client = new Unleash({
    url: options.url,
    appName: options.appName,
    customHeaders: { Authorization: options.token },
    refreshInterval: options.refreshIntervalMs,
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    disableMetrics: options.sendMetrics === false,
    // No on-disk backup: a stale file from another deployment must never switch flags on.
    storageProvider: new InMemStorageProvider(),
    skipInstanceCountWarning: true,
  });

  let synchronized = false;
  let resolveSync: () => void;
  const synced = new Promise<void>((resolve) => (resolveSync = resolve));
  // Failures repeat on every poll: each distinct one is logged once, and again only after a success.
  const reported = new Set<string>();
  let rejected = false;
  const reportOnce = (key: string, log: () => void): void => {
    if (reported.has(key) || reported.size >= 20) return;
    reported.add(key);
    log();
  };
  const recovered = (): void => {
    if (reported.size > 0) logger.info('Unleash reachable again', { url: options.url });
    reported.clear();
  };

  const enabledNames = (): string[] =>
    client
      .getFeatureToggleDefinitions()
      .filter((f) => f.enabled)
      .map((f) => f.name)
      .sort();

  // `synchronized` follows `ready` by a tick in the client, so evaluations answer from the fetched set from here on.
  let lastEnabled = '';
  client.on(UnleashEvents.Synchronized, () => {
    const enabled = enabledNames();
    synchronized = true;
    lastEnabled = enabled.join('\n');
    logger.info('feature flags synchronised with Unleash', { url: options.url, enabled });
    resolveSync();
  });
  // Every successful poll without an ETag emits `changed`; log only when the set of enabled flags differs.
  client.on(UnleashEvents.Changed, () => {
    recovered();
    if (!synchronized) return;
    const enabled = enabledNames();
    const signature = enabled.join('\n');
    if (signature !== lastEnabled) {
      lastEnabled = signature;
      logger.info('feature flags changed', { enabled });
    }
  });
  client.on(UnleashEvents.Unchanged, recovered);
  client.on(UnleashEvents.Error, (error: Error) => {
    if (/responded (401|403)\b/.test(error.message)) {
      if (rejected) return;
      rejected = true;
      logger.error('Unleash rejected the API token (UNLEASH_API_TOKEN); polling stopped', {
        url: options.url,
        consequence: synchronized ? 'flags keep their last known state' : 'every flag stays off',
      });
      return;
    }
    reportOnce(`error:${error.message}`, () =>
      logger.warn('cannot reach Unleash', {
        url: options.url,
        error: error.message,
        consequence: synchronized ? 'flags keep their last known state' : 'every flag is off until it answers',
      }),
    );
  });
  client.on(UnleashEvents.Warn, (message: unknown) => {
    const warning = String(message);
    reportOnce(`warn:${warning}`, () => logger.warn('Unleash warning', { url: options.url, warning }));
  });

  return {
    get synchronized() {
      return synchronized;
    },
    synchronization: () => synced,
    isEnabled: (flag: string, context?: FlagContext) => {
      // Before synchronisation the client would answer its fallback (false) but also emit a warning per call.
      if (!synchronized) return false;
      if (!context || (context.tenantId === undefined && context.userId === undefined)) return client.isEnabled(flag);
      return client.isEnabled(flag, {
        ...(context.userId !== undefined ? { userId: context.userId } : {}),
        // `tenantId` is a custom context field: strategies and constraints in Unleash can target it.
        ...(context.tenantId !== undefined ? { properties: { tenantId: context.tenantId } } : {}),
      });
    },
    close: () => {
      client.destroy();
      // destroy() drops the repository's listeners, but a poll still in flight emits `error` on it when it
      // fails, which without a listener would throw and end the process.
      (client as unknown as { repository?: { on(event: string, fn: () => void): void } }).repository?.on('error', () => {});
    },
  };
};
