/**
 * The store commands of the CLI, run as an operator runs them: `sellpo migrate --status` (its listing and its
 * exit code) against a PostgreSQL schema of its own, and `sellpo dynamodb create-tables` against dynalite.
 */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { runCapturedCli } from '../helpers/cli.ts';
import { postgresUnavailable, TEST_POSTGRES_URL, withPostgres } from '../helpers/database.ts';
import { startDynalite } from '../helpers/dynamodb.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const migrationsIn = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), 'sellpo-status-'));
  dirs.push(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
};
/** A connection URL whose sessions live in `schema` (libpq `options`, which pg passes on). */
const urlIn = (schema: string) => `${TEST_POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;

describe.skipIf((await postgresUnavailable()) !== null)('sellpo migrate --status', () => {
  it('lists each migration and exits 0 only when every one is applied (docs/persistence.md)', { timeout: 60_000 }, async () => {
    const db = await withPostgres({ migrated: false });
    try {
      const dir = migrationsIn({ '0001_first.sql': 'CREATE TABLE first (id int);', '0002_second.sql': 'CREATE TABLE second (id int);' });
      const env = { DATABASE_URL: urlIn(db.schema), MIGRATIONS_DIR: dir };
      const status = async () => {
        const r = await runCapturedCli(['migrate', '--status', '--json'], env);
        return { code: r.code, states: (JSON.parse(r.stdout) as { version: number; state: string }[]).map((s) => `${s.version}:${s.state}`), stderr: r.stderr };
      };

      // Pending files are listed as such, and the database is not up to date: exit 1, so a deploy can gate on it.
      expect(await status()).toEqual({ code: 1, states: ['1:pending', '2:pending'], stderr: '2 pending: run `sellpo migrate`\n' });
      const human = await runCapturedCli(['migrate', '--status'], env);
      expect(human.code).toBe(1);
      expect(human.stdout).toMatch(/^ {2}0001_first\s+pending/m);

      expect((await runCapturedCli(['migrate'], env)).code).toBe(0);
      expect(await status()).toEqual({ code: 0, states: ['1:applied', '2:applied'], stderr: '' });

      // A new file after the others were applied: one pending.
      writeFileSync(join(dir, '0003_third.sql'), 'CREATE TABLE third (id int);');
      expect(await status()).toEqual({ code: 1, states: ['1:applied', '2:applied', '3:pending'], stderr: '1 pending: run `sellpo migrate`\n' });
      unlinkSync(join(dir, '0003_third.sql'));

      // Edited after it was applied: exit 1.
      writeFileSync(join(dir, '0001_first.sql'), 'CREATE TABLE first (id bigint);');
      const editOrDelete = 'never edit or delete an applied migration, add a new one\n';
      expect(await status()).toEqual({ code: 1, states: ['1:changed', '2:applied'], stderr: `1 changed, 0 missing: ${editOrDelete}` });

      // Applied, then its file vanished: exit 1.
      writeFileSync(join(dir, '0001_first.sql'), 'CREATE TABLE first (id int);');
      unlinkSync(join(dir, '0002_second.sql'));
      expect(await status()).toEqual({ code: 1, states: ['1:applied', '2:missing'], stderr: `0 changed, 1 missing: ${editOrDelete}` });

      // --status changed nothing: the edited file was never run.
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations');
      expect(Number(rows[0]!.n)).toBe(2);
    } finally {
      await db.close();
    }
  });
});

describe('sellpo dynamodb create-tables (dynalite)', () => {
  it('creates the three tables once, leaves existing ones alone, and refuses an unknown action', { timeout: 60_000 }, async () => {
    const dynamo = await startDynalite({ createTables: false });
    try {
      const env = { DYNAMODB_ENDPOINT: dynamo.endpoint, DYNAMODB_TABLE_PREFIX: dynamo.prefix };
      const first = await runCapturedCli(['dynamodb', 'create-tables', '--json'], env);
      expect(first.code, first.stderr).toBe(0);
      // dynalite has no TTL API: reported as such, not as a failure.
      expect(JSON.parse(first.stdout)).toEqual(
        ['idempotency', 'rate_counters', 'response_cache'].map((name) => ({ table: `${dynamo.prefix}${name}`, status: 'created', ttl: 'unsupported' })),
      );
      const listed = await dynamo.client.send(new ListTablesCommand({}));
      expect(listed.TableNames?.filter((t) => t.startsWith(dynamo.prefix)).sort()).toEqual(
        [`${dynamo.prefix}idempotency`, `${dynamo.prefix}rate_counters`, `${dynamo.prefix}response_cache`],
      );

      const again = await runCapturedCli(['dynamodb', 'create-tables'], env);
      expect(again.code).toBe(0);
      expect(again.stdout.trim().split('\n').map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
        `${dynamo.prefix}idempotency exists`,
        `${dynamo.prefix}rate_counters exists`,
        `${dynamo.prefix}response_cache exists`,
      ]);

      const unknown = await runCapturedCli(['dynamodb', 'drop-tables'], env);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('unknown action "drop-tables"');
    } finally {
      await dynamo.close();
    }
  });
});
