/**
 * A fresh embedded database starts from a saved initdb snapshot when one is in the user's cache directory, and
 * from initdb itself otherwise; a damaged snapshot is dropped, never fatal.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { openPglite } from '../../adapters/postgres/pglite.ts';

const version = JSON.parse(readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')).version as string;

describe('embedded database initdb snapshot', () => {
  let cache: string;
  let saved: string | undefined;
  let snapshot: string;
  beforeEach(() => {
    cache = mkdtempSync(join(tmpdir(), 'sellpo-cache-'));
    saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cache;
    snapshot = join(cache, 'sellpo', `pglite-${version}-initdb.tar`);
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    rmSync(cache, { recursive: true, force: true });
  });

  it('saves the snapshot on the first fresh open, and later fresh opens load it', async () => {
    const first = await openPglite({ statementTimeoutMs: 0 });
    await first.close();
    expect(existsSync(snapshot)).toBe(true);
    // Replace the snapshot with one carrying a marker: a fresh open that shows the marker loaded the snapshot.
    // The marked one is made from the saved one (initdb in WebAssembly again would take seconds).
    const marked = new PGlite({ loadDataDir: new Blob([readFileSync(snapshot)]) });
    await marked.exec('CREATE TABLE snapshot_marker (n int); INSERT INTO snapshot_marker VALUES (42)');
    writeFileSync(snapshot, Buffer.from(await (await marked.dumpDataDir('none')).arrayBuffer()));
    await marked.close();
    const second = await openPglite({ statementTimeoutMs: 0 });
    expect((await second.query<{ n: number }>('SELECT n FROM snapshot_marker')).rows).toEqual([{ n: 42 }]);
    await second.close();
  });

  it('a directory that already holds a database is resumed, never overwritten by the snapshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sellpo-data-'));
    try {
      const a = await openPglite({ dataDir: dir, statementTimeoutMs: 0 });
      await a.query('CREATE TABLE kept (n int)');
      await a.query('INSERT INTO kept VALUES (1)');
      await a.close();
      const b = await openPglite({ dataDir: dir, statementTimeoutMs: 0 });
      expect((await b.query<{ n: number }>('SELECT n FROM kept')).rows).toEqual([{ n: 1 }]);
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a damaged snapshot is dropped and the database starts from initdb', async () => {
    mkdirSync(dirname(snapshot), { recursive: true });
    writeFileSync(snapshot, 'not a tarball');
    const dir = mkdtempSync(join(tmpdir(), 'sellpo-data-'));
    try {
      const db = await openPglite({ dataDir: join(dir, 'fresh'), statementTimeoutMs: 0 });
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await db.close();
      expect(readFileSync(snapshot).length).toBeGreaterThan(1_000_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
