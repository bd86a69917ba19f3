/**
 * The migrated template test databases start from. A fresh in-memory PGlite costs seconds of CPU for initdb and
 * the migrations; loading a dump of one already migrated costs about a second. The dump is made once (vitest's
 * globalSetup) into .cache/, named by PGlite's version and the migrations' checksums like the server's saved copies,
 * so a changed, added or removed migration (or another PGlite) never meets an old template.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMigrations, migrate, migrationsDirectory, type Migration } from '../../adapters/postgres/migrations.ts';
import { migratedSnapshotName, openPglite } from '../../adapters/postgres/pglite.ts';

const CACHE = fileURLToPath(new URL('../../.cache/', import.meta.url));

/** The template's file for `migrations`, or null when the installed PGlite cannot be read. */
export const templateFile = (migrations: readonly Migration[]): string | null => {
  const name = migratedSnapshotName(migrations);
  return name ? join(CACHE, `${name}.tar`) : null;
};

/**
 * A fresh directory brought to the migrations, dumped: the way the server brings one (from its saved copy when
 * the user's cache has one), or with `fromInitdb` by applying them to a directory fresh from initdb. PGlite dumps
 * only the engine it runs, so it is opened again bare. Null when the dumped engine does not hold exactly these
 * migrations.
 */
const dumpMigrated = async (migrations: Migration[], fromInitdb: boolean): Promise<Buffer | null> => {
  const scratch = mkdtempSync(join(tmpdir(), 'sellpo-template-'));
  try {
    const db = await openPglite({ dataDir: scratch, statementTimeoutMs: 0, ...(fromInitdb ? {} : { migrations }) });
    try {
      if (fromInitdb) await migrate(db, migrations);
    } finally {
      await db.close();
    }
    const { PGlite } = await import('@electric-sql/pglite');
    const engine = new PGlite({ dataDir: join(scratch, 'pgdata') });
    try {
      await engine.waitReady;
      const applied = await engine
        .query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations ORDER BY version')
        .then((r) => r.rows, () => []);
      const expected = migrations.map((m) => `${m.version} ${m.checksum}`).join('\n');
      if (applied.map((r) => `${r.version} ${r.checksum}`).join('\n') !== expected) return null;
      return Buffer.from(await (await engine.dumpDataDir('none')).arrayBuffer());
    } finally {
      await engine.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
};

/** Makes the template for the checkout's migrations unless it is there already. */
export const makeTemplate = async (): Promise<void> => {
  const migrations = loadMigrations(migrationsDirectory());
  const file = templateFile(migrations);
  if (!file || existsSync(file)) return;
  // A saved copy in the user's cache is shared with every checkout and run on the machine: one that does not
  // hold these migrations (once seen: an empty database) is not made the template; the migrations are run instead.
  let tar = await dumpMigrated(migrations, false);
  if (!tar) {
    console.warn('[tests] the saved copy of a migrated embedded database did not hold the migrations: migrating from initdb for the template');
    tar = await dumpMigrated(migrations, true);
  }
  if (!tar) throw new Error('a directory migrated from initdb did not hold the migrations');
  mkdirSync(CACHE, { recursive: true });
  // Written under a temporary name: parallel runs never load half a file.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, tar);
  renameSync(partial, file);
};

let template: Blob | null | undefined;
/** The template for the checkout's migrations (read once per process), or null when none was made. */
export const migratedTemplate = (): Blob | null => {
  if (template !== undefined) return template;
  const file = templateFile(loadMigrations(migrationsDirectory()));
  try {
    template = file ? new Blob([readFileSync(file)]) : null;
  } catch {
    template = null;
  }
  return template;
};

// Run as a program by vitest's globalSetup (tests/global-setup.ts), where PGlite's install cannot be resolved.
if (import.meta.main) await makeTemplate();
