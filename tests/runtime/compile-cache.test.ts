/**
 * The compiled code the build ships for the server's start-up (dist/compile-cache, scripts/compile-cache.mjs): the
 * server started from a moved copy of dist/ (as a container holds it) takes V8's cached code for every start-up
 * file instead of compiling it. Node keeps the cache per user id, so an image that builds as root makes it for the
 * user it runs as; a user the shipped cache was not made for falls back to the temporary directory's.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startupChunks, writeCompileCache } from '../../scripts/compile-cache.mjs';

const dist = fileURLToPath(new URL('../../dist', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'sellpo-compile-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of dist/ without the embedded copy and the source maps, and without its compile cache when `bare`. */
const copyOfDist = (name: string, bare = false): string => {
  const copy = join(scratch, name, 'dist');
  cpSync(dist, copy, { recursive: true, filter: (p) => !p.includes('pglite-snapshot') && !p.endsWith('.map') && !(bare && p.includes('compile-cache')) });
  return copy;
};

/** Starts the copied server against a database that is not there: it loads every start-up module, then exits. */
const start = (copy: string, env: Record<string, string> = {}, uid?: number) => {
  const run = spawnSync(process.execPath, [join(copy, 'server.mjs')], {
    env: { PATH: process.env.PATH, DATABASE_URL: 'postgres://sellpo@127.0.0.1:9/none', PORT: '0', NODE_DEBUG_NATIVE: 'COMPILE_CACHE', ...env },
    encoding: 'utf8',
    timeout: 30_000,
    ...(uid !== undefined ? { uid, gid: uid, cwd: '/' } : {}),
  });
  const out = run.stderr + run.stdout;
  return { out, accepted: [...out.matchAll(/V8 code cache for ESM (\S+) was accepted/g)].map((m) => m[1]!).filter((url) => url.includes('/chunks/')) };
};

describe('the compile cache the build ships', () => {
  it('names the start-up chunks: what the server imports statically, without the ones that start it', () => {
    const chunks = startupChunks(dist);
    expect(chunks.length).toBeGreaterThan(20);
    expect(chunks.every((file) => file.startsWith(join(dist, 'chunks')))).toBe(true);
    expect(chunks.some((file) => /\/serve-[^/]*\.mjs$/.test(file))).toBe(false);
  });

  it('is there, and a moved copy of dist/ starts the server from it: every start-up file accepted, none rejected', () => {
    expect(existsSync(join(dist, 'compile-cache'))).toBe(true);
    const { out, accepted } = start(copyOfDist('moved'));
    // Every start-up chunk (a server that ran from dist/ may have added entries for later ones too).
    const names = new Set(accepted.map((url) => url.split('/').pop()));
    expect(startupChunks(dist).filter((file) => !names.has(file.split('/').pop()))).toEqual([]);
    expect(out).not.toMatch(/rejected/);
    // It still failed for the database, after loading: the modules were the server's own.
    expect(out).toMatch(/sellpo: failed to start/);
  });

  it('is not read with NODE_DISABLE_COMPILE_CACHE=1', () => {
    const { out, accepted } = start(copyOfDist('disabled'));
    expect(accepted.length).toBeGreaterThan(0);
    const off = start(join(scratch, 'disabled', 'dist'), { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(off.accepted).toEqual([]);
    expect(off.out).toMatch(/sellpo: failed to start/);
    expect(out).toMatch(/sellpo: failed to start/);
  });

  // Made as root for another user, then read by that user from a directory it cannot write: the image's case.
  it.skipIf(process.getuid?.() !== 0)('made for the user the program runs as, is read by that user from a read-only dist/; another user falls back', () => {
    const copy = copyOfDist('other-user', true);
    // Root owns the copy; other users may read it (as the image's /app), not write it.
    chmodSync(scratch, 0o755);
    chmodSync(join(scratch, 'other-user'), 0o755);
    writeCompileCache(copy, { uid: 65534 });
    expect(readdirSync(join(copy, 'compile-cache')).some((d) => d.endsWith('-65534'))).toBe(true);
    spawnSync('chown', ['-R', '0:0', join(copy, 'compile-cache')]);
    const asUser = start(copy, {}, 65534);
    expect(asUser.accepted.length).toBe(startupChunks(copy).length);
    expect(asUser.accepted.length).toBeGreaterThan(20);
    // A user the cache was not made for cannot create its directory there: it uses the temporary directory's.
    const asOther = start(copy, { TMPDIR: join(scratch, 'other-tmp') }, 65533);
    expect(asOther.accepted).toEqual([]);
    expect(asOther.out).toMatch(/sellpo: failed to start/);
  });
});
