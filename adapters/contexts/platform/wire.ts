/**
 * The platform's ports, which are the shared infrastructure every context builds on: flags, tracing, the
 * database and key-value stores, tenants and credentials, metrics, /health, build facts and the API document.
 * A test's replacement takes each one's place here, before any context is wired from them.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { tenantConnections } from '../../../core/platform/channel-connections.ts';
import { healthMonitor } from '../../../core/platform/health.ts';
import type { KeyVault, Ports } from '../../../core/ports.ts';
import { systemClock } from '../../../core/shared/clock.ts';
import { accessAuthenticator } from '../../auth/authenticator.ts';
import { cachedAuthenticator } from '../../auth/cached.ts';
import { ACCESS_CHANNEL, forgettingRevokedKeys, parseKeyChange, verifiedKeys, type VerifiedKeys } from '../../auth/key-cache.ts';
import { failureGuard } from '../../auth/failures.ts';
import { jwtFromConfig } from '../../auth/jwt.ts';
import { buildInfo } from '../../build-info.ts';
import type { Config } from '../../config.ts';
import type { HttpMetrics } from '../../observability/metrics.ts';
import { flagsFromConfig, tracingFromConfig } from '../../observability/setup.ts';
import type { Tracing } from '../../observability/tracing.ts';
import { postgresAccessStore } from '../../postgres/access.ts';
import type { Database, Listening } from '../../postgres/database.ts';
import { openPersistence } from '../../postgres/persistence.ts';
import { aesGcmVault, developmentKey, parseEncryptionKeys } from '../../secrets/key-vault.ts';
import type { Profile, Shared } from '../context.ts';
import { alibabaGrantsFromConfig, channelVerifierFromConfig } from './connections.ts';
import { keyValueStores } from './key-value.ts';

export interface Platform {
  shared: Shared;
  tracing: Tracing | undefined;
  /** The request metrics this process records, when the profile and METRICS_ENABLED want them. */
  metrics: HttpMetrics | undefined;
  /** Appends the aggregated audit entries of failed authentication now, windows still open included. */
  flushAuthFailures(): Promise<void>;
  /** The verified-key cache and its change feed, where the profile keeps one. */
  keyCache: { keys: VerifiedKeys; changes: Listening } | undefined;
  /** Resolves once the database is open and migrated (at once where it opens on first use); rejects when it cannot be. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface PlatformOptions {
  profile: Profile;
  logger: Logger;
  /** Ports a test gives in place of the configured ones. */
  replacements: Partial<Ports>;
  /** Use this database instead of the configured one (tests: a fresh PGlite); the caller closes it. */
  database?: Database;
  /** Open the database on first use instead of at start (tests that may never touch it). */
  lazyDatabase?: boolean;
}

/** The vault's keys: configured, or outside production a key derived from the data directory. */
const vaultFromConfig = (config: Config, logger: Logger): KeyVault => {
  if (config.BILLING_KEY_ENCRYPTION_KEYS) {
    const keys = parseEncryptionKeys(config.BILLING_KEY_ENCRYPTION_KEYS);
    const [first = ''] = keys.keys();
    return aesGcmVault(keys, config.BILLING_KEY_ACTIVE_ID ?? first);
  }
  // The config schema refuses production without keys; elsewhere a key derived from the data directory.
  if (config.NODE_ENV === 'production') throw new Error('BILLING_KEY_ENCRYPTION_KEYS is required in production');
  if (config.NODE_ENV === 'development') {
    logger.warn('BILLING_KEY_ENCRYPTION_KEYS is not set: billing keys and channel connections are sealed with a development key derived from DATA_DIR; never use this in production');
  }
  return aesGcmVault(developmentKey(config.DATA_DIR), 'dev');
};

const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= make());
};

export const wirePlatform = async (config: Config, options: PlatformOptions): Promise<Platform> => {
  const { profile, logger, replacements: given } = options;
  const clock = given.clock ?? systemClock;
  const onError = (message: string, error: unknown) => logger.error(message, { error: error as Error });

  // The document is built on first request, and its code (the OpenAPI builder, the YAML writer: about 250 kB
  // minified) loads only then: start-up stays fast, and a per-endpoint Lambda carries it only where it serves it.
  const document = once(async () => (await import('../../openapi.ts')).buildOpenApi(profile.endpoints));
  const json = once(async () => JSON.stringify(await document()));
  const yaml = once(async () => (await import('../../openapi.ts')).openApiYaml(await document()));

  // Before the database opens: a bad flag file stops the start without touching it.
  const build = buildInfo(config.BUILD_COMMIT);
  const flags = given.flags ? { flags: given.flags, close: () => {} } : await flagsFromConfig(config, logger);
  const tracing = await tracingFromConfig(config, build.version, logger);

  // The database and key-value stores, opened and migrated at start (Lambda: in its init phase) unless lazyDatabase.
  // The open goes on while the rest is wired and the contexts start (the embedded engine starts in its own thread);
  // the runtime waits for it before it is handed out (`ready`).
  const persistence = openPersistence(config, { logger, pipelined: profile.pipelinedStatements === true, ...(options.database ? { database: options.database } : {}) });
  const stores = await keyValueStores(config, { database: persistence.database, clock, logger, background: profile.background });
  const ready = options.lazyDatabase ? Promise.resolve() : persistence.start();
  // Awaited by the runtime; until then a failure is not unhandled.
  ready.catch(() => {});
  const rateCounter = given.rateCounter ?? stores.ports.rateCounter;

  // Tenants, keys and the audit log live in the database; the authenticator reads keys from the same store.
  const stored = given.access ?? postgresAccessStore(persistence.database);
  const jwt = jwtFromConfig(config);
  // Failed authentication: counted per source and key prefix in the shared rate counter, audited per window.
  const failures = failureGuard({ counter: rateCounter, audit: stored.audit, clock, onError });
  // Verified keys stay in memory where the profile asks, over a store whose changes this process hears about.
  const database = persistence.database;
  const keys =
    profile.verifiedKeyCache && !given.access && database.listen && config.API_KEY_CACHE_TTL_MS > 0
      ? verifiedKeys({ ttlMs: config.API_KEY_CACHE_TTL_MS, now: () => clock.now().getTime() })
      : undefined;
  const access = keys ? forgettingRevokedKeys(stored, keys) : stored;
  const keyChanges = keys
    ? database.listen!(ACCESS_CHANNEL, {
        onNotify: (payload) => keys.forget(parseKeyChange(payload)),
        onGap: () => keys.suspend(),
        onListening: () => keys.resume(),
        onError: (error) => logger.warn('lost the database change feed of API keys; keys are looked up on every request until it is back', { error: error as Error }),
      })
    : undefined;
  const authenticator = accessAuthenticator({ store: access, clock, ...(jwt ? { jwt } : {}), failures, onError, ...(keys ? { keys } : {}) });
  // The metrics code loads only where metrics are kept (not in a Lambda, whose profile turns them off).
  const metrics =
    config.METRICS_ENABLED && profile.metrics !== 'off'
      ? (await import('../../observability/metrics.ts')).createHttpMetrics({
          token: config.METRICS_TOKEN,
          processMetrics: profile.metrics === 'process',
          ...(config.DEPLOY_LOG ? { extra: (await import('../../observability/dora-metrics.ts')).doraMetrics(config.DEPLOY_LOG) } : {}),
        })
      : undefined;

  const vault = given.vault ?? vaultFromConfig(config, logger);
  // Connections' credentials are verified at the providers (or the Naver Commerce sandbox) before they are stored.
  const verifiers = given.channelVerifier ? null : channelVerifierFromConfig(config, { clock, logger });
  if (verifiers && profile.eagerProviders) await verifiers.start();
  const grantClients = given.alibabaGrants ? null : alibabaGrantsFromConfig(config, { logger });
  const alibabaGrants = given.alibabaGrants ?? grantClients!.grants;

  const ports: Shared['ports'] = {
    clock,
    access,
    vault,
    connections: given.connections ?? tenantConnections({ store: access, vault, clock, grants: alibabaGrants }),
    alibabaGrants,
    channelVerifier: given.channelVerifier ?? verifiers!.verifier,
    auth: given.auth ?? (profile.cacheCredentialsMs ? cachedAuthenticator(authenticator, profile.cacheCredentialsMs) : authenticator),
    flags: flags.flags,
    metrics: given.metrics ?? metrics,
    health: given.health ?? healthMonitor([persistence.healthCheck, ...stores.healthChecks], clock, config.HEALTH_TIMEOUT_MS, config.HEALTH_CACHE_MS),
    idempotency: given.idempotency ?? stores.ports.idempotency,
    rateCounter,
    responseCache: given.responseCache ?? stores.ports.responseCache,
    build: given.build ?? build,
    apiDocument: given.apiDocument ?? { json, yaml },
  };
  return {
    shared: { ports, logger, database: persistence.database },
    tracing,
    metrics,
    flushAuthFailures: () => failures.flush(true),
    keyCache: keys && keyChanges ? { keys, changes: keyChanges } : undefined,
    ready,
    close: async () => {
      await keyChanges?.close();
      await failures.close();
      flags.close();
      metrics?.close();
      stores.close();
      await verifiers?.close();
      await grantClients?.close();
      await persistence.close();
    },
  };
};
