/**
 * Imported first by the server's entry, which loads the rest of the program only after it: when the embedded
 * database will be opened (no DATABASE_URL), its worker thread starts now and compiles PGlite's engine. When the
 * environment leaves everything about the database to the defaults (DATA_DIR on disk, migrations next to the program
 * applied on start, not production), the directory starts opening too: the copy is restored and PostgreSQL starts
 * in the worker while the program loads and starts here, and the server's own open takes it over (it is the same
 * open: adapters/postgres/pglite.ts checks the directory and migrations match). A configuration that turns out to
 * be invalid still stops the start; the directory may then already hold the fresh database.
 */
import { loadMigrations, migrationsDirectory } from '../postgres/migrations.ts';
import { IN_MEMORY } from '../postgres/database.ts';
import { prepareEmbeddedEngine, startEmbeddedEarly } from '../postgres/pglite.ts';

const env = process.env;
if (!env.DATABASE_URL) {
  prepareEmbeddedEngine();
  const defaults = env.MIGRATE_ON_START === undefined && env.MIGRATIONS_DIR === undefined && env.NODE_ENV !== 'production';
  const dataDir = env.DATA_DIR ?? './.data';
  if (defaults && dataDir !== '' && dataDir !== IN_MEMORY) {
    try {
      void startEmbeddedEarly({ dataDir, migrations: loadMigrations(migrationsDirectory()) });
    } catch {
      // The migrations cannot be read: the server's own open reports it.
    }
  }
}
