/**
 * Databases for tests: a fresh in-memory PGlite, and the machine's PostgreSQL (127.0.0.1:5432, database `test`)
 * in a throwaway schema per call, both migrated. Contract suites run over `databaseEngines()`; the PostgreSQL
 * variant is skipped with its reason when the server is not reachable, unless PostgreSQL is required
 * (`CI=true` or `REQUIRE_POSTGRES=1`): then an unreachable server fails the test file, saying how to start one.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';
import type { Database } from '../../adapters/postgres/database.ts';
import { pgDatabase, quoteIdent } from '../../adapters/postgres/pg.ts';
import { openPglite } from '../../adapters/postgres/pglite.ts';
import { loadMigrations, migrate, migrationsDirectory } from '../../adapters/postgres/migrations.ts';
import { migratedTemplate } from './pglite-template.ts';

export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase extends Database {
  /** The schema the PostgreSQL variant lives in (`public` on PGlite). */
  readonly schema: string;
}

const migrateAll = async (db: Database) => migrate(db, loadMigrations(migrationsDirectory()));

/**
 * A fresh in-memory PGlite, migrated unless `migrated: false`: loaded from the migrated template
 * (tests/helpers/pglite-template.ts) when the run made one, else migrated from nothing.
 */
export const withPglite = async (options: { migrated?: boolean; statementTimeoutMs?: number } = {}): Promise<TestDatabase> => {
  const statementTimeoutMs = options.statementTimeoutMs ?? 0;
  const template = options.migrated !== false ? migratedTemplate() : null;
  if (template) {
    const db = await openPglite({ statementTimeoutMs, loadDataDir: template });
    // Applied to this database now, as the server's restored copies say.
    await db.query('UPDATE schema_migrations SET applied_at = now()');
    return Object.assign(db, { schema: 'public' });
  }
  const db = await openPglite({ statementTimeoutMs });
  if (options.migrated !== false) await migrateAll(db);
  return Object.assign(db, { schema: 'public' });
};

/** What the schema holds, in a form two databases can be compared by (column order, types, indexes, triggers...). */
export const schemaOf = async (db: Database) => {
  const q = async (sql: string) => (await db.query(sql)).rows;
  return {
    columns: await q(`SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default
                        FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 3`),
    indexes: await q(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2`),
    constraints: await q(`SELECT conrelid::regclass::text AS rel, conname, pg_get_constraintdef(oid) AS def
                            FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`),
    functions: await q(`SELECT proname, pg_get_functiondef(oid) AS def FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1, 2`),
    triggers: await q(`SELECT tgrelid::regclass::text AS rel, tgname, pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2`),
    sequences: await q(`SELECT sequence_name, data_type, start_value, increment FROM information_schema.sequences WHERE sequence_schema = 'public' ORDER BY 1`),
    migrations: await q(`SELECT version, name, checksum FROM schema_migrations ORDER BY version`),
  };
};

/** PostgreSQL suites may not be skipped: in CI (`CI=true`) or when asked (`REQUIRE_POSTGRES=1`). */
export const postgresRequired = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env.CI === 'true' || env.REQUIRE_POSTGRES === '1';

export const HOW_TO_START_POSTGRES = [
  'Start one on 127.0.0.1:5432 (trust auth, database `test`):',
  '  installed but stopped: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  '  with Docker: docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16',
  'or point TEST_DATABASE_URL at a server you have.',
].join('\n');

/** null when PostgreSQL at `url` answers, else why it cannot be used. */
export const probePostgres = async (url: string): Promise<string | null> => {
  const target = new URL(url);
  const open = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: target.hostname, port: Number(target.port || 5432) });
    socket.setTimeout(1_000, () => { socket.destroy(); resolve(false); });
    socket.on('connect', () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
  if (!open) return `PostgreSQL is not reachable at ${target.host}`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return `PostgreSQL at ${target.host} refused the test connection: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
};

/** `probePostgres`, except that a required PostgreSQL (see `postgresRequired`) that does not answer throws. */
export const checkPostgres = async (url: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> => {
  const reason = await probePostgres(url);
  if (reason && postgresRequired(env)) {
    const why = env.REQUIRE_POSTGRES === '1' ? 'REQUIRE_POSTGRES=1' : 'CI=true';
    throw new Error(`PostgreSQL is required (${why}) but ${reason.charAt(0).toLowerCase()}${reason.slice(1)}.\n${HOW_TO_START_POSTGRES}`);
  }
  return reason;
};

let reachable: Promise<string | null> | undefined;
/**
 * null when PostgreSQL answers, else why it cannot be used (probed once per test file). Throws instead when
 * PostgreSQL is required (`CI=true` or `REQUIRE_POSTGRES=1`), so a suite guarded by it fails rather than skips.
 */
export const postgresUnavailable = (): Promise<string | null> => (reachable ??= checkPostgres(TEST_POSTGRES_URL));

/**
 * The machine's PostgreSQL in a schema of its own (dropped by `close()`), so parallel test files and other
 * people's runs never see each other's rows. Throws when PostgreSQL is unavailable: check `postgresUnavailable()`.
 * Single statements share 2 pipelined connections, as on the server (`pipelinedConnections: 0` for a test that
 * needs one session to run everything).
 */
export const withPostgres = async (
  options: { migrated?: boolean; max?: number; statementTimeoutMs?: number; pipelinedConnections?: number } = {},
): Promise<TestDatabase> => {
  const reason = await postgresUnavailable();
  if (reason) throw new Error(reason);
  const schema = `sellpo_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  } finally {
    await admin.end();
  }
  const db = pgDatabase({
    engine: 'postgres',
    connectionString: TEST_POSTGRES_URL,
    max: options.max ?? 4,
    pipelinedConnections: options.pipelinedConnections ?? 2,
    statementTimeoutMs: options.statementTimeoutMs ?? 10_000,
    connectTimeoutMs: 5_000,
    schema,
    onClose: async () => {
      const drop = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await drop.connect();
      try {
        await drop.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
      } finally {
        await drop.end();
      }
    },
  });
  if (options.migrated !== false) await migrateAll(db);
  return Object.assign(db, { schema });
};

export interface Engine {
  name: 'pglite' | 'postgres';
  /** Why the engine is skipped, or null. Resolved before the suites are declared (top-level await). */
  skip: string | null;
  open(): Promise<TestDatabase>;
}

/** The relational engines a contract suite runs on; use with `describe.each` / `describe.skipIf`. */
export const databaseEngines = async (): Promise<Engine[]> => {
  const reason = await postgresUnavailable();
  if (reason) console.warn(`[tests] PostgreSQL variant skipped: ${reason} (REQUIRE_POSTGRES=1 makes this a failure)`);
  return [
    { name: 'pglite', skip: null, open: () => withPglite() },
    { name: 'postgres', skip: reason, open: () => withPostgres() },
  ];
};
