/**
 * The build ships a copy of a data directory brought to the migrations (dist/pglite-snapshot, written by
 * writeMigratedSnapshot), and a fresh embedded data directory starts from it before looking in the user's cache
 * (adapters/postgres/pglite.ts). A copy made for other migrations is never used; a damaged one is refused with a
 * warning and the directory is migrated from initdb; fresh directories opened at the same time each end migrated;
 * and a directory started from the copy holds the same schema as one migrated from nothing.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../adapters/postgres/database.ts';
import { checksumOf, loadMigrations, migrate, migrationsDirectory, type Migration } from '../../adapters/postgres/migrations.ts';
import { migratedSnapshotPath, openPglite, writeMigratedSnapshot } from '../../adapters/postgres/pglite.ts';
import { schemaOf } from '../helpers/database.ts';

const migration = (version: number, sql: string): Migration => {
  const name = `step_${version}`;
  return { version, name, file: `${String(version).padStart(4, '0')}_${name}.sql`, sql, checksum: checksumOf(sql) };
};

let root: string;
let savedCache: string | undefined;
let n = 0;
const fresh = (name: string) => join(root, `${name}-${++n}`);

const first = [migration(1, 'CREATE TABLE alpha (n int)')];
/**
 * The copy the build would ship for `first`, made once: the tests that only read it share it (a copy is never
 * changed once written; the one test that damages a copy damages its own). Made under a cache of the file's own,
 * which keeps the initdb snapshot the tests below carry over.
 */
let shippedFirst: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sellpo-shipped-'));
  savedCache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = fresh('cache');
  shippedFirst = await writeMigratedSnapshot(first, fresh('shipped'));
}, 300_000);
afterAll(() => {
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  rmSync(root, { recursive: true, force: true });
});
// Every test starts with no migrated copy in the user cache: what serves a fresh directory is the shipped copy or
// initdb. The initdb snapshot is carried over (it only spares running initdb in WebAssembly again).
beforeEach(() => {
  const previous = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = fresh('cache');
  const from = previous && previous.startsWith(root) ? join(previous, 'sellpo') : undefined;
  if (from && existsSync(from)) {
    mkdirSync(join(process.env.XDG_CACHE_HOME, 'sellpo'), { recursive: true });
    for (const f of readdirSync(from)) if (f.endsWith('-initdb.tar')) copyFileSync(join(from, f), join(process.env.XDG_CACHE_HOME, 'sellpo', f));
  }
});

interface Opened {
  applied: number[][];
  warnings: string[];
  tables: string[];
}

const openFresh = async (migrations: Migration[], shippedSnapshots: string, inspect?: (db: Database) => Promise<void>): Promise<Opened> => {
  const applied: number[][] = [];
  const warnings: string[] = [];
  const db = await openPglite({
    dataDir: fresh('data'),
    statementTimeoutMs: 0,
    migrations,
    shippedSnapshots,
    onMigrated: (ms) => applied.push(ms.map((m) => m.version)),
    onWarning: (message) => warnings.push(message),
  });
  try {
    const { rows } = await db.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    await inspect?.(db);
    return { applied, warnings, tables: rows.map((r) => r.name) };
  } finally {
    await db.close();
  }
};

// Each test opens embedded databases on disk (WASM initdb and migrations): slow on a busy machine.
describe('embedded database: the copy the build ships', { timeout: 600_000 }, () => {

  it('a fresh directory starts from the shipped copy, with no copy in the user cache', async () => {
    const opened = await openFresh(first, dirname(shippedFirst));
    expect(opened).toEqual({ applied: [[1]], warnings: [], tables: ['alpha', 'schema_migrations'] });
    // Nothing was migrated here (a directory migrated from initdb saves its copy to the cache), so nothing was saved.
    expect(existsSync(migratedSnapshotPath(first)!)).toBe(false);
  });

  it('a shipped copy holding other migrations than it is named for is refused with a warning and left alone', async () => {
    const shipped = fresh('shipped');
    const marked = [...first, migration(2, 'CREATE TABLE marker (n int)')];
    const made = await writeMigratedSnapshot(marked, shipped);
    const named = join(shipped, basename(migratedSnapshotPath(first)!));
    renameSync(made, named);

    const opened = await openFresh(first, shipped);
    expect(opened.warnings).toHaveLength(1);
    expect(opened.warnings[0]).toMatch(/was not used \(it holds 2 migrations, not the 1 it is named for\)/);
    expect(opened).toMatchObject({ applied: [[1]], tables: ['alpha', 'schema_migrations'] });
    expect(existsSync(named)).toBe(true);
  });

  it('keeps each file without its trailing zeros and restores it at its full length', async () => {
    const shipped = dirname(shippedFirst);
    const copy = shippedFirst;
    const manifest = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8')) as { files: [string, string, number][] };
    const wal = manifest.files.find(([path]) => path.startsWith('pg_wal/') && /^[0-9A-F]{24}$/.test(path.slice(7)))!;
    // A WAL segment is 16 MB, most of it zeros: the copy keeps only what precedes them.
    expect(wal[2]).toBe(16 * 1024 * 1024);
    expect(statSync(join(copy, 'pgdata', wal[0])).size).toBeLessThan(wal[2]);

    const dataDir = fresh('data');
    const warnings: string[] = [];
    const db = await openPglite({ dataDir, statementTimeoutMs: 0, migrations: first, shippedSnapshots: shipped, onWarning: (w) => warnings.push(w) });
    try {
      // Started from the copy (PostgreSQL refuses a short WAL segment, which would have meant initdb instead).
      expect(warnings).toEqual([]);
      expect(statSync(join(dataDir, 'pgdata', wal[0])).size).toBe(wal[2]);
      await db.query('INSERT INTO alpha VALUES (1)');
    } finally {
      await db.close();
    }
  });

  it('a shipped copy made for other migrations is never used: the directory is migrated from initdb', async () => {
    const shipped = dirname(shippedFirst);
    const added = [...first, migration(2, 'CREATE TABLE beta (n int)')];
    expect(await openFresh(added, shipped)).toEqual({ applied: [[1, 2]], warnings: [], tables: ['alpha', 'beta', 'schema_migrations'] });
    const edited = [migration(1, 'CREATE TABLE alpha (n bigint)')];
    let type: unknown;
    const inspect = async (db: Database) => {
      type = (await db.query(`SELECT data_type FROM information_schema.columns WHERE table_name = 'alpha'`)).rows;
    };
    expect(await openFresh(edited, shipped, inspect)).toEqual({ applied: [[1]], warnings: [], tables: ['alpha', 'schema_migrations'] });
    // The edited migration ran: the copy (made with `n int`) was not used.
    expect(type).toEqual([{ data_type: 'bigint' }]);
  });

  it('a damaged shipped copy is refused with a warning naming the file, the directory is migrated, and the copy is left alone', async () => {
    const shipped = fresh('shipped');
    const copy = join(shipped, basename(shippedFirst));
    cpSync(shippedFirst, copy, { recursive: true });
    const control = join(copy, 'pgdata', 'global', 'pg_control');
    const bytes = readFileSync(control);
    bytes.writeUInt8(bytes.readUInt8(0) ^ 0xff, 0);
    writeFileSync(control, bytes);

    const opened = await openFresh(first, shipped);
    expect(opened.warnings).toHaveLength(1);
    expect(opened.warnings[0]).toContain(`the saved copy of a migrated embedded database in ${copy} was not used (global/pg_control is not the file that was saved); starting from initdb instead`);
    expect(opened).toMatchObject({ applied: [[1]], tables: ['alpha', 'schema_migrations'] });
    // The program's copy is not ours to delete; the migrated directory was saved to the cache instead.
    expect(existsSync(copy)).toBe(true);
    expect(existsSync(join(migratedSnapshotPath(first)!, 'manifest.json'))).toBe(true);
  });

  it('two processes starting fresh directories at the same time each end migrated, and one good copy is left in the cache', async () => {
    // Separate processes, as two `npm start`s are: each opens its own directory, both sharing one user cache.
    const inChild = (shippedSnapshots: string) =>
      new Promise<Opened>((resolve, reject) => {
        const script =
          `import { openPglite } from ${JSON.stringify(new URL('../../adapters/postgres/pglite.ts', import.meta.url).href)};` +
          'const { dataDir, shippedSnapshots, migrations } = JSON.parse(process.env.OPEN);' +
          'const applied = []; const warnings = [];' +
          'const db = await openPglite({ dataDir, shippedSnapshots, migrations, statementTimeoutMs: 0, onMigrated: (ms) => applied.push(ms.map((m) => m.version)), onWarning: (w) => warnings.push(w) });' +
          "const { rows } = await db.query(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);" +
          'await db.close();' +
          'process.stdout.write(JSON.stringify({ applied, warnings, tables: rows.map((r) => r.name) }));';
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
          env: { ...process.env, OPEN: JSON.stringify({ dataDir: fresh('data'), shippedSnapshots, migrations: first }) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.once('error', reject);
        child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Opened) : reject(new Error(`exit ${code}: ${err.slice(-2000)}`))));
      });

    const none = fresh('no-shipped-copy');
    const both = await Promise.all([inChild(none), inChild(none)]);
    for (const opened of both) expect(opened).toEqual({ applied: [[1]], warnings: [], tables: ['alpha', 'schema_migrations'] });
    const cacheDir = join(process.env.XDG_CACHE_HOME!, 'sellpo');
    expect(readdirSync(cacheDir).filter((f) => f.includes('-migrated-'))).toEqual([basename(migratedSnapshotPath(first)!)]);
    // That copy serves the next fresh directory without a warning.
    expect(await openFresh(first, none)).toEqual({ applied: [[1]], warnings: [], tables: ['alpha', 'schema_migrations'] });

    const shipped = dirname(shippedFirst);
    const fromShipped = await Promise.all([inChild(shipped), inChild(shipped)]);
    for (const opened of fromShipped) expect(opened).toEqual({ applied: [[1]], warnings: [], tables: ['alpha', 'schema_migrations'] });
  });

  it('with the real migrations, a directory started from the shipped copy has the schema of one migrated from nothing', async () => {
    const migrations = loadMigrations(migrationsDirectory());
    const shipped = fresh('shipped');
    await writeMigratedSnapshot(migrations, shipped);
    let fromCopy: Awaited<ReturnType<typeof schemaOf>> | undefined;
    const opened = await openFresh(migrations, shipped, async (db) => void (fromCopy = await schemaOf(db)));
    expect(opened.warnings).toEqual([]);

    // Migrated from nothing: no shipped copy, no cache, no migrations for the open to apply.
    const scratch = await openPglite({ dataDir: fresh('data'), statementTimeoutMs: 0, shippedSnapshots: fresh('none') });
    try {
      expect(await migrate(scratch, migrations)).toHaveLength(migrations.length);
      const fromNothing = await schemaOf(scratch);
      expect(fromNothing.migrations).toHaveLength(migrations.length);
      expect(fromNothing.columns.length).toBeGreaterThan(20);
      expect(fromCopy).toEqual(fromNothing);
    } finally {
      await scratch.close();
    }
  });
});
