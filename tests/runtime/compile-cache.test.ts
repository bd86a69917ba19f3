/**
 * The compiled code the build ships for the server's start-up (dist/compile-cache, build.mjs): the server started
 * from a moved copy of dist/ (as a container holds it) takes V8's cached code for every start-up file instead of
 * compiling it, and with NODE_DISABLE_COMPILE_CACHE=1 reads none.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../../dist', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'sellpo-compile-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Starts the copied server against a database that is not there: it loads every start-up module, then exits. */
const start = (env: Record<string, string>) => {
  const copy = join(scratch, 'dist');
  if (!existsSync(copy)) cpSync(dist, copy, { recursive: true, filter: (p) => !p.includes('pglite-snapshot') && !p.endsWith('.map') });
  const run = spawnSync(process.execPath, [join(copy, 'server.mjs')], {
    env: { PATH: process.env.PATH, DATABASE_URL: 'postgres://sellpo@127.0.0.1:9/none', PORT: '0', NODE_DEBUG_NATIVE: 'COMPILE_CACHE', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return run.stderr + run.stdout;
};

describe('the compile cache the build ships', () => {
  it('is there, and a moved copy of dist/ starts the server from it: every start-up file accepted, none rejected', () => {
    expect(existsSync(join(dist, 'compile-cache'))).toBe(true);
    const out = start({});
    const accepted = [...out.matchAll(/V8 code cache for ESM (\S+) was accepted/g)].map((m) => m[1]!);
    expect(accepted.filter((url) => url.includes('/chunks/')).length).toBeGreaterThan(20);
    expect(out).not.toMatch(/rejected/);
    // It still failed for the database, after loading: the modules were the server's own.
    expect(out).toMatch(/sellpo: failed to start/);
  });

  it('is not read with NODE_DISABLE_COMPILE_CACHE=1', () => {
    const out = start({ NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(out).not.toMatch(/was accepted/);
    expect(out).toMatch(/sellpo: failed to start/);
  });
});
