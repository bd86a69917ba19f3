/**
 * The embedded engine: PGlite (PostgreSQL compiled to WASM) served over the PostgreSQL wire protocol on
 * 127.0.0.1 by pglite-socket, so `pg` talks to it exactly as it talks to a PostgreSQL server and every repository
 * has one implementation. The data lives in `dataDir` (or in memory when none is given, for tests).
 */
import { createHash, hash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** Where PGlite's version-keyed snapshots live: the user's cache directory, or null when it cannot be named. */
const snapshotCache = (): { dir: string; version: string } | null => {
  try {
    const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
    const pkg = JSON.parse(readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8')) as { name?: string; version?: string };
    if (pkg.name !== '@electric-sql/pglite' || typeof pkg.version !== 'string' || !/^[0-9A-Za-z.+-]+$/.test(pkg.version)) return null;
    const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
    return { dir: join(cache, 'sellpo'), version: pkg.version };
  } catch {
    return null;
  }
};

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
 * copying a directory and starting PGlite on it 0.3-0.9 s of CPU. The copy is keyed by the PGlite version and the migrations' checksums, so a changed or added migration
 * never meets an old copy, and it carries the sha256 of every file, checked while copying: a copy that differs
 * from what was saved is dropped and the directory starts the slow way, with a warning.
 */
const MANIFEST = 'manifest.json';
const DATA = 'pgdata';

interface DirectorySnapshot {
  directories: string[];
  files: [path: string, sha256: string][];
}

/** The copy of a directory migrated to `migrations`: its location in the cache, or null without a cache. */
export const migratedSnapshotPath = (migrations: readonly Migration[]): string | null => {
  const cache = snapshotCache();
  if (!cache) return null;
  const key = createHash('sha256');
  for (const m of migrations) key.update(`${m.version} ${m.checksum}\n`);
  return join(cache.dir, `pglite-${cache.version}-migrated-${key.digest('hex').slice(0, 16)}`);
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
    const [path, sha256] = Array.isArray(entry) ? entry : [];
    if (!safeRelative(path)) throw new Error('its manifest names a path outside it');
    const bytes = readFileSync(join(snapshot, DATA, path));
    if (hash('sha256', bytes) !== sha256) throw new Error(`${path} is not the file that was saved`);
    writeFileSync(join(target, path), bytes, { mode: 0o600 });
  }
};

/** Saves `dataPath` (checkpointed, nothing writing) as the snapshot `snapshot`; replaces the other migrated copies. */
const saveDirectory = (dataPath: string, snapshot: string): void => {
  const partial = `${snapshot}.${process.pid}.partial`;
  try {
    const cacheDir = dirname(snapshot);
    mkdirSync(join(partial, DATA), { recursive: true, mode: 0o700 });
    const manifest: DirectorySnapshot = { directories: [], files: [] };
    for (const entry of readdirSync(dataPath, { recursive: true, withFileTypes: true })) {
      const path = relative(dataPath, join(entry.parentPath, entry.name));
      if (entry.isDirectory()) {
        manifest.directories.push(path);
        mkdirSync(join(partial, DATA, path), { recursive: true, mode: 0o700 });
      } else if (entry.isFile() && path !== 'postmaster.pid') {
        const bytes = readFileSync(join(dataPath, path));
        writeFileSync(join(partial, DATA, path), bytes, { mode: 0o600 });
        manifest.files.push([path, hash('sha256', bytes)]);
      }
    }
    writeFileSync(join(partial, MANIFEST), JSON.stringify(manifest), { mode: 0o600 });
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
    // Loaded on demand: the WASM engine costs start-up time only where the embedded database is used.
    const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite-socket')]);
    const startParams = [...PGlite.defaultStartParams, ...START_SETTINGS];
    const start = async (load?: Blob) => {
      const db = new PGlite({ ...(dataPath ? { dataDir: dataPath } : {}), ...(load ? { loadDataDir: load } : {}), startParams });
      await db.waitReady;
      return db;
    };
    const fresh = !dataPath || !existsSync(join(dataPath, 'PG_VERSION'));
    const migrations = fresh && dataPath ? options.migrations : undefined;
    const copy = migrations ? migratedSnapshotPath(migrations) : null;
    let pglite: Awaited<ReturnType<typeof start>> | undefined;
    if (copy && existsSync(copy)) {
      try {
        rmSync(dataPath!, { recursive: true, force: true });
        restoreDirectory(copy, dataPath!);
        pglite = await start();
        // Applied to this database now, as far as anyone reading the table can tell.
        await pglite.exec('UPDATE schema_migrations SET applied_at = now()');
      } catch (error) {
        options.onWarning?.(`the saved copy of a migrated embedded database in ${copy} was not used (${(error as Error).message}); starting from initdb instead`);
        rmSync(copy, { recursive: true, force: true });
        rmSync(dataPath!, { recursive: true, force: true });
      }
    }
    const fromCopy = pglite !== undefined;
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
    // Notifications are raised inside the engine, in this process: listen there (a LISTEN over the socket would
    // share the engine's one session with every other connection).
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
