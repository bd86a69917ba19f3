/**
 * The server starts opening the embedded database before it has loaded the rest of the program
 * (adapters/http/embedded-engine.ts): `startEmbeddedEarly` restores the copy and starts the engine, and the server's
 * own `openPglite` takes that engine over when it asks for the same directory, migrations and shipped copies. One
 * that asks for anything else must not find a second engine on the directory: the early one is closed first.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumOf, type Migration } from '../../adapters/postgres/migrations.ts';
import { openPglite, startEmbeddedEarly, writeMigratedSnapshot } from '../../adapters/postgres/pglite.ts';

const migration = (version: number, sql: string): Migration => {
  const name = `step_${version}`;
  return { version, name, file: `${String(version).padStart(4, '0')}_${name}.sql`, sql, checksum: checksumOf(sql) };
};

let root: string;
let shipped: string;
let savedCache: string | undefined;
const first = [migration(1, 'CREATE TABLE alpha (n int)')];
/** Opens `dataDir` at the first migrations from `shippedSnapshots`, recording what the open reports. */
const openRecording = async (dataDir: string, shippedSnapshots: string) => {
  const applied: number[][] = [];
  const warnings: string[] = [];
  const db = await openPglite({
    dataDir,
    statementTimeoutMs: 0,
    migrations: first,
    shippedSnapshots,
    onMigrated: (ms) => applied.push(ms.map((m) => m.version)),
    onWarning: (w) => warnings.push(w),
  });
  return { db, applied, warnings };
};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sellpo-early-'));
  savedCache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = join(root, 'cache');
  shipped = join(root, 'shipped');
  await writeMigratedSnapshot(first, shipped);
}, 600_000);
afterAll(() => {
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  rmSync(root, { recursive: true, force: true });
});

describe('embedded database: the early start', { timeout: 600_000 }, () => {
  it('is taken over by the open that asks for the same directory and migrations', async () => {
    const dataDir = join(root, 'same');
    await startEmbeddedEarly({ dataDir, migrations: first, shippedSnapshots: shipped });
    // Started: the directory holds the restored copy, locked by this process.
    expect(existsSync(join(dataDir, 'pgdata', 'PG_VERSION'))).toBe(true);
    expect(readFileSync(join(dataDir, 'sellpo.lock'), 'utf8')).toBe(String(process.pid));

    const { db, applied, warnings } = await openRecording(dataDir, shipped);
    try {
      // Told it was brought to the migrations from the copy: a second open of the (no longer fresh) directory would
      // have found a database already there and reported nothing.
      expect(applied).toEqual([[1]]);
      expect(warnings).toEqual([]);
      await db.query('INSERT INTO alpha VALUES (1)');
      expect((await db.query<{ n: number }>('SELECT n FROM alpha')).rows).toEqual([{ n: 1 }]);
    } finally {
      await db.close();
    }
    expect(existsSync(join(dataDir, 'sellpo.lock'))).toBe(false);
  });

  it('passes on the warnings it heard to the open that takes it over', async () => {
    const dataDir = join(root, 'warned');
    // A copy that cannot be read: the early start warns and starts from initdb instead.
    const damaged = join(root, 'damaged');
    const made = await writeMigratedSnapshot(first, damaged);
    rmSync(join(made, 'pgdata', 'PG_VERSION'));
    await startEmbeddedEarly({ dataDir, migrations: first, shippedSnapshots: damaged });
    const { db, applied, warnings } = await openRecording(dataDir, damaged);
    try {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`the saved copy of a migrated embedded database in ${made} was not used`);
      // The open applied the migration itself, to the directory the early start began from initdb.
      expect(applied).toEqual([[1]]);
      expect((await db.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.name)).toEqual(['alpha', 'schema_migrations']);
    } finally {
      await db.close();
    }
  });

  it('is closed, and its directory unlocked, when the open asks for another directory', async () => {
    const early = join(root, 'early');
    const other = join(root, 'other');
    await startEmbeddedEarly({ dataDir: early, migrations: first, shippedSnapshots: shipped });
    expect(readFileSync(join(early, 'sellpo.lock'), 'utf8')).toBe(String(process.pid));
    const db = await openPglite({ dataDir: other, statementTimeoutMs: 0, migrations: first, shippedSnapshots: shipped });
    try {
      expect(existsSync(join(early, 'sellpo.lock'))).toBe(false);
      expect((await db.query<{ n: string }>('SELECT count(*) AS n FROM alpha')).rows).toEqual([{ n: '0' }]);
    } finally {
      await db.close();
    }
    // The early directory opens again normally: it was left whole (a database restored from the copy).
    const again = await openPglite({ dataDir: early, statementTimeoutMs: 0 });
    try {
      expect((await again.query<{ n: string }>('SELECT count(*) AS n FROM alpha')).rows).toEqual([{ n: '0' }]);
    } finally {
      await again.close();
    }
  });
});
