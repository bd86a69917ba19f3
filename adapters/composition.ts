/**
 * The composition root: configuration in, ports and handlers out. The one module that knows every adapter.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Ports } from '../core/ports.ts';
import { systemClock } from '../core/shared/clock.ts';
import { healthMonitor } from '../core/platform/health.ts';
import type { AnyEndpoint, HandlerOptions, LineSink } from '../handlers/runtime.ts';
import type { Config } from './config.ts';
import { buildInfo } from './build-info.ts';
import { createDispatcher, type Dispatcher } from './dispatch.ts';
import { bufferedLineSink, createRootLogger } from './logging.ts';
import { postgresAccessStore } from './postgres/access.ts';
import { accessAuthenticator } from './auth/authenticator.ts';
import { failureGuard } from './auth/failures.ts';
import { jwtFromConfig } from './auth/jwt.ts';
import { flagsFromConfig, tracingFromConfig } from './observability/setup.ts';
import { createHttpMetrics } from './observability/metrics.ts';
import { tracedDatabase } from './observability/traced-database.ts';
import type { Tracing } from './observability/tracing.ts';
import type { Database } from './postgres/database.ts';
import { buildPersistence } from './postgres/persistence.ts';
import { buildOpenApi, openApiYaml } from './openapi.ts';
import { naverFromConfig } from './naver/from-config.ts';
import { billingFromConfig } from './toss/from-config.ts';
import { consumeApiCall, recordApiCalls } from '../core/billing/entitlements.ts';
import { outageGrace } from '../core/platform/quota.ts';
import type { Authenticator } from '../core/platform/principal.ts';
import { cachedAuthenticator } from './auth/cached.ts';

export type Mode = 'server' | 'lambda' | 'cli';

export interface RuntimeOptions {
  endpoints: readonly AnyEndpoint[];
  mode: Mode;
  /**
   * Remember accepted credentials this long (the CLI: a batch signs every line with one key, so it is checked
   * once a minute rather than once a line). Off by default: a revoked key stops at once.
   */
  cacheCredentialsMs?: number;
  /** Count tenant calls against their plan's daily budget; default: on for the HTTP and Lambda drivers. */
  meter?: boolean;
  /** Replace ports (tests); anything not given is built from config. */
  overrides?: Partial<Ports>;
  /** Where access lines go; default stdout (stderr for the CLI), or off when ACCESS_LOG=false. */
  accessLog?: LineSink | null;
  logger?: Logger;
  /** Use this database instead of the configured one (tests: a fresh PGlite); the caller closes it. */
  database?: Database;
  /** Open the database on first use instead of at start (tests that may never touch it). */
  lazyDatabase?: boolean;
}

export interface Runtime {
  config: Config;
  ports: Ports;
  logger: Logger;
  options: HandlerOptions;
  dispatcher: Dispatcher;
  /** The relational database (PostgreSQL or the embedded PGlite) for repositories; opened on first use. */
  database: Database;
  /** The tracer when tracing is on: wrap outbound calls with `tracedFetch(runtime.tracing)`. */
  tracing: Tracing | undefined;
  /** Writes buffered access lines now (Lambda, before the environment may freeze). */
  flushLogs(): void;
  /** Appends the aggregated audit entries of failed authentication now, windows still open included. */
  flushAuthFailures(): Promise<void>;
  close(): Promise<void>;
}

const lazy = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= make());
};

export const buildRuntime = async (config: Config, runtime: RuntimeOptions): Promise<Runtime> => {
  const toStderr = runtime.mode === 'cli';
  const logger = runtime.logger ?? createRootLogger(config.LOG_LEVEL, { toStderr });
  const buffered = runtime.accessLog === undefined && config.ACCESS_LOG ? bufferedLineSink(toStderr ? 2 : 1) : null;
  const accessLog = runtime.accessLog !== undefined ? runtime.accessLog : buffered;

  // The document is built on first request: start-up stays fast and most processes never serve it.
  const document = lazy(() => buildOpenApi(runtime.endpoints));
  const json = lazy(() => JSON.stringify(document()));
  const yaml = lazy(() => openApiYaml(document()));

  // Before the database opens: a bad flag file stops the start without touching it.
  const build = buildInfo(config.BUILD_COMMIT);
  const flags = runtime.overrides?.flags ? undefined : await flagsFromConfig(config, logger);
  const tracing = await tracingFromConfig(config, build.version, logger);

  // Database and key-value stores, opened and migrated at start (Lambda: in its init phase) unless lazyDatabase.
  const persistence = await buildPersistence(config, {
    clock: runtime.overrides?.clock ?? systemClock,
    logger,
    purge: runtime.mode === 'server',
    ...(runtime.database ? { database: runtime.database } : {}),
  });
  if (!runtime.lazyDatabase) await persistence.start();
  // Tenants, keys and the audit log live in the database; the authenticator reads keys from the same store.
  const access = runtime.overrides?.access ?? postgresAccessStore(persistence.database);
  const jwt = jwtFromConfig(config);
  // Per-process figures mean nothing for a Lambda instance; the CLI shows them for its one run.
  const metrics =
    config.METRICS_ENABLED && runtime.mode !== 'lambda'
      ? createHttpMetrics({ token: config.METRICS_TOKEN, processMetrics: runtime.mode === 'server' })
      : undefined;
  // Naver clients (or the provider sandbox when no credentials are set), unless a test supplies all three ports.
  const o = runtime.overrides;
  const naver = o?.naver ? null : await naverFromConfig(config, { shared: () => ports, logger, eager: runtime.mode === 'server' });
  // Billing: Toss (or its sandbox, which posts webhooks to this server), sealed billing keys, the store in the database.
  const billing = o?.billing ? null : await billingFromConfig(config, {
    database: persistence.database,
    logger,
    ...(runtime.mode === 'server' ? { webhookUrl: `http://${config.HOST}:${config.PORT}/v1/billing/webhooks/toss`, shared: () => ports } : {}),
    eager: runtime.mode === 'server',
  });
  // Failed authentication: counted per source and key prefix in the shared rate counter, audited per window.
  const failures = failureGuard({
    counter: { consume: (r) => ports.rateCounter.consume(r), peek: (n, w) => ports.rateCounter.peek(n, w) },
    audit: access.audit,
    clock: runtime.overrides?.clock ?? systemClock,
    onError: (message, error) => logger.error(message, { error: error as Error }),
  });
  const cliCached = (auth: Authenticator): Authenticator => (runtime.cacheCredentialsMs ? cachedAuthenticator(auth, runtime.cacheCredentialsMs) : auth);
  const ports: Ports = {
    clock: systemClock,
    access,
    auth: cliCached(
      accessAuthenticator({
        store: access,
        clock: runtime.overrides?.clock ?? systemClock,
        ...(jwt ? { jwt } : {}),
        failures,
        onError: (message, error) => logger.error(message, { error: error as Error }),
      }),
    ),
    flags: flags?.flags ?? runtime.overrides!.flags!,
    ...(metrics ? { metrics } : {}),
    health: healthMonitor(persistence.healthChecks, runtime.overrides?.clock ?? systemClock, config.HEALTH_TIMEOUT_MS, config.HEALTH_CACHE_MS),
    ...persistence.ports,
    build,
    apiDocument: { json, yaml },
    naver: naver?.ports ?? o!.naver!,
    billing: billing?.ports ?? o!.billing!,
    ...runtime.overrides,
  };
  // Daily API calls by plan, metered where tenants call us (HTTP, Lambda); the CLI is the operator's own tool.
  if ((runtime.meter ?? runtime.mode !== 'cli') && !runtime.overrides?.quota) {
    const b = ports.billing;
    const deps = () => ({ store: b.store, plans: b.plans, policy: b.policy, clock: ports.clock, rateCounter: ports.rateCounter });
    // Pure calculations answer through a meter-store outage, a bounded number of calls per tenant (docs/billing.md).
    ports.quota = outageGrace(
      {
        consume: async (tenantId) => void (await consumeApiCall(deps(), tenantId)),
        record: async (tenantId, calls) => void (await recordApiCalls(deps(), tenantId, calls)),
      },
      {
        calls: config.METER_OUTAGE_GRACE_CALLS,
        onDeferred: (tenantId, owed, error) =>
          logger.warn('API call answered unmetered: the meter store is unavailable', { tenantId, owed, limit: config.METER_OUTAGE_GRACE_CALLS, error: ((error as Error).cause ?? error) as Error }),
        onSettled: (tenantId, calls, error) =>
          error
            ? logger.warn('unmetered API calls could not be counted yet', { tenantId, calls, error: error as Error })
            : logger.info('unmetered API calls counted', { tenantId, calls }),
      },
    );
  }

  const options: HandlerOptions = {
    ports,
    logger,
    accessLog,
    service: 'sellpo',
    validateResponses: config.VALIDATE_RESPONSES,
    ...(tracing ? { tracing: tracing.requests } : {}),
    ...(metrics ? { metrics } : {}),
  };
  const dispatcher = createDispatcher(runtime.endpoints, options);
  return {
    config,
    ports,
    logger,
    options,
    dispatcher,
    // Repositories built on this get a span per query when tracing is on.
    database: tracing ? tracedDatabase(persistence.database, tracing) : persistence.database,
    tracing,
    flushLogs: () => buffered?.flush(),
    flushAuthFailures: () => failures.flush(true),
    close: async () => {
      buffered?.flush();
      await failures.close();
      flags?.close();
      metrics?.close();
      await persistence.close();
      await naver?.close();
      await billing?.close();
      await tracing?.shutdown();
    },
  };
};
