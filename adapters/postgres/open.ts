/**
 * Opens the configured database: PostgreSQL when DATABASE_URL is set, else the embedded PGlite in DATA_DIR
 * (`DATA_DIR=memory://` keeps it in memory, for tests and throwaway runs). Opening is lazy: the handle connects,
 * and applies pending migrations when asked to, on first use, so commands that never touch the database pay nothing.
 */
import type { Config } from '../config.ts';
import { IN_MEMORY, type Database, type Listening } from './database.ts';
import { loadMigrations, migrate, migrationsDirectory, type Migration } from './migrations.ts';
import { pgDatabase, translateOutage } from './pg.ts';
import type { PgliteOptions } from './pglite.ts';

export { IN_MEMORY };

export interface LazyDatabase extends Database {
  /** Connects (and migrates, when configured) now; resolves to the open database. A failure is retried next call. */
  open(): Promise<Database>;
  readonly opened: boolean;
}

/**
 * The database named by the configuration, not yet migrated; except that a fresh embedded directory is brought to
 * `embedded.migrations` when they are given (it starts from a saved copy that holds them).
 */
export const connectDatabase = async (
  config: Config,
  embedded: Pick<PgliteOptions, 'migrations' | 'onMigrated' | 'onWarning'> = {},
  pipelined = false,
): Promise<Database> =>
  config.DATABASE_URL
    ? pgDatabase({
        engine: 'postgres',
        connectionString: config.DATABASE_URL,
        max: config.DATABASE_POOL_SIZE,
        statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
        connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
        preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
        pipelinedConnections: pipelined ? config.DATABASE_PIPELINE_CONNECTIONS : 0,
      })
    : // The embedded engine's adapter loads only where it is used: a Lambda on PostgreSQL never carries it.
      (await import('./pglite.ts')).openPglite({
        ...(config.DATA_DIR === IN_MEMORY ? {} : { dataDir: config.DATA_DIR }),
        statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
        ...embedded,
      });

export const configuredMigrations = (config: Config): Migration[] => loadMigrations(migrationsDirectory(config.MIGRATIONS_DIR));

export interface LazyOptions {
  /**
   * Migrations applied on open; none when omitted. Read only when the database is opened; `undefined` from it means
   * the opener already brought the database to them (a fresh embedded directory), so there is nothing to check.
   */
  migrations?: () => Migration[] | undefined;
  /** Told which migrations the open applied (empty when the schema was current). */
  onMigrated?: (applied: Migration[]) => void;
}

/** Wraps an opener so the database is opened on first use; `open` may also be awaited eagerly (the server). */
export const lazyDatabase = (engine: Database['engine'], opener: () => Promise<Database>, options: LazyOptions = {}): LazyDatabase => {
  let pending: Promise<Database> | undefined;
  let db: Database | undefined;
  let closed = false;
  const open = (): Promise<Database> => {
    if (closed) return Promise.reject(new Error('the database is closed'));
    pending ??= (async () => {
      const opened = await opener();
      try {
        const migrations = options.migrations?.();
        if (migrations) options.onMigrated?.(await migrate(opened, migrations));
      } catch (error) {
        await opened.close().catch(() => {});
        throw error;
      }
      db = opened;
      return opened;
    })().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
  return {
    engine,
    get opened() {
      return db !== undefined;
    },
    open,
    // A closed handle or a database that cannot be reached is an outage (503), not a bug.
    query: async (text, params, queryOptions) => (await open().catch(translateOutage)).query(text, params, queryOptions),
    transaction: async (work, transactionOptions) => (await open().catch(translateOutage)).transaction(work, transactionOptions),
    // Listens once the database is open; nothing is heard (and `onListening` never comes) if it has no listen.
    listen: (channel, handlers) => {
      let stopped = false;
      const inner: Promise<Listening | undefined> = open().then((opened) => (stopped || !opened.listen ? undefined : opened.listen(channel, handlers)));
      return {
        ready: inner.then((listening) => listening?.ready),
        // Never waits for the LISTEN itself, which a database that cannot be reached never gives.
        close: async () => {
          stopped = true;
          await (await inner.catch(() => undefined))?.close();
        },
      };
    },
    close: async () => {
      closed = true;
      const current = pending;
      pending = undefined;
      if (current) await (await current.catch(() => undefined))?.close();
    },
  };
};

/**
 * The configured database behind a lazy handle, migrating on open when MIGRATE_ON_START is on. `onWarning` hears
 * why a fresh embedded directory started the slow way (a saved copy that could not be used or saved).
 */
export const openConfiguredDatabase = (
  config: Config,
  onMigrated?: (applied: Migration[]) => void,
  onWarning?: (message: string) => void,
  /** Share DATABASE_PIPELINE_CONNECTIONS pipelined connections among single statements (the server). */
  pipelined = false,
): LazyDatabase => {
  let files: Migration[] | undefined;
  const migrations = () => (files ??= configuredMigrations(config));
  // Set when the open brought a fresh embedded directory to exactly these migrations (from a copy keyed by their
  // checksums, or by applying them): checking them again would only repeat that.
  let broughtUp = false;
  const embedded = () =>
    config.MIGRATE_ON_START && !config.DATABASE_URL
      ? {
          migrations: migrations(),
          onMigrated: (applied: Migration[]) => {
            broughtUp = true;
            onMigrated?.(applied);
          },
          ...(onWarning ? { onWarning } : {}),
        }
      : {};
  return lazyDatabase(config.DATABASE_URL ? 'postgres' : 'pglite', () => connectDatabase(config, embedded(), pipelined), {
    ...(config.MIGRATE_ON_START ? { migrations: () => (broughtUp ? undefined : migrations()) } : {}),
    ...(onMigrated ? { onMigrated } : {}),
  });
};
