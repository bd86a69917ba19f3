/**
 * scripts/ensure-lambda-ric.mjs: aws-lambda-ric's addon is compiled once per machine and cached by version,
 * platform, arch and Node ABI with its checksum. Here the build step is a stand-in that writes known bytes (the real
 * one takes minutes), in a throwaway project root and cache directory.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureLambdaRic } from '../../scripts/ensure-lambda-ric.mjs';

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A project root holding only node_modules/aws-lambda-ric/package.json, and an empty cache directory. */
const fixture = (version = '4.0.2') => {
  const base = mkdtempSync(join(tmpdir(), 'sellpo-ric-'));
  made.push(base);
  const root = join(base, 'project');
  const pkgDir = join(root, 'node_modules', 'aws-lambda-ric');
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: 'aws-lambda-ric', version }));
  const cacheDir = join(base, 'cache');
  const builds: string[] = [];
  const warnings: string[] = [];
  const build = (dir: string) => {
    builds.push(dir);
    writeFileSync(join(dir, 'rapid-client.node'), `addon built for ${version}`);
  };
  const ensure = () => ensureLambdaRic({ root, cacheDir, build, warn: (m) => warnings.push(m) });
  const entryDir = () => join(cacheDir, readdirSync(cacheDir).find((n) => n.startsWith('aws-lambda-ric-') && !n.endsWith('.lock'))!);
  return { base, root, pkgDir, cacheDir, addon: join(pkgDir, 'rapid-client.node'), builds, warnings, ensure, entryDir };
};

describe('aws-lambda-ric addon cache', () => {
  it('builds once, then a fresh install copies the cached addon instead of compiling', async () => {
    const f = fixture();
    expect(await f.ensure()).toBe('built');
    expect(f.builds).toHaveLength(1);
    const entry = f.entryDir();
    expect(entry).toBe(join(f.cacheDir, `aws-lambda-ric-4.0.2-${process.platform}-${process.arch}-abi${process.versions.modules}`));
    expect(JSON.parse(readFileSync(join(entry, 'entry.json'), 'utf8'))).toMatchObject({
      package: 'aws-lambda-ric',
      version: '4.0.2',
      abi: process.versions.modules,
      // `printf 'addon built for 4.0.2' | sha256sum`
      sha256: 'a3d5610be421d8c32a25f8a5c820846735944d9d3a0c9c687973ff10da5b12c9',
    });

    expect(await f.ensure()).toBe('installed');
    rmSync(f.addon); // what `npm ci` does to node_modules
    expect(await f.ensure()).toBe('cache');
    expect(readFileSync(f.addon, 'utf8')).toBe('addon built for 4.0.2');
    expect(f.builds).toHaveLength(1);
    expect(f.warnings).toEqual([]);
  });

  it('replaces an installed addon that differs from the cached one, without compiling', async () => {
    const f = fixture();
    await f.ensure();
    writeFileSync(f.addon, 'half an addon');
    expect(await f.ensure()).toBe('cache');
    expect(readFileSync(f.addon, 'utf8')).toBe('addon built for 4.0.2');
    expect(f.builds).toHaveLength(1);
  });

  it('rebuilds a damaged cache entry, with a warning that says so', async () => {
    const f = fixture();
    await f.ensure();
    writeFileSync(join(f.entryDir(), 'rapid-client.node'), 'addon built for 4.0.3'); // same size, other bytes
    rmSync(f.addon);
    expect(await f.ensure()).toBe('built');
    expect(f.builds).toHaveLength(2);
    expect(f.warnings).toEqual([expect.stringMatching(/is damaged \(sha256 .*\): rebuilding it$/)]);
    expect(readFileSync(join(f.entryDir(), 'rapid-client.node'), 'utf8')).toBe('addon built for 4.0.2');
    // Rebuilt whole: the next fresh install takes it from the cache again, silently.
    rmSync(f.addon);
    expect(await f.ensure()).toBe('cache');
    expect(f.warnings).toHaveLength(1);
  });

  it('rebuilds an entry recorded for another Node ABI, or with no readable record, with a warning', async () => {
    const f = fixture();
    await f.ensure();
    const record = join(f.entryDir(), 'entry.json');
    writeFileSync(record, JSON.stringify({ ...JSON.parse(readFileSync(record, 'utf8')), abi: '1' }));
    expect(await f.ensure()).toBe('built');
    expect(f.warnings[0]).toMatch(/was made for another abi \(1, not \d+\): rebuilding it$/);

    writeFileSync(record, '{"package":');
    expect(await f.ensure()).toBe('built');
    expect(f.warnings[1]).toMatch(/has no readable entry\.json: rebuilding it$/);
    expect(f.builds).toHaveLength(3);
  });

  it('keys entries by package version: an upgrade builds its own', async () => {
    const f = fixture('4.0.2');
    await f.ensure();
    writeFileSync(join(f.pkgDir, 'package.json'), JSON.stringify({ name: 'aws-lambda-ric', version: '4.0.3' }));
    rmSync(f.addon);
    expect(await f.ensure()).toBe('built');
    expect(f.builds).toHaveLength(2);
    expect(readdirSync(f.cacheDir).filter((n) => !n.endsWith('.lock')).sort()).toEqual([
      expect.stringMatching(/^aws-lambda-ric-4\.0\.2-/),
      expect.stringMatching(/^aws-lambda-ric-4\.0\.3-/),
    ]);
  });

  it('caches an addon an earlier install already built, instead of compiling again', async () => {
    const f = fixture();
    writeFileSync(f.addon, 'built by an earlier install');
    expect(await f.ensure()).toBe('seeded');
    expect(f.builds).toEqual([]);
    rmSync(f.addon);
    expect(await f.ensure()).toBe('cache');
    expect(readFileSync(f.addon, 'utf8')).toBe('built by an earlier install');
  });

  it('takes over a lock left by a process that is gone', async () => {
    const f = fixture();
    const gone = spawn(process.execPath, ['-e', '']);
    const pid = gone.pid!;
    await new Promise((resolve) => gone.once('exit', resolve));
    mkdirSync(f.cacheDir, { recursive: true });
    const entryName = `aws-lambda-ric-4.0.2-${process.platform}-${process.arch}-abi${process.versions.modules}`;
    writeFileSync(join(f.cacheDir, `${entryName}.lock`), String(pid));
    expect(await f.ensure()).toBe('built');
    expect(existsSync(join(f.cacheDir, `${entryName}.lock`))).toBe(false);
  });

  it('two processes asking at once (two clones, one cache) compile once: the second waits and copies', { timeout: 120_000 }, async () => {
    const f = fixture();
    const other = join(f.base, 'other-clone');
    mkdirSync(join(other, 'node_modules', 'aws-lambda-ric'), { recursive: true });
    writeFileSync(join(other, 'node_modules', 'aws-lambda-ric', 'package.json'), JSON.stringify({ name: 'aws-lambda-ric', version: '4.0.2' }));
    const log = join(f.base, 'builds.log');
    const waiting = join(f.base, 'someone-waits');
    // Whoever gets the lock holds it, inside its build, until the other has found the lock taken (a barrier, not a
    // timer: the bound only ends a build whose partner never waits, which is the failure this test looks for).
    const script = `
      import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
      import { join } from 'node:path';
      import { ensureLambdaRic } from ${JSON.stringify(new URL('../../scripts/ensure-lambda-ric.mjs', import.meta.url).href)};
      const [root, cacheDir, log, waiting] = process.argv.slice(1);
      const how = await ensureLambdaRic({
        root, cacheDir, pollMs: 20,
        onWait: () => writeFileSync(waiting, ''),
        build: (dir) => {
          appendFileSync(log, process.pid + '\\n');
          const bound = Date.now() + 20000;
          while (!existsSync(waiting) && Date.now() < bound) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          writeFileSync(join(dir, 'rapid-client.node'), 'addon built once');
        },
      });
      process.stdout.write(how);
    `;
    const run = (root: string) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, root, f.cacheDir, log, waiting], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d));
        child.stderr.on('data', (d: Buffer) => (err += d));
        child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
      });
    const results = await Promise.all([run(f.root), run(other)]);
    expect(results.sort()).toEqual(['built', 'cache']);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(readFileSync(f.addon, 'utf8')).toBe('addon built once');
    expect(readFileSync(join(other, 'node_modules', 'aws-lambda-ric', 'rapid-client.node'), 'utf8')).toBe('addon built once');
  });
});
