// aws-lambda-ric's npm tarball ships no native addon (rapid-client.node): its own install scripts compile curl and
// aws-lambda-cpp with cmake, then the addon with node-gyp, about 200 s of CPU. package.json's allowScripts keeps
// that out of `npm ci`. The Lambda suites and `node scripts/ensure-lambda-ric.mjs` call ensureLambdaRic instead,
// which compiles the addon once per machine, not once per install: the result is kept in the user's cache
// directory (~/.cache/sellpo, or $XDG_CACHE_HOME/sellpo), keyed by package version, platform, arch and Node ABI,
// with its sha256; a fresh `npm ci` then costs a copy. A damaged or mismatched cache entry is rebuilt with a warning.
// A lock file per key makes concurrent callers (two test runs, two clones) wait for one build instead of each
// compiling: the one that waits then copies what the other built.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { root as projectRoot } from '../bin/node-runtime.mjs';

const ADDON = 'rapid-client.node';
const ENTRY = 'entry.json';

export const defaultCacheDir = () => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sellpo');

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The package's own install scripts, run in place (they need cmake, make, g++, python3, xz). */
const buildInPlace = (pkgDir) => {
  process.stderr.write('building aws-lambda-ric\'s native addon (once per machine and version, about 200 s of CPU)...\n');
  // The scripts call `npm run build:gyp`; the project's node first on PATH builds the addon for it.
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${join(projectRoot, 'node_modules', '.bin')}:${process.env.PATH}` };
  for (const script of ['scripts/preinstall.sh', 'scripts/postinstall.sh']) {
    const run = spawnSync('sh', [script], { cwd: pkgDir, env, encoding: 'utf8' });
    if (run.status !== 0) {
      throw new Error(`aws-lambda-ric ${script} failed (needs cmake, make, g++, python3):\n${(run.stdout + run.stderr).slice(-3000)}`);
    }
  }
};

/**
 * The cache entry for `key`: { sha256 } when it is whole and made for this key, { problem } when it is damaged or
 * made for something else, null when there is none.
 */
const readEntry = (dir, key) => {
  if (!existsSync(dir)) return null;
  let entry;
  try {
    entry = JSON.parse(readFileSync(join(dir, ENTRY), 'utf8'));
  } catch {
    return { problem: `the cached addon in ${dir} has no readable ${ENTRY}` };
  }
  const differs = Object.keys(key).filter((k) => entry[k] !== key[k]);
  if (differs.length) return { problem: `the cached addon in ${dir} was made for another ${differs.map((k) => `${k} (${entry[k]}, not ${key[k]})`).join(', ')}` };
  let actual;
  try {
    actual = sha256(join(dir, ADDON));
  } catch {
    return { problem: `the cached addon in ${dir} has no ${ADDON}` };
  }
  if (typeof entry.sha256 !== 'string' || actual !== entry.sha256) {
    return { problem: `the cached addon in ${dir} is damaged (sha256 ${actual.slice(0, 12)}..., recorded ${String(entry.sha256).slice(0, 12)}...)` };
  }
  return { sha256: entry.sha256 };
};

/** Writes the entry beside its final place, then renames it in: readers see the old entry, none, or the new one. */
const writeEntry = (dir, key, addon) => {
  mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
  const temp = mkdtempSync(`${dir}.tmp-`);
  copyFileSync(addon, join(temp, ADDON));
  writeFileSync(join(temp, ENTRY), `${JSON.stringify({ ...key, sha256: sha256(join(temp, ADDON)), builtAt: new Date().toISOString() }, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(temp, dir);
};

/** Copies the cached addon into the package through a temporary name, so a reader never loads half a file. */
const install = (dir, target) => {
  const temp = `${target}.${process.pid}.tmp`;
  copyFileSync(join(dir, ADDON), temp);
  renameSync(temp, target);
};

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};

/**
 * Takes the lock file of one cache key (its content: the holder's pid), waiting while a live process holds it. A lock
 * whose holder is gone is taken over. The lock saves CPU only: the entry is written whole and checked by its
 * checksum, so a lost race costs a second build, never a wrong addon.
 */
const lock = async (file, { pollMs, timeoutMs, onWait }) => {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    let owner = NaN;
    let age = 0;
    try {
      owner = Number(readFileSync(file, 'utf8').trim());
      age = Date.now() - statSync(file).mtimeMs;
    } catch {
      continue; // released between our attempt and the read: try again at once
    }
    // An empty lock file is one being written; it counts as abandoned only after a few seconds.
    const abandoned = Number.isInteger(owner) && owner > 0 ? !alive(owner) : age > 5_000;
    if (abandoned) {
      process.stderr.write(`taking over ${file}: its process ${owner || '(unknown)'} is gone\n`);
      rmSync(file, { force: true });
      continue;
    }
    if (!told) {
      told = true;
      process.stderr.write(`waiting for process ${owner}, which is building aws-lambda-ric's addon (${file})...\n`);
      onWait?.(owner);
    }
    if (Date.now() > deadline) throw new Error(`process ${owner} still holds ${file} after ${Math.round(timeoutMs / 1000)} s: stop it, or remove the file`);
    await delay(pollMs);
  }
};

/**
 * Makes sure node_modules/aws-lambda-ric holds a working rapid-client.node, from the cache when it can.
 * Resolves with how: 'installed' (already there and equal to the cache), 'cache' (copied from it), 'seeded' (an
 * addon an earlier version of this script built in this install, now cached) or 'built'.
 * The options exist for tests: another project root, cache directory, build step, warning sink and lock timing.
 */
export const ensureLambdaRic = async ({
  root = projectRoot,
  cacheDir = defaultCacheDir(),
  build = buildInPlace,
  warn = (message) => process.stderr.write(`warning: ${message}\n`),
  onWait,
  pollMs = 250,
  timeoutMs = 20 * 60_000,
} = {}) => {
  const pkgDir = join(root, 'node_modules', 'aws-lambda-ric');
  let version;
  try {
    version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
  } catch {
    throw new Error('aws-lambda-ric is not installed: run `npm ci`');
  }
  // N-API addons load across Node versions, but a key with the ABI costs one build per Node major and rules out
  // any doubt.
  const key = { package: 'aws-lambda-ric', version, platform: process.platform, arch: process.arch, abi: process.versions.modules };
  const dir = join(cacheDir, `aws-lambda-ric-${version}-${key.platform}-${key.arch}-abi${key.abi}`);
  const target = join(pkgDir, ADDON);
  const installedMatches = (entry) => existsSync(target) && sha256(target) === entry.sha256;

  const before = readEntry(dir, key);
  if (before?.sha256) {
    if (installedMatches(before)) return 'installed';
    install(dir, target);
    return 'cache';
  }

  const release = await lock(`${dir}.lock`, { pollMs, timeoutMs, onWait });
  try {
    const entry = readEntry(dir, key); // another process may have built it while we waited
    if (entry?.sha256) {
      if (installedMatches(entry)) return 'installed';
      install(dir, target);
      return 'cache';
    }
    if (entry?.problem) warn(`${entry.problem}: rebuilding it`);
    else if (existsSync(target)) {
      writeEntry(dir, key, target);
      return 'seeded';
    }
    rmSync(target, { force: true });
    build(pkgDir);
    if (!existsSync(target)) throw new Error(`aws-lambda-ric's build made no ${ADDON}`);
    writeEntry(dir, key, target);
    return 'built';
  } finally {
    release();
  }
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const how = await ensureLambdaRic();
  process.stderr.write(`aws-lambda-ric's addon: ${how}\n`);
}
