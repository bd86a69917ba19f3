/**
 * Forward-only SQL migrations: files `NNNN_name.sql` applied in version order, each recorded in
 * schema_migrations with the sha256 of its text. Applied migrations are never edited: a changed checksum, or an
 * applied version whose file is gone, stops the start with a message naming the file. All pending files are
 * applied in one transaction under a transaction-level advisory lock, so processes starting together serialise
 * (the second finds nothing left to do) and a failing file leaves the schema as it was.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export interface MigrationState {
  version: number;
  name: string;
  state: 'applied' | 'pending' | 'changed' | 'missing';
  appliedAt?: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Line endings normalised so a checkout with CRLF does not look like an edited migration. */
export const checksumOf = (sql: string): string => createHash('sha256').update(sql.replaceAll('\r\n', '\n')).digest('hex');

/**
 * Where the SQL files are: `MIGRATIONS_DIR` when set; else next to the bundle (dist/migrations, copied by
 * build.mjs) or the repository's migrations/ when running from sources.
 */
export const migrationsDirectory = (configured?: string): string => {
  if (configured) {
    if (!existsSync(configured)) throw new MigrationError(`MIGRATIONS_DIR ${configured} does not exist`);
    return configured;
  }
  for (const candidate of ['./migrations/', '../migrations/', '../../migrations/']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(dir) && readdirSync(dir).some((f) => FILE.test(f))) return dir;
  }
  throw new MigrationError('no migrations directory found next to the program; set MIGRATIONS_DIR');
};

export const loadMigrations = (dir: string): Migration[] => {
  const out: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const match = FILE.exec(file);
    if (!match) throw new MigrationError(`migration file ${file} is not named NNNN_lowercase_name.sql`);
    const sql = readFileSync(join(dir, file), 'utf8');
    const version = Number(match[1]);
    const clash = out.find((m) => m.version === version);
    if (clash) throw new MigrationError(`migrations ${clash.file} and ${file} share version ${match[1]}`);
    out.push({ version, name: match[2]!, file, sql, checksum: checksumOf(sql) });
  }
  return out.sort((a, b) => a.version - b.version);
};

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: Date;
}

const fileName = (row: { version: number; name: string }) => `${String(row.version).padStart(4, '0')}_${row.name}.sql`;

/** Compares what the database recorded with the files; throws on an edited or vanished applied migration. */
const verify = (applied: AppliedRow[], migrations: Migration[]): Migration[] => {
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  for (const row of applied) {
    const m = byVersion.get(row.version);
    if (!m) throw new MigrationError(`migration ${fileName(row)} was applied to this database but its file is missing`);
    if (m.checksum !== row.checksum) {
      throw new MigrationError(
        `migration ${m.file} was edited after it was applied (checksum ${row.checksum.slice(0, 12)}… recorded, ${m.checksum.slice(0, 12)}… on disk); ` +
          'restore the file and add a new migration instead',
      );
    }
  }
  const done = new Set(applied.map((r) => r.version));
  return migrations.filter((m) => !done.has(m.version));
};

/** Applies every pending migration; returns the ones applied by this call (none when another process did it). */
export const migrate = async (db: Database, migrations: Migration[], options: { signal?: AbortSignal } = {}): Promise<Migration[]> =>
  db.transaction(async (tx) => {
    // Keyed by schema: test runs in throwaway schemas of one database do not wait on each other.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('sellpo:migrate:' || current_schema()))`);
    await tx.query(CREATE_TABLE);
    const { rows } = await tx.query<AppliedRow>('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version');
    const pending = verify(rows, migrations);
    for (const m of pending) {
      try {
        await tx.query(m.sql);
      } catch (error) {
        throw new MigrationError(`migration ${m.file} failed: ${(error as Error).message}`);
      }
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
    }
    return pending;
  }, options);

/** Every migration known to the files or the database, with its state; never changes anything. */
export const migrationStatus = async (db: Database, migrations: Migration[]): Promise<MigrationState[]> => {
  const { rows: exists } = await db.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  const applied = exists[0]?.t
    ? (await db.query<AppliedRow>('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version')).rows
    : [];
  const byVersion = new Map(applied.map((r) => [r.version, r]));
  const states: MigrationState[] = migrations.map((m) => {
    const row = byVersion.get(m.version);
    if (!row) return { version: m.version, name: m.name, state: 'pending' };
    return { version: m.version, name: m.name, state: row.checksum === m.checksum ? 'applied' : 'changed', appliedAt: new Date(row.applied_at).toISOString() };
  });
  const onDisk = new Set(migrations.map((m) => m.version));
  for (const row of applied) {
    if (!onDisk.has(row.version)) states.push({ version: row.version, name: row.name, state: 'missing', appliedAt: new Date(row.applied_at).toISOString() });
  }
  return states.sort((a, b) => a.version - b.version);
};
