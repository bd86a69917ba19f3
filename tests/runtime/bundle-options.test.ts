/**
 * The bundles leave pg's pg-native client out (scripts/bundle-options.mjs): no bundle ships pg-native, so pg
 * answers as it does unbundled without it, `pg.native` null and NODE_PG_FORCE_NATIVE a MODULE_NOT_FOUND.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleOptions } from '../../scripts/bundle-options.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sellpo-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const probe = "import pg from 'pg';\nconst client = new pg.Client({ connectionString: 'postgres://u@127.0.0.1:1/d' });\nconsole.log(JSON.stringify({ native: pg.native, client: typeof client.query }));\n";

const run = (file: string, env: Record<string, string> = {}) => spawnSync(process.execPath, [file], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });

describe("pg's native client", () => {
  it('is left out of the bundle, which answers as pg does unbundled without pg-native', async () => {
    const entry = join(dir, 'probe.mjs');
    writeFileSync(entry, probe);
    const { sourcemap: _, ...options } = bundleOptions({});
    const result = await build({ ...options, entryPoints: [entry], outfile: join(dir, 'out.mjs'), nodePaths: [join(root, 'node_modules')] });
    expect(Object.keys(result.metafile!.inputs).filter((input) => input.includes('pg/lib/native/'))).toEqual([]);

    // Inside the project (its .cache), so the unbundled probe finds pg in node_modules.
    const unbundled = join(root, '.cache', `pg-probe-${process.pid}.mjs`);
    mkdirSync(join(root, '.cache'), { recursive: true });
    writeFileSync(unbundled, probe);
    try {
      for (const file of [unbundled, join(dir, 'out.mjs')]) {
        const plain = run(file);
        expect(plain.status, plain.stderr).toBe(0);
        expect(JSON.parse(plain.stdout)).toEqual({ native: null, client: 'function' });
        const forced = run(file, { NODE_PG_FORCE_NATIVE: '1' });
        expect(forced.status).not.toBe(0);
        expect(forced.stderr).toContain("Cannot find module 'pg-native'");
      }
    } finally {
      rmSync(unbundled, { force: true });
    }
  });
});
