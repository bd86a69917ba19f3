import type { Logger } from '@aws-lambda-powertools/logger';
import type { FeatureFlags } from '../../core/platform/flags.ts';
import { ConfigError, type Config } from '../config.ts';
import { FlagFileError, readFlagFile, staticFlags } from '../memory/flags.ts';
import type { Tracing } from './tracing.ts';

/**
 * Flags from configuration: Unleash when UNLEASH_URL is set, else FEATURE_FLAGS_FILE plus FEATURE_FLAGS.
 * Start-up never waits for Unleash; every flag is off until its first answer.
 */
export const flagsFromConfig = async (config: Config, logger: Logger): Promise<{ flags: FeatureFlags; close(): void }> => {
  if (config.UNLEASH_URL) {
    // Loaded only when configured: the client is a sizeable module most local runs never need.
    const { unleashFlags } = await import('../unleash/flags.ts');
    const flags = unleashFlags({
      url: config.UNLEASH_URL,
      token: config.UNLEASH_API_TOKEN!,
      appName: config.UNLEASH_APP_NAME,
      refreshIntervalMs: config.UNLEASH_REFRESH_MS,
      logger,
    });
    return { flags, close: () => flags.close() };
  }
  let rules = {};
  if (config.FEATURE_FLAGS_FILE) {
    try {
      rules = readFlagFile(config.FEATURE_FLAGS_FILE);
    } catch (error) {
      if (error instanceof FlagFileError) throw new ConfigError([`FEATURE_FLAGS_FILE: ${error.message}, got ${JSON.stringify(config.FEATURE_FLAGS_FILE)}`]);
      throw error;
    }
  }
  return { flags: staticFlags(config.FEATURE_FLAGS, rules), close: () => {} };
};

/** Tracing is on when OTEL_TRACES_ENABLED says so, or (unset) when an OTLP endpoint is configured. */
export const tracingEnabled = (config: Config): boolean => config.OTEL_TRACES_ENABLED ?? config.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined;

/** The tracer when tracing is on; the SDK is loaded only then, so a process without tracing never evaluates it. */
export const tracingFromConfig = async (config: Config, serviceVersion: string, logger: Logger): Promise<Tracing | undefined> => {
  if (!tracingEnabled(config)) return undefined;
  const { createTracing } = await import('./tracing.ts');
  return createTracing({
    serviceName: config.OTEL_SERVICE_NAME,
    serviceVersion,
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT!,
    onProblem: (message) => logger.warn('tracing: spans not exported', { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, problem: message }),
  });
};
