/** Migrations (checksums, missing files, atomicity, concurrent starters) and the embedded engine's data directory. */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, migrationStatus, MigrationError } from '../../adapters/postgres/migrations.ts';
import { openPglite } from '../../adapters/postgres/pglite.ts';
import { postgresUnavailable, TEST_POSTGRES_URL, withPglite, withPostgres } from '../helpers/database.ts';

const root = new URL('../../', import.meta.url).pathname;
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sellpo-migrations-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const migrationsIn = (files: Record<string, string>) => {
  const dir = tempDir();
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
};

describe('migrations on PGlite', () => {
  it('applies pending files in order once, refuses an edited or vanished one, and applies nothing of a failing batch', async () => {
    const db = await withPglite({ migrated: false });
    try {
      const dir = migrationsIn({
        '0002_items.sql': 'CREATE TABLE items (id int PRIMARY KEY, tenant_id text NOT NULL);',
        '0001_tenants.sql': 'CREATE TABLE tenants (id text PRIMARY KEY);\n',
      });
      expect((await migrate(db, loadMigrations(dir))).map((m) => m.file)).toEqual(['0001_tenants.sql', '0002_items.sql']);
      expect(await migrate(db, loadMigrations(dir))).toEqual([]);
      expect((await migrationStatus(db, loadMigrations(dir))).map((s) => s.state)).toEqual(['applied', 'applied']);

      writeFileSync(join(dir, '0001_tenants.sql'), 'CREATE TABLE tenants (id text PRIMARY KEY, name text);');
      await expect(migrate(db, loadMigrations(dir))).rejects.toThrow(/0001_tenants\.sql was edited after it was applied/);
      expect((await migrationStatus(db, loadMigrations(dir)))[0]!.state).toBe('changed');
      // Restored with Windows line endings (a checkout with autocrlf): still the same migration.
      writeFileSync(join(dir, '0001_tenants.sql'), 'CREATE TABLE tenants (id text PRIMARY KEY);\r\n');

      unlinkSync(join(dir, '0002_items.sql'));
      await expect(migrate(db, loadMigrations(dir))).rejects.toThrow(/0002_items\.sql was applied to this database but its file is missing/);
      writeFileSync(join(dir, '0002_items.sql'), 'CREATE TABLE items (id int PRIMARY KEY, tenant_id text NOT NULL);');

      writeFileSync(join(dir, '0003_good.sql'), 'CREATE TABLE good (id int);');
      writeFileSync(join(dir, '0004_bad.sql'), 'CREATE TABLE bad (id int REFERENCES nowhere(id));');
      await expect(migrate(db, loadMigrations(dir))).rejects.toThrow(/0004_bad\.sql failed/);
      const { rows } = await db.query<{ t: string | null }>(`SELECT to_regclass('good')::text AS t`);
      expect(rows[0]!.t).toBeNull();
      expect((await migrationStatus(db, loadMigrations(dir))).map((s) => s.state)).toEqual(['applied', 'applied', 'pending', 'pending']);
    } finally {
      await db.close();
    }
  });

  it('refuses badly named files and duplicate versions, naming them', () => {
    expect(() => loadMigrations(migrationsIn({ '1_x.sql': '' }))).toThrow(MigrationError);
    expect(() => loadMigrations(migrationsIn({ '1_x.sql': '' }))).toThrow(/1_x\.sql is not named NNNN_lowercase_name\.sql/);
    expect(() => loadMigrations(migrationsIn({ '0001_a.sql': '', '0001_b.sql': '' }))).toThrow(/0001_a\.sql and 0001_b\.sql share version 0001/);
  });

  it('keeps data in DATA_DIR across a restart and refuses a second process on the same directory', async () => {
    const dataDir = tempDir();
    const first = await openPglite({ dataDir, statementTimeoutMs: 0 });
    await first.query('CREATE TABLE kept (v text)');
    await first.query(`INSERT INTO kept VALUES ('캠핑의자')`);
    // Another process holding the directory: a lock file naming a live pid that is not ours.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    try {
      const other = mkdtempSync(join(tmpdir(), 'sellpo-locked-'));
      dirs.push(other);
      writeFileSync(join(other, 'sellpo.lock'), String(child.pid));
      await expect(openPglite({ dataDir: other, statementTimeoutMs: 0 })).rejects.toThrow(new RegExp(`in use by process ${child.pid}`));
    } finally {
      child.kill();
    }
    await first.close();
    const again = await openPglite({ dataDir, statementTimeoutMs: 0 });
    try {
      expect((await again.query('SELECT v FROM kept')).rows).toEqual([{ v: '캠핑의자' }]);
    } finally {
      await again.close();
    }
  });
});

type Exit = { code: number | null; out: string; err: string };
const run = (args: string[], env: Record<string, string>): Promise<Exit> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });

/** A connection URL whose sessions live in `schema` (libpq `options`, which pg passes on). */
const urlIn = (schema: string) => `${TEST_POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;

describe.skipIf((await postgresUnavailable()) !== null)('concurrent starters on one PostgreSQL', () => {
  it('two `sellpo migrate` processes at once: the second waits for the first, the migrations are applied exactly once', async () => {
    const db = await withPostgres({ migrated: false });
    // The barrier: a lock this test holds, which the first migration file waits for. Two int4 keys, so it cannot be
    // the migration lock (one bigint key), and random ones, so parallel runs do not meet.
    const gate: [number, number] = [randomInt(1, 2 ** 31), randomInt(1, 2 ** 31)];
    const holder = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1, $2)', gate);
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await holder.query('SELECT pg_advisory_unlock($1, $2)', gate);
    };
    let migrators: Promise<[Exit, Exit]> | undefined;
    try {
      const dir = migrationsIn({
        '0001_held.sql': `SELECT pg_advisory_xact_lock(${gate[0]}, ${gate[1]}); CREATE TABLE held (id int);`,
        '0002_after.sql': 'CREATE TABLE after_held (id int);',
      });
      const app = `sellpo-migrate-${db.schema}`;
      const url = `${urlIn(db.schema)}&application_name=${app}`;
      // The statement bound must outlast the barrier on a loaded machine.
      const env = { DATABASE_URL: url, MIGRATIONS_DIR: dir, LOG_LEVEL: 'ERROR', DATABASE_STATEMENT_TIMEOUT_MS: '120000' };
      let exited = 0;
      const start = () => run(['adapters/cli/main.ts', 'migrate', '--json'], env).finally(() => void exited++);
      migrators = Promise.all([start(), start()]);

      // Both are in: one inside the first migration, held at the barrier, and the other waiting behind it for the
      // migration lock. What each waits for is read from the server: the lock's kind and the blocked statement.
      const waiting = async () =>
        (await db.query<{ wait_event: string; query: string }>(
          `SELECT wait_event, query FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [app],
        )).rows.map((r) =>
          r.wait_event !== 'advisory' ? `${r.wait_event}: ${r.query}` : r.query.includes('sellpo:migrate:') ? 'migration lock' : r.query.includes('held') ? 'barrier' : r.query,
        );
      await expect.poll(async () => (exited > 0 ? 'a migrator exited' : (await waiting()).length), { timeout: 20_000, interval: 50 }).toBe(2);
      expect((await waiting()).sort()).toEqual(['barrier', 'migration lock']);

      await release();
      const [a, b] = await migrators;
      expect([a.code, b.code, a.err + b.err]).toEqual([0, 0, '']);
      const applied = [JSON.parse(a.out).applied, JSON.parse(b.out).applied].sort((x, y) => y.length - x.length);
      expect(applied).toEqual([['0001_held.sql', '0002_after.sql'], []]);
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations');
      expect(Number(rows[0]!.n)).toBe(2);
    } finally {
      await release();
      await migrators?.catch(() => {});
      await holder.end();
      await db.close();
    }
  });

  it('two server processes sharing the database both start, migrate and answer /health', async () => {
    const db = await withPostgres({ migrated: false });
    const servers: ReturnType<typeof spawn>[] = [];
    try {
      const metricsToken = 'migrations-test-token-0123';
      const env = { ...process.env, DATABASE_URL: urlIn(db.schema), PORT: '0', HOST: '127.0.0.1', ACCESS_LOG: 'false', LOG_LEVEL: 'INFO', METRICS_TOKEN: metricsToken };
      const start = () =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ['adapters/http/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
          servers.push(child);
          let log = '';
          const timer = setTimeout(() => reject(new Error(`no listening line within 20 s:\n${log}`)), 20_000);
          const onData = (d: Buffer) => {
            log += d;
            const m = /"url":"(http:\/\/[^"]+)"/.exec(log);
            if (m) { clearTimeout(timer); resolve(m[1]!); }
          };
          child.stdout!.on('data', onData);
          child.stderr!.on('data', onData);
          child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${log}`)); });
        });
      const urls = await Promise.all([start(), start()]);
      for (const url of urls) {
        // The checks by name are shown to the metrics token (or an admin key), not to the public.
        const res = await fetch(`${url}/health`, { headers: { authorization: `Bearer ${metricsToken}` } });
        const body = (await res.json()) as { checks: { name: string; status: string }[] };
        expect(res.status).toBe(200);
        expect(body.checks).toContainEqual(expect.objectContaining({ name: 'database', status: 'up' }));
      }
      const { rows } = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(loadMigrations(join(root, 'migrations')).map((m) => m.version));
    } finally {
      for (const s of servers) s.kill('SIGTERM');
      await Promise.all(servers.map((s) => (s.exitCode === null ? new Promise((r) => s.once('exit', r)) : null)));
      await db.close();
    }
  });
});
