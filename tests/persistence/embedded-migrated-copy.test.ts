/**
 * A fresh embedded data directory starts from a saved copy of a directory migrated to the same migrations
 * (adapters/postgres/pglite.ts): the copy is keyed by the migrations, so one made for other migrations is never
 * used, and a copy whose files differ from what was saved is dropped with a warning, the directory then
 * starting from initdb and the migrations.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumOf, type Migration } from '../../adapters/postgres/migrations.ts';
import { migratedSnapshotPath, openPglite } from '../../adapters/postgres/pglite.ts';

const migration = (version: number, sql: string): Migration => {
  const name = `step_${version}`;
  return { version, name, file: `${String(version).padStart(4, '0')}_${name}.sql`, sql, checksum: checksumOf(sql) };
};

let root: string;
let savedCache: string | undefined;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sellpo-copy-'));
  savedCache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = join(root, 'cache');
});
afterAll(() => {
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  rmSync(root, { recursive: true, force: true });
});

let dirs = 0;
/** Opens a fresh data directory brought to `migrations`; returns what it heard and the tables it holds. */
const openFresh = async (migrations: Migration[]) => {
  const applied: number[][] = [];
  const warnings: string[] = [];
  const db = await openPglite({
    dataDir: join(root, `data-${++dirs}`),
    statementTimeoutMs: 0,
    migrations,
    onMigrated: (ms) => applied.push(ms.map((m) => m.version)),
    onWarning: (message) => warnings.push(message),
  });
  try {
    const { rows } = await db.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    const recorded = await db.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations ORDER BY version');
    return { applied, warnings, tables: rows.map((r) => r.name), recorded: recorded.rows };
  } finally {
    await db.close();
  }
};

// Each test opens embedded databases on disk (a WASM initdb the first time): slow on a busy machine.
describe('embedded database: migrated copy', { timeout: 240_000 }, () => {
  const first = [migration(1, 'CREATE TABLE alpha (n int)')];

  it('the first fresh directory is migrated and saved; the next one starts from the saved copy', async () => {
    const a = await openFresh(first);
    expect(a).toMatchObject({ applied: [[1]], warnings: [], tables: ['alpha', 'schema_migrations'] });
    const copy = migratedSnapshotPath(first)!;
    expect(existsSync(join(copy, 'manifest.json'))).toBe(true);

    // A start from the copy runs no initdb: with the saved initdb snapshot gone, the next fresh open saves none.
    const initdbSnapshots = () => readdirSync(join(root, 'cache', 'sellpo')).filter((f) => /^pglite-.*-initdb\.tar$/.test(f));
    expect(initdbSnapshots()).toHaveLength(1);
    for (const f of initdbSnapshots()) rmSync(join(root, 'cache', 'sellpo', f));
    const b = await openFresh(first);
    expect(b).toMatchObject({ applied: [[1]], warnings: [], tables: ['alpha', 'schema_migrations'] });
    expect(initdbSnapshots()).toEqual([]);
  });

  it('a copy holding other migrations than it is named for is refused with a warning, and the directory migrated', async () => {
    await openFresh(first);
    const copy = migratedSnapshotPath(first)!;
    // Put where the copy for `first` belongs: a sound copy, but of a database brought to two migrations.
    const marked = [...first, migration(2, 'CREATE TABLE marker (n int)')];
    await openFresh(marked);
    rmSync(copy, { recursive: true, force: true });
    renameSync(migratedSnapshotPath(marked)!, copy);
    const b = await openFresh(first);
    expect(b.warnings).toHaveLength(1);
    expect(b.warnings[0]).toMatch(/was not used \(it holds 2 migrations, not the 1 it is named for\); starting from initdb instead/);
    expect(b).toMatchObject({ applied: [[1]], tables: ['alpha', 'schema_migrations'] });
  });

  it('a copy made for other migrations (one added, or one edited) is never used', async () => {
    await openFresh(first);
    const added = [...first, migration(2, 'CREATE TABLE beta (n int)')];
    expect(migratedSnapshotPath(added)).not.toBe(migratedSnapshotPath(first));
    const withAdded = await openFresh(added);
    // Applied from nothing: both migrations ran here, none came with an old copy.
    expect(withAdded).toMatchObject({ applied: [[1, 2]], warnings: [], tables: ['alpha', 'beta', 'schema_migrations'] });
    // Only the copy for the current migrations is kept.
    expect(existsSync(migratedSnapshotPath(first)!)).toBe(false);
    expect(existsSync(migratedSnapshotPath(added)!)).toBe(true);

    const edited = [migration(1, 'CREATE TABLE alpha (n bigint)'), added[1]!];
    expect(migratedSnapshotPath(edited)).not.toBe(migratedSnapshotPath(added));
    const withEdited = await openFresh(edited);
    expect(withEdited.applied).toEqual([[1, 2]]);
    expect(withEdited.recorded).toEqual(edited.map((m) => ({ version: m.version, checksum: m.checksum })));
  });

  it('a copy with a damaged file is dropped with a warning; the directory starts from initdb and is saved anew', async () => {
    await openFresh(first);
    const copy = migratedSnapshotPath(first)!;
    const control = join(copy, 'pgdata', 'global', 'pg_control');
    const bytes = readFileSync(control);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    writeFileSync(control, bytes);

    const damaged = await openFresh(first);
    expect(damaged.warnings).toHaveLength(1);
    expect(damaged.warnings[0]).toMatch(/was not used \(global\/pg_control is not the file that was saved\); starting from initdb instead/);
    expect(damaged).toMatchObject({ applied: [[1]], tables: ['alpha', 'schema_migrations'] });

    // The copy saved by that open serves the next one without a warning.
    expect(await openFresh(first)).toMatchObject({ applied: [[1]], warnings: [], tables: ['alpha', 'schema_migrations'] });
  });

  it('a copy whose manifest is unreadable is dropped with a warning, never fatal', async () => {
    await openFresh(first);
    writeFileSync(join(migratedSnapshotPath(first)!, 'manifest.json'), '{"files": "not a list"');
    const opened = await openFresh(first);
    expect(opened.warnings).toHaveLength(1);
    expect(opened.warnings[0]).toMatch(/was not used/);
    expect(opened).toMatchObject({ applied: [[1]], tables: ['alpha', 'schema_migrations'] });
  });

  it('a directory that already holds a database is resumed and left to the caller to migrate', async () => {
    const dataDir = join(root, 'kept');
    const a = await openPglite({ dataDir, statementTimeoutMs: 0, migrations: first });
    await a.query('INSERT INTO alpha VALUES (7)');
    await a.close();
    const applied: number[][] = [];
    const b = await openPglite({ dataDir, statementTimeoutMs: 0, migrations: [...first, migration(2, 'CREATE TABLE gamma (n int)')], onMigrated: (ms) => applied.push(ms.map((m) => m.version)) });
    try {
      expect((await b.query<{ n: number }>('SELECT n FROM alpha')).rows).toEqual([{ n: 7 }]);
      expect(applied).toEqual([]);
      expect((await b.query(`SELECT to_regclass('gamma') AS t`)).rows).toEqual([{ t: null }]);
    } finally {
      await b.close();
    }
  });
});
