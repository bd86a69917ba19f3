import type { Ports } from '../../core/ports.ts';
import { endpoints as allEndpoints } from '../../handlers/registry.ts';
import type { AnyEndpoint, V2Result } from '../../handlers/toolkit.ts';
import { buildRuntime, type Runtime } from '../../adapters/composition.ts';
import { loadConfig } from '../../adapters/config.ts';
import type { Database } from '../../adapters/postgres/database.ts';
import { createRootLogger } from '../../adapters/logging.ts';
import { memoryAccessStore } from '../../adapters/memory/access.ts';
import { IN_MEMORY, lazyDatabase } from '../../adapters/postgres/open.ts';
import { withPglite } from './database.ts';
import { memoryRateCounter } from '../naver/helpers.ts';
import { invokeDirect, type RequestSpec } from '../../adapters/routing/direct.ts';

export interface Captured {
  access: Record<string, unknown>[];
  logs: Record<string, unknown>[];
}

export interface TestRuntime extends Runtime {
  captured: Captured;
  /** Calls an endpoint by id, directly through its handler. */
  call(id: string, spec?: RequestSpec): Promise<Response>;
}

export interface Response {
  status: number;
  headers: Record<string, string>;
  body: any;
  raw: V2Result;
}

export const parseResult = (raw: V2Result): Response => {
  const type = raw.headers?.['content-type'] ?? '';
  const body = raw.body && type.includes('json') ? JSON.parse(raw.body) : raw.body;
  return { status: raw.statusCode, headers: raw.headers ?? {}, body, raw };
};

/** A runtime over in-memory ports whose access lines and logs are captured for assertions. */
export const testRuntime = async (
  options: {
    overrides?: Partial<Ports>;
    env?: Record<string, string>;
    endpoints?: readonly AnyEndpoint[];
    /** A database for the runtime (e.g. `await withPglite()` from tests/helpers/database.ts); the caller closes it. */
    database?: Database;
    /** Meter tenant calls against their plan, as the HTTP and Lambda drivers do (default off, as in the CLI). */
    meter?: boolean;
    /** Keep verified API keys in memory, as the HTTP server does (needs `database`; default off). */
    verifiedKeyCache?: boolean;
  } = {},
): Promise<TestRuntime> => {
  const captured: Captured = { access: [], logs: [] };
  const print = (line: string) => void captured.logs.push(JSON.parse(line));
  const logger = createRootLogger('DEBUG', { printer: { info: print, warn: print, error: print, debug: print, log: print, trace: print } });
  // An embedded database of its own, in memory: never the developer's ./.data, which a running `npm start` holds.
  const config = loadConfig({ DATA_DIR: 'memory://', VALIDATE_RESPONSES: 'true', NODE_ENV: 'test', HEALTH_TIMEOUT_MS: '15000', ...options.env });
  // The configured embedded database, in memory and migrated on open, starts from the run's migrated template
  // (tests/helpers/pglite-template.ts) instead of initdb and the migrations; opened on first use all the same.
  const embedded =
    !options.database && !config.DATABASE_URL && config.DATA_DIR === IN_MEMORY && config.MIGRATE_ON_START
      ? lazyDatabase('pglite', () => withPglite({ statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS }))
      : undefined;
  const database = options.database ?? embedded;
  const testClock = options.overrides?.clock;
  const runtime = await buildRuntime(config, {
    endpoints: options.endpoints ?? allEndpoints,
    // As the CLI runs: providers on first use, no background work, unmetered unless asked.
    eagerProviders: false,
    background: false,
    meter: options.meter ?? false,
    ...(options.verifiedKeyCache ? { verifiedKeyCache: true } : {}),
    metrics: 'requests',
    logSink: 'stderr',
    logger,
    accessLog: (line) => captured.access.push(JSON.parse(line)),
    // Tenants, keys, audit and rate counters in memory unless a database is given (then they live in it, as in
    // production): a 401 counts against its source, which would otherwise open the embedded database.
    // The counter keeps its windows by the test's clock when it gives one, as the platform's counters do.
    overrides: { ...(options.database ? {} : { access: memoryAccessStore(), rateCounter: memoryRateCounter(testClock ? () => testClock.now().getTime() : Date.now) }), ...options.overrides },
    ...(database ? { database } : {}),
    // Most tests never touch the database: open it on first use (a first /health then includes that opening).
    lazyDatabase: true,
  });
  const call = async (id: string, spec: RequestSpec = {}): Promise<Response> => {
    const def = (options.endpoints ?? allEndpoints).find((e) => e.id === id);
    if (!def) throw new Error(`no endpoint ${id}`);
    return parseResult(await invokeDirect(def, runtime.dispatcher.handlers.get(id)!, spec));
  };
  if (embedded) {
    const close = runtime.close;
    // The runtime's own database: closed with it, as the configured one is.
    runtime.close = async () => {
      try {
        await close();
      } finally {
        await embedded.close();
      }
    };
  }
  return Object.assign(runtime, { captured, call });
};
