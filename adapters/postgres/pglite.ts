/**
 * The embedded engine: PGlite (PostgreSQL compiled to WASM) served over the PostgreSQL wire protocol on
 * 127.0.0.1 by pglite-socket, so `pg` talks to it exactly as it talks to a PostgreSQL server and every repository
 * has one implementation. The data lives in `dataDir` (or in memory when none is given, for tests).
 */
import { createHash, hash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGliteOptions as PGliteOptions_ } from '@electric-sql/pglite';
import type { ChannelHandlers, Database, Listening } from './database.ts';
import { migrate, type Migration } from './migrations.ts';
import { pgDatabase } from './pg.ts';

export interface PgliteOptions {
  /** Directory holding the database files; omitted = in memory (lost on close). */
  dataDir?: string;
  statementTimeoutMs: number;
  /**
   * A fresh `dataDir` is brought to these migrations before it is served: from a saved copy of a directory that
   * holds them when the cache has one, else by applying them and saving such a copy. Others are left to the caller.
   */
  migrations?: Migration[];
  /** Hears the migrations a fresh directory was brought to. */
  onMigrated?: (applied: Migration[]) => void;
  /** Hears why a saved copy was not used or could not be saved (the open goes on the slow way). */
  onWarning?: (message: string) => void;
  /** The folder of copies the build shipped (dist/pglite-snapshot); found next to the program when omitted. */
  shippedSnapshots?: string;
  /** An in-memory database starts from this dump (PGlite's `dumpDataDir`) instead of initdb: tests' migrated template. */
  loadDataDir?: Blob;
}

/**
 * PostgreSQL's defaults size shared memory for a server (128 MB of buffers, 100 connections), and PGlite's start
 * spends most of its time preparing that memory; its single backend needs little of it. Opening a directory with
 * these: 1.1-2.2 s instead of 4.6-5.7 s on a loaded two-core machine.
 */
const START_SETTINGS = ['-c', 'shared_buffers=16MB', '-c', 'max_connections=10'];

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Where the process holding the lock says its engine is served: `{ pid, host, port }` (loopback). */
const ADDRESS_FILE = 'sellpo.server';

class DirectoryInUse extends Error {
  readonly owner: number;
  constructor(message: string, owner: number) {
    super(message);
    this.name = 'DirectoryInUse';
    this.owner = owner;
  }
}

/** The address the live lock owner published, or null (not published yet, or left by another process). */
const servedAddress = (dir: string, owner: number): { host: string; port: number } | null => {
  try {
    const a = JSON.parse(readFileSync(join(dir, ADDRESS_FILE), 'utf8')) as { pid?: unknown; host?: unknown; port?: unknown };
    if (a.pid !== owner || a.host !== '127.0.0.1' || typeof a.port !== 'number' || !Number.isInteger(a.port) || a.port <= 0) return null;
    return { host: a.host, port: a.port };
  } catch {
    return null;
  }
};

/**
 * PGlite has no postmaster.pid: two processes opening one directory would corrupt it. A lock file with our pid
 * refuses the second one with a clear message; a lock left by a dead process is taken over.
 */
const lockDirectory = (dir: string): (() => void) => {
  const file = join(dir, 'sellpo.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new DirectoryInUse(
          `the embedded database in ${dir} is in use by process ${owner}, which does not serve it to others (yet: ` +
            'a server still starting does so in a moment). Stop that process, or point both at a PostgreSQL server with DATABASE_URL.',
          owner,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock the embedded database in ${dir}`);
};

/** The installed PGlite's folder of files (dist/) and version, or null when they cannot be read. */
const pgliteInstall = (): { dist: string; version: string } | null => {
  try {
    const dist = dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')));
    const pkg = JSON.parse(readFileSync(join(dirname(dist), 'package.json'), 'utf8')) as { name?: string; version?: string };
    if (pkg.name !== '@electric-sql/pglite' || typeof pkg.version !== 'string' || !/^[0-9A-Za-z.+-]+$/.test(pkg.version)) return null;
    return { dist, version: pkg.version };
  } catch {
    return null;
  }
};

/** Where PGlite's version-keyed snapshots live: the user's cache directory, or null when it cannot be named. */
const snapshotCache = (): { dir: string; version: string } | null => {
  const install = pgliteInstall();
  if (!install) return null;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return { dir: join(cache, 'sellpo'), version: install.version };
};

/** A compiled WebAssembly module, as PGlite takes it (the project's TypeScript libraries do not declare WebAssembly). */
type EngineModule = NonNullable<PGliteOptions_['pgliteWasmModule']>;
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<EngineModule> } }).WebAssembly;

/**
 * PGlite's engine (9 MB of WebAssembly), compiled while the process does other work (copying a saved directory,
 * loading modules): V8 compiles off the main thread, and the same module serves initdb's second instance.
 * Undefined when the file cannot be read or compiled; PGlite then compiles it itself.
 */
let engineModule: Promise<EngineModule | undefined> | undefined;
const compileEngine = (): Promise<EngineModule | undefined> => {
  const install = pgliteInstall();
  if (!install) return Promise.resolve(undefined);
  return readFile(join(install.dist, 'pglite.wasm'))
    .then((bytes) => wasm.compile(bytes))
    .catch(() => undefined);
};

/**
 * Starts compiling PGlite's engine now, once per process (PGlite keeps its compiled module for the process too):
 * the server calls it first thing when it will open the embedded database, so the compile overlaps loading the rest
 * of the program.
 */
export const prepareEmbeddedEngine = (): Promise<EngineModule | undefined> => (engineModule ??= compileEngine());

/**
 * A fresh PGlite runs initdb inside WebAssembly: about 4.4 s on these machines, against about 1.4 s to load the same
 * empty cluster from a tarball. The first fresh open in a user account saves that tarball (right after initdb, before
 * any migration, so every database still starts from initdb's own files) in the user's cache directory (mode 0700),
 * keyed by the PGlite version; later fresh opens load it. Any failure to read or write it falls back to initdb.
 */
const initdbSnapshotPath = (): string | null => {
  const cache = snapshotCache();
  return cache ? join(cache.dir, `pglite-${cache.version}-initdb.tar`) : null;
};

const readSnapshot = (file: string | null): Blob | undefined => {
  if (!file) return undefined;
  try {
    return new Blob([readFileSync(file)]);
  } catch {
    return undefined;
  }
};

const saveSnapshot = async (file: string, pglite: { dumpDataDir(compression?: 'none'): Promise<Blob | File> }): Promise<void> => {
  try {
    const tar = Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer());
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, tar, { mode: 0o600 });
    renameSync(partial, file);
  } catch {
    // A cache only: the next fresh open runs initdb again.
  }
};

/**
 * A fresh data directory is also started from a copy of a migrated one. Measured on a loaded two-core machine:
 * PGlite loading the initdb tarball into a directory and starting took 1.3-2.2 s of CPU, the migrations then 4.3 s;
 * copying a directory and starting PGlite on it 0.3-0.9 s of CPU. The build ships one (dist/pglite-snapshot, tried
 * first), and the user's cache keeps one saved by a fresh directory that had to be migrated.
 * The copy is keyed by the PGlite version and the migrations' checksums, so a changed or added migration
 * never meets an old copy, and it carries the sha256 of every file, checked while copying: a copy that differs
 * from what was saved is dropped and the directory starts the slow way, with a warning.
 */
const MANIFEST = 'manifest.json';
const DATA = 'pgdata';

interface DirectorySnapshot {
  directories: string[];
  /**
   * Each file's bytes are saved without their trailing zeros (a WAL segment is 16 MB, mostly zeros): `size` is the
   * file's length, restored as a sparse tail; `sha256` is over the saved bytes. Older copies have no `size`.
   */
  files: [path: string, sha256: string, size?: number][];
}

/** The name of the copy of a directory migrated to `migrations`, keyed by PGlite's version and their checksums. */
export const migratedSnapshotName = (migrations: readonly Migration[]): string | null => {
  const install = pgliteInstall();
  if (!install) return null;
  const key = createHash('sha256');
  for (const m of migrations) key.update(`${m.version} ${m.checksum}\n`);
  return `pglite-${install.version}-migrated-${key.digest('hex').slice(0, 16)}`;
};

/** The copy of a directory migrated to `migrations`: its location in the cache, or null without a cache. */
export const migratedSnapshotPath = (migrations: readonly Migration[]): string | null => {
  const cache = snapshotCache();
  const name = migratedSnapshotName(migrations);
  return cache && name ? join(cache.dir, name) : null;
};

/** The folder of copies the build ships next to the bundles (dist/pglite-snapshot), found as migrations are. */
export const SHIPPED_SNAPSHOTS = 'pglite-snapshot';

/** The copy the build shipped for `migrations`, when there is one in `folder` or next to the program. */
const shippedSnapshotPath = (migrations: readonly Migration[], folder?: string): string | null => {
  const name = migratedSnapshotName(migrations);
  if (!name) return null;
  const folders = folder ? [folder] : [`./${SHIPPED_SNAPSHOTS}/`, `../${SHIPPED_SNAPSHOTS}/`].map((c) => fileURLToPath(new URL(c, import.meta.url)));
  for (const f of folders) {
    const path = join(f, name);
    if (existsSync(join(path, MANIFEST))) return path;
  }
  return null;
};

/** `bytes` without its trailing zeros. */
const trimZeros = (bytes: Buffer): Buffer => {
  let end = bytes.length;
  // Eight bytes at a time while they are all zero, then byte by byte.
  while (end >= 8 && bytes.readBigUInt64LE(end - 8) === 0n) end -= 8;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.subarray(0, end);
};

/** A path from a manifest: relative, inside the directory. */
const safeRelative = (path: unknown): path is string =>
  typeof path === 'string' && path !== '' && !isAbsolute(path) && !path.split(/[\\/]/).includes('..');

/** Copies the snapshot's files into `target` (which must not exist yet), checking each against its sha256. */
const restoreDirectory = (snapshot: string, target: string): void => {
  const manifest = JSON.parse(readFileSync(join(snapshot, MANIFEST), 'utf8')) as Partial<DirectorySnapshot>;
  if (!Array.isArray(manifest.directories) || !Array.isArray(manifest.files) || manifest.files.length === 0) throw new Error('its manifest lists no files');
  mkdirSync(target, { mode: 0o700 });
  for (const dir of manifest.directories) {
    if (!safeRelative(dir)) throw new Error('its manifest names a path outside it');
    mkdirSync(join(target, dir), { recursive: true, mode: 0o700 });
  }
  for (const entry of manifest.files) {
    const [path, sha256, size] = Array.isArray(entry) ? entry : [];
    if (!safeRelative(path)) throw new Error('its manifest names a path outside it');
    const bytes = readFileSync(join(snapshot, DATA, path));
    if (hash('sha256', bytes) !== sha256) throw new Error(`${path} is not the file that was saved`);
    const file = join(target, path);
    writeFileSync(file, bytes, { mode: 0o600 });
    if (size !== undefined) {
      if (!Number.isSafeInteger(size) || size < bytes.length) throw new Error(`its manifest gives ${path} a wrong size`);
      if (size > bytes.length) truncateSync(file, size);
    }
  }
};

/**
 * Saves `dataPath` (checkpointed, nothing writing) as the snapshot `snapshot`; replaces the other migrated copies.
 * Private to the user in a cache; `shared` (the build's copy, schema only) is readable by the account a container
 * runs the server as.
 */
const saveDirectory = (dataPath: string, snapshot: string, shared = false): void => {
  const partial = `${snapshot}.${process.pid}.partial`;
  const dirMode = shared ? 0o755 : 0o700;
  const fileMode = shared ? 0o644 : 0o600;
  try {
    const cacheDir = dirname(snapshot);
    mkdirSync(join(partial, DATA), { recursive: true, mode: dirMode });
    const manifest: DirectorySnapshot = { directories: [], files: [] };
    for (const entry of readdirSync(dataPath, { recursive: true, withFileTypes: true })) {
      const path = relative(dataPath, join(entry.parentPath, entry.name));
      if (entry.isDirectory()) {
        manifest.directories.push(path);
        mkdirSync(join(partial, DATA, path), { recursive: true, mode: dirMode });
      } else if (entry.isFile() && path !== 'postmaster.pid') {
        const whole = readFileSync(join(dataPath, path));
        const bytes = trimZeros(whole);
        writeFileSync(join(partial, DATA, path), bytes, { mode: fileMode });
        manifest.files.push([path, hash('sha256', bytes), whole.length]);
      }
    }
    writeFileSync(join(partial, MANIFEST), JSON.stringify(manifest), { mode: fileMode });
    // Another process starting a fresh directory at the same time may have saved the same copy first.
    if (existsSync(snapshot)) return;
    renameSync(partial, snapshot);
    // One migrated copy is kept: the others belong to migrations this checkout no longer has.
    const name = basename(snapshot);
    const prefix = name.slice(0, name.lastIndexOf('-') + 1);
    for (const other of readdirSync(cacheDir)) {
      if (other.startsWith(prefix) && other !== name && !other.endsWith('.partial')) rmSync(join(cacheDir, other), { recursive: true, force: true });
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
};

/**
 * Opens the embedded database in `dataDir`. When another process holds the directory and serves it (a running
 * `npm start`), this process connects to that process's engine instead (the CLI next to the server): PGlite
 * stays in one process, and the wire protocol's multiplexer there runs one transaction at a time.
 */
export const openPglite = async (options: PgliteOptions): Promise<Database> => {
  let unlock = () => {};
  let dataPath: string | undefined;
  let dir: string | undefined;
  if (options.dataDir) {
    dir = resolve(options.dataDir);
    mkdirSync(dir, { recursive: true });
    try {
      unlock = lockDirectory(dir);
    } catch (error) {
      const served = error instanceof DirectoryInUse ? servedAddress(dir, error.owner) : null;
      if (!served) throw error;
      return pgDatabase({ engine: 'pglite', ...served, user: 'postgres', database: 'postgres', max: 1, statementTimeoutMs: options.statementTimeoutMs, connectTimeoutMs: 10_000 });
    }
    dataPath = join(dir, 'pgdata');
  }
  try {
    // Loaded on demand: the WASM engine costs start-up time only where the embedded database is used. Its compile
    // starts first, so it runs while the modules load and a saved directory is copied.
    const engine$ = prepareEmbeddedEngine();
    const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite-socket')]);
    const startParams = [...PGlite.defaultStartParams, ...START_SETTINGS];
    const start = async (load?: Blob) => {
      const pgliteWasmModule = await engine$;
      const db = new PGlite({
        ...(dataPath ? { dataDir: dataPath } : {}),
        ...(load ? { loadDataDir: load } : {}),
        ...(pgliteWasmModule ? { pgliteWasmModule } : {}),
        startParams,
      });
      await db.waitReady;
      return db;
    };
    const fresh = !dataPath || !existsSync(join(dataPath, 'PG_VERSION'));
    const migrations = fresh && dataPath ? options.migrations : undefined;
    const copy = migrations ? migratedSnapshotPath(migrations) : null;
    // The build's copy first (shipped next to the program, never changed here), then the one in the user's cache.
    const copies = migrations ? [shippedSnapshotPath(migrations, options.shippedSnapshots), copy].filter((c): c is string => c !== null && existsSync(c)) : [];
    let pglite: Awaited<ReturnType<typeof start>> | undefined;
    for (const saved of copies) {
      let started: Awaited<ReturnType<typeof start>> | undefined;
      try {
        rmSync(dataPath!, { recursive: true, force: true });
        restoreDirectory(saved, dataPath!);
        started = await start();
        // Applied to this database now, as far as anyone reading the table can tell.
        await started.exec('UPDATE schema_migrations SET applied_at = now()');
        pglite = started;
        break;
      } catch (error) {
        await started?.close().catch(() => {});
        const next = saved === copy || !copy || !copies.includes(copy) ? 'starting from initdb instead' : `trying ${copy} instead`;
        options.onWarning?.(`the saved copy of a migrated embedded database in ${saved} was not used (${(error as Error).message}); ${next}`);
        // A damaged copy in the cache is dropped (the next fresh start saves a good one); the shipped one is left.
        if (saved === copy) rmSync(copy, { recursive: true, force: true });
        rmSync(dataPath!, { recursive: true, force: true });
      }
    }
    const fromCopy = pglite !== undefined;
    if (!pglite && !dataPath && options.loadDataDir) pglite = await start(options.loadDataDir);
    if (!pglite) {
      const snapshotFile = fresh ? initdbSnapshotPath() : null;
      const snapshot = readSnapshot(snapshotFile);
      let loaded = snapshot !== undefined;
      try {
        pglite = await start(snapshot);
      } catch (error) {
        if (!snapshot) throw error;
        // A damaged snapshot: forget it and run initdb (the directory was fresh, so nothing of the caller's is lost).
        options.onWarning?.(`the saved initdb snapshot ${snapshotFile} was not used (${(error as Error).message}); running initdb instead`);
        rmSync(snapshotFile!, { force: true });
        if (dataPath) rmSync(dataPath, { recursive: true, force: true });
        pglite = await start();
        loaded = false;
      }
      if (snapshotFile && !loaded) await saveSnapshot(snapshotFile, pglite);
    }
    const engine = pglite;
    // Our pool's one connection, one reconnect while it is replaced (after a cancelled query), and room for the
    // CLI of the same directory (a connection per command) next to the server.
    const server = new PGLiteSocketServer({ db: engine, host: '127.0.0.1', port: 0, maxConnections: 4 });
    await server.start();
    const [host, port] = server.getServerConn().split(':');
    // Published only for the process that owns the directory: a second process on it connects here.
    const addressFile = dir ? join(dir, ADDRESS_FILE) : undefined;
    if (addressFile) writeFileSync(addressFile, JSON.stringify({ pid: process.pid, host, port: Number(port) }), { mode: 0o600 });
    const served = pgDatabase({
      engine: 'pglite',
      host: host!,
      port: Number(port),
      user: 'postgres',
      database: 'postgres',
      max: 1,
      statementTimeoutMs: options.statementTimeoutMs,
      connectTimeoutMs: 10_000,
      onClose: async () => {
        if (addressFile) rmSync(addressFile, { force: true });
        await server.stop();
        await engine.close();
        unlock();
      },
    });
    // Listens in the engine itself. It hears only what is raised directly on the engine: statements sent through
    // the socket (our own pool's, the CLI's) deliver their notifications to that socket's client, not here. The one
    // process on an embedded database forgets what it changes itself (adapters/auth/key-cache.ts).
    const listen = (channel: string, handlers: ChannelHandlers): Listening => {
      let unlisten: (() => Promise<void>) | undefined;
      const ready = engine.listen(channel, (payload) => handlers.onNotify(payload)).then((stop) => {
        unlisten = stop;
        handlers.onListening?.();
      });
      return {
        ready,
        close: async () => {
          await ready.catch(() => {});
          await unlisten?.().catch(() => {});
        },
      };
    };
    const db: Database = { ...served, listen };
    if (migrations && fromCopy) options.onMigrated?.(migrations);
    if (migrations && copy && !fromCopy) {
      try {
        options.onMigrated?.(await migrate(db, migrations));
        await engine.exec('CHECKPOINT');
      } catch (error) {
        await db.close().catch(() => {});
        throw error;
      }
      try {
        saveDirectory(dataPath!, copy);
      } catch (error) {
        options.onWarning?.(`could not save a copy of the migrated embedded database in ${copy}: ${(error as Error).message}`);
      }
    }
    return db;
  } catch (error) {
    unlock();
    throw error;
  }
};

/** Hard-links (or, across file systems, copies) the files of `from` into `to` (a shipped copy: readable by all). */
const linkTree = (from: string, to: string): void => {
  mkdirSync(to, { recursive: true, mode: 0o755 });
  for (const entry of readdirSync(from, { recursive: true, withFileTypes: true })) {
    const path = relative(from, join(entry.parentPath, entry.name));
    if (entry.isDirectory()) mkdirSync(join(to, path), { recursive: true, mode: 0o755 });
    else {
      mkdirSync(dirname(join(to, path)), { recursive: true, mode: 0o755 });
      try {
        linkSync(join(from, path), join(to, path));
      } catch {
        copyFileSync(join(from, path), join(to, path));
      }
    }
  }
};

/**
 * Writes the copy of a directory migrated to `migrations` into the folder `into` (the build's dist/pglite-snapshot,
 * found by a server started from dist/): taken from `previous` (the last build's folder) when that holds the copy
 * for the same PGlite and migrations (copies are only ever read, so it is linked), else made by applying the
 * migrations to a fresh directory. Returns the copy's path. A restore checks every file against its sha256 either way.
 */
export const writeMigratedSnapshot = async (migrations: Migration[], into: string, previous?: string): Promise<string> => {
  const name = migratedSnapshotName(migrations);
  if (!name) throw new Error('the installed @electric-sql/pglite cannot be read');
  const target = join(into, name);
  mkdirSync(into, { recursive: true, mode: 0o755 });
  if (previous && existsSync(join(previous, name, MANIFEST))) {
    linkTree(join(previous, name), target);
    return target;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'sellpo-snapshot-'));
  try {
    // From initdb and the migrations themselves, never from a copy in the user's cache.
    const db = await openPglite({ dataDir: scratch, statementTimeoutMs: 0 });
    try {
      await migrate(db, migrations);
    } finally {
      await db.close();
    }
    saveDirectory(join(scratch, 'pgdata'), target, true);
    return target;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
};
