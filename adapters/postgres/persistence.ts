/**
 * The relational database for the composition root: PostgreSQL or the embedded PGlite, opened lazily and
 * migrated on open, with its /health check.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { HealthCheck } from '../../core/platform/health.ts';
import type { Config } from '../config.ts';
import type { Database } from './database.ts';
import { openConfiguredDatabase } from './open.ts';

export interface Persistence {
  database: Database;
  healthCheck: HealthCheck;
  /** Opens and migrates now, so a server with a broken database or an edited migration fails at start. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const healthCheck = (database: Database): HealthCheck => ({ name: 'database', check: async (signal) => void (await database.query('SELECT 1', [], { signal })) });

export const openPersistence = (
  config: Config,
  /** `database`: use this one instead of the configured one (tests: a fresh PGlite); the caller closes it. */
  options: { logger: Logger; database?: Database; pipelined?: boolean },
): Persistence => {
  const given = options.database;
  if (given) return { database: given, healthCheck: healthCheck(given), start: async () => {}, close: async () => {} };
  const owned = openConfiguredDatabase(
    config,
    (applied) => {
      if (applied.length) options.logger.info('migrations applied', { migrations: applied.map((m) => m.file) });
    },
    (message) => options.logger.warn(message),
    options.pipelined,
  );
  return {
    database: owned,
    healthCheck: healthCheck(owned),
    start: async () => {
      const db = await owned.open();
      // The embedded pool's connection, made while the caller finishes starting (the server: before it listens)
      // instead of by the first request: a directory started from its saved copy has checked its migrations in the
      // engine, not through the pool. (PostgreSQL's pool already holds the connection that checked the migrations.)
      if (db.engine === 'pglite') void db.query('SELECT 1').catch(() => {});
    },
    close: () => owned.close(),
  };
};
