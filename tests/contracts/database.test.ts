/** The Database contract (adapters/postgres/database.ts) on PGlite and on PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { databaseEngines, withPostgres, postgresUnavailable, type TestDatabase } from '../helpers/database.ts';

for (const engine of await databaseEngines()) {
  describe.skipIf(engine.skip !== null)(`Database on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : ''}`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await engine.open();
      await db.query('CREATE TABLE contract_items (id integer PRIMARY KEY, name text NOT NULL)');
    });
    afterAll(async () => { await db?.close(); });

    it('reports its engine and runs parameterised queries', async () => {
      expect(db.engine).toBe(engine.name);
      const r = await db.query<{ n: number; s: string }>('SELECT $1::int + 1 AS n, $2::text AS s', [41, '캠핑의자']);
      expect(r.rows).toEqual([{ n: 42, s: '캠핑의자' }]);
      expect(r.rowCount).toBe(1);
    });

    it('commits a transaction that resolves and rolls back one that throws', async () => {
      await db.transaction(async (tx) => { await tx.query('INSERT INTO contract_items VALUES (1, $1)', ['kept']); });
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO contract_items VALUES (2, $1)', ['lost']);
          throw new Error('use case failed');
        }),
      ).rejects.toThrow('use case failed');
      const { rows } = await db.query('SELECT id, name FROM contract_items ORDER BY id');
      expect(rows).toEqual([{ id: 1, name: 'kept' }]);
    });

    it('turns a nested transaction into a savepoint', async () => {
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO contract_items VALUES (10, $1)', ['outer']);
        await expect(tx.transaction(async (inner) => {
          await inner.query('INSERT INTO contract_items VALUES (11, $1)', ['inner']);
          throw new Error('inner failed');
        })).rejects.toThrow('inner failed');
        await tx.transaction(async (inner) => { await inner.query('INSERT INTO contract_items VALUES (12, $1)', ['inner kept']); });
      });
      const { rows } = await db.query<{ id: number }>('SELECT id FROM contract_items WHERE id >= 10 ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual([10, 12]);
    });

    it('surfaces SQL errors with their PostgreSQL code and stays usable', async () => {
      await expect(db.query('INSERT INTO contract_items VALUES (1, $1)', ['dup'])).rejects.toMatchObject({ code: '23505' });
      expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });

    it('rejects at once with an already-aborted signal and stays usable', async () => {
      const signal = AbortSignal.abort();
      await expect(db.query('SELECT 1', [], { signal })).rejects.toMatchObject({ name: 'AbortError' });
      await expect(db.transaction(async () => 1, { signal })).rejects.toMatchObject({ name: 'AbortError' });
      expect((await db.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    });
  });
}

describe.skipIf((await postgresUnavailable()) !== null)('Database on PostgreSQL: timeouts and cancellation', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await withPostgres({ migrated: false, max: 2, statementTimeoutMs: 300 }); });
  afterAll(async () => { await db?.close(); });

  it('stops a statement at the pool statement timeout', async () => {
    const started = performance.now();
    await expect(db.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('cancels the running statement on the server when the signal aborts', async () => {
    // No statement timeout here, so only the cancellation can stop the statement.
    const db = await withPostgres({ migrated: false, max: 2, statementTimeoutMs: 0 });
    onTestFinished(() => db.close());
    const controller = new AbortController();
    const marker = `sellpo-cancel-${Date.now()}`;
    const pending = db.query(`SELECT pg_sleep(0.25) /* ${marker} */ FROM generate_series(1, 100)`, [], { signal: controller.signal });
    const running = async () => {
      const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()`, [`%${marker}%`]);
      return Number(rows[0]!.n);
    };
    // The statement runs on the server (it shows up as active) before the abort; 10 s bounds a failure only.
    await vi.waitFor(async () => expect(await running()).toBe(1), { timeout: 10_000, interval: 20 });
    const started = performance.now();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    // At once, not when the 25 s statement would have ended (a generous bound: this is no speed check).
    expect(performance.now() - started).toBeLessThan(5_000);
    // The backend stops too: the statement no longer shows up as active.
    await vi.waitFor(async () => expect(await running()).toBe(0), { timeout: 10_000, interval: 20 });
    expect((await db.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
  });
});
