import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statementNames } from '../../adapters/postgres/pg.ts';
import { postgresUnavailable, withPglite, withPostgres, type TestDatabase } from '../helpers/database.ts';

describe('statement names', () => {
  it('names each distinct text with parameters once, and leaves texts without parameters to the simple protocol', () => {
    const names = statementNames(true);
    const a = names.of('SELECT $1::int', [1]);
    expect(a).toMatch(/^sellpo_\d+$/);
    expect(names.of('SELECT $1::int', [2])).toBe(a);
    expect(names.of('SELECT $1::text', ['x'])).not.toBe(a);
    expect(names.of('BEGIN', undefined)).toBeUndefined();
    expect(names.of('SELECT 1; SELECT 2', [])).toBeUndefined();
  });

  it('names nothing when turned off', () => {
    expect(statementNames(false).of('SELECT $1::int', [1])).toBeUndefined();
  });

  it('stops naming past 2,000 distinct texts, keeping the names it gave', () => {
    const names = statementNames(true);
    const first = names.of('SELECT 0 + $1::int', [1]);
    for (let i = 1; i < 2_000; i++) expect(names.of(`SELECT ${i} + $1::int`, [1])).toBeDefined();
    expect(names.of('SELECT 2000 + $1::int', [1])).toBeUndefined();
    expect(names.of('SELECT 0 + $1::int', [1])).toBe(first);
  });

  it('sends a forgotten text unnamed from then on', () => {
    const names = statementNames(true);
    expect(names.of('SELECT $1::int', [1])).toBeDefined();
    names.forget('SELECT $1::int');
    expect(names.of('SELECT $1::int', [1])).toBeUndefined();
  });
});

const skip = await postgresUnavailable();

describe.skipIf(skip !== null)('named statements on PostgreSQL', () => {
  let db: TestDatabase;
  // One connection, so the session that prepared a statement is the one asked about it.
  beforeAll(async () => (db = await withPostgres({ migrated: false, max: 1, pipelinedConnections: 0 })));
  afterAll(() => db?.close());

  const prepared = async () =>
    (await db.query<{ name: string; statement: string }>('SELECT name, statement FROM pg_prepared_statements ORDER BY name')).rows;

  it('prepares a statement with parameters once per connection and reuses it', async () => {
    const text = 'SELECT $1::int + 1 AS n';
    expect((await db.query<{ n: number }>(text, [1])).rows).toEqual([{ n: 2 }]);
    expect((await db.query<{ n: number }>(text, [41])).rows).toEqual([{ n: 42 }]);
    const rows = (await prepared()).filter((r) => r.statement === text);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.name).toMatch(/^sellpo_\d+$/);
  });

  it('sends a text of several statements without parameters unnamed, and gives the rows of each in turn', async () => {
    const r = await db.query<{ n: number }>('SELECT 1 AS n; SELECT 2 AS n UNION ALL SELECT 3', []);
    expect(r.rows).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(r.rowCount).toBe(3);
  });

  it('names statements run inside a transaction too', async () => {
    const text = 'SELECT $1::text AS s';
    expect(await db.transaction(async (tx) => (await tx.query<{ s: string }>(text, ['김'])).rows)).toEqual([{ s: '김' }]);
    expect((await prepared()).map((r) => r.statement)).toContain(text);
  });

  it('answers again, unnamed, when a migration changed the result under a prepared statement', async () => {
    await db.query('CREATE TABLE prepared_probe (a int)');
    await db.query('INSERT INTO prepared_probe VALUES (1)');
    const text = 'SELECT * FROM prepared_probe WHERE a = $1';
    expect((await db.query(text, [1])).rows).toEqual([{ a: 1 }]);
    await db.query('ALTER TABLE prepared_probe ADD COLUMN b text');
    // The prepared plan's result type changed: PostgreSQL refuses it, and the statement is sent again unnamed.
    expect((await db.query(text, [1])).rows).toEqual([{ a: 1, b: null }]);
    expect((await db.query(text, [1])).rows).toEqual([{ a: 1, b: null }]);
  });

  it('fails the transaction it happens in, whose statements already failed, and then recovers', async () => {
    await db.query('CREATE TABLE prepared_probe_tx (a int)');
    await db.query('INSERT INTO prepared_probe_tx VALUES (1)');
    const text = 'SELECT * FROM prepared_probe_tx WHERE a = $1';
    await db.transaction((tx) => tx.query(text, [1]));
    await db.query('ALTER TABLE prepared_probe_tx ADD COLUMN b text');
    await expect(db.transaction((tx) => tx.query(text, [1]))).rejects.toThrow(/cached plan must not change result type/);
    expect(await db.transaction(async (tx) => (await tx.query(text, [1])).rows)).toEqual([{ a: 1, b: null }]);
  });

  it('answers a named statement in later transactions after one whose parameter pg could not serialise', async () => {
    // pg fails such a statement after writing its Parse, and closes the statement it named while still marking it
    // parsed: the connection, back in the pool, failed every later use of that text with 26000.
    const text = 'SELECT $1::jsonb AS j /* unserialisable in a transaction */';
    await expect(db.transaction((tx) => tx.query(text, [{ n: 1n }]))).rejects.toThrow(/BigInt/);
    for (const n of [1, 2]) expect(await db.transaction(async (tx) => (await tx.query(text, [{ n }])).rows)).toEqual([{ j: { n } }]);
  });
});

describe('PGlite', () => {
  it('prepares no named statements: its connections share one session', async () => {
    const db = await withPglite({ migrated: false });
    try {
      expect((await db.query<{ n: number }>('SELECT $1::int AS n', [3])).rows).toEqual([{ n: 3 }]);
      expect((await db.query('SELECT name FROM pg_prepared_statements')).rows).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
