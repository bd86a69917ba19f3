/**
 * Composes a runtime: configuration, the driver's profile and the contexts to wire in, ports and handlers out. The
 * platform builds the shared infrastructure, then each context given wires its ports from it. The composition
 * root (composition.ts) gives every context; a per-endpoint Lambda gives only those its endpoint reads.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ContextPorts, PlatformPorts, Ports } from '../core/ports.ts';
import { isMetered, type HandlerOptions, type LineSink } from '../handlers/toolkit.ts';
import type { Config } from './config.ts';
import { notWired, type BoundedContext, type ContextName, type Profile, type Started } from './contexts/context.ts';
import { wirePlatform, type Platform } from './contexts/platform/wire.ts';
import { sections } from './contexts/sections.ts';
import { createDispatcher, type Dispatcher } from './routing/dispatch.ts';
import { bufferedLineSink, createRootLogger } from './logging.ts';
import type { Tracing } from './observability/tracing.ts';
import type { Database } from './postgres/database.ts';

export type { Profile } from './contexts/context.ts';

export interface RuntimeOptions extends Profile {
  /** Replace ports (tests): a platform port before any context is wired from it, a context's ports whole. */
  overrides?: Partial<Ports>;
  /** Where access lines go; default the profile's log sink, or off when ACCESS_LOG=false. */
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
  /** Verified API keys in memory and the database change feed that keeps them fresh (the server's profile). */
  keyCache: Platform['keyCache'];
  close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyContext = BoundedContext<ContextName, any, any>;

/** Every context's name, from the configuration's list (adapters/contexts/sections.ts): a new context adds no line here. */
const CONTEXT_NAMES = sections.flatMap((s) => (s.name === 'platform' ? [] : [s.name])) satisfies ContextName[];
// Type check: the list names every context of ContextPorts (core/ports.ts).
({}) as Record<(typeof CONTEXT_NAMES)[number], 0> satisfies Record<ContextName, 0>;

export const composeRuntime = async (config: Config, options: RuntimeOptions, contexts: readonly AnyContext[]): Promise<Runtime> => {
  const toStderr = options.logSink === 'stderr';
  const logger = options.logger ?? createRootLogger(config.LOG_LEVEL, { toStderr });
  const buffered = options.accessLog === undefined && config.ACCESS_LOG ? bufferedLineSink(toStderr ? 2 : 1) : null;
  const accessLog = options.accessLog !== undefined ? options.accessLog : buffered;
  const overrides = options.overrides ?? {};
  // The quota is optional to the handlers (a process that does not meter has none): a metered endpoint without
  // the context that serves it would answer unmetered, so that is refused at start.
  if (options.meter && !overrides.quota && options.endpoints.some(isMetered) && !contexts.some((c) => c.name === 'billing')) {
    throw new Error('metered endpoints need the billing context, which serves the API quota');
  }

  const platform = await wirePlatform(config, {
    profile: options,
    logger,
    replacements: overrides,
    ...(options.database ? { database: options.database } : {}),
    ...(options.lazyDatabase ? { lazyDatabase: true } : {}),
  });
  const started: Started<ContextName>[] = [];
  for (const context of contexts) started.push(await context.start(config, platform.shared, options, overrides));
  // The contexts (and the provider sandboxes) started while the database opened; a database that cannot be opened
  // or migrated still fails the start, with everything started so far stopped.
  try {
    await platform.ready;
  } catch (error) {
    for (const context of started) await context.close().catch(() => {});
    await platform.close().catch(() => {});
    throw error;
  }
  const contextPorts = Object.fromEntries(CONTEXT_NAMES.map((name) => [name, started.find((s) => s.name === name)?.ports ?? notWired(name)])) as unknown as ContextPorts;
  // What contexts serve the platform (billing: the metered quota) joins it; a test's replacement still wins.
  const served: Partial<PlatformPorts> = Object.assign({}, ...started.map((s) => s.serves));
  const ports: Ports = { ...platform.shared.ports, ...contextPorts, ...served, ...overrides };

  const handlerOptions: HandlerOptions = {
    ports,
    logger,
    accessLog,
    service: 'sellpo',
    validateResponses: config.VALIDATE_RESPONSES,
    ...(platform.tracing ? { tracing: platform.tracing.requests } : {}),
    ...(platform.metrics ? { metrics: platform.metrics } : {}),
  };
  const dispatcher = createDispatcher(options.endpoints, handlerOptions);
  const database = platform.shared.database;
  return {
    config,
    ports,
    logger,
    options: handlerOptions,
    dispatcher,
    // Repositories built on this get a span per query when tracing is on (its code loads only then).
    database: platform.tracing ? (await import('./observability/traced-database.ts')).tracedDatabase(database, platform.tracing) : database,
    tracing: platform.tracing,
    flushLogs: () => buffered?.flush(),
    flushAuthFailures: platform.flushAuthFailures,
    keyCache: platform.keyCache,
    close: async () => {
      buffered?.flush();
      // Before the stores close: the meter gives back the budget it leased and did not spend.
      await ports.quota?.close?.();
      for (const context of started) await context.close();
      await platform.close();
      await platform.tracing?.shutdown();
    },
  };
};
