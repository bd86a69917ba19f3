/**
 * The embedded engine itself: PGlite started on a data directory (from a saved copy of a migrated one, an initdb
 * snapshot, or initdb) and served on 127.0.0.1 by pglite-socket. It runs in a worker thread for a directory on disk
 * (adapters/postgres/pglite-worker.ts), so restoring the copy and starting PostgreSQL in WebAssembly (most of a fresh
 * start's CPU) happen while the main thread loads the program and starts everything else; in memory (tests) it
 * runs in the caller's thread. This module holds only what the engine needs, so the worker loads little else.
 */
import { hash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGliteOptions as PGliteOptions_ } from '@electric-sql/pglite';

/**
 * PostgreSQL's defaults size shared memory for a server (128 MB of buffers, 100 connections), and PGlite's start
 * spends most of its time preparing that memory; its single backend needs little of it. Opening a directory with
 * these: 1.1-2.2 s instead of 4.6-5.7 s on a loaded two-core machine.
 */
const START_SETTINGS = ['-c', 'shared_buffers=16MB', '-c', 'max_connections=10'];

let install: { dist: string; version: string } | null | undefined;
/**
 * The installed PGlite's folder of files (dist/) and version, or null when they cannot be read. Found once per
 * thread: a start asks several times (the copy's name, the cache, the engine).
 */
export const pgliteInstall = (): { dist: string; version: string } | null => (install ??= readInstall());
const readInstall = (): { dist: string; version: string } | null => {
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
export const snapshotCache = (): { dir: string; version: string } | null => {
  const install = pgliteInstall();
  if (!install) return null;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return { dir: join(cache, 'sellpo'), version: install.version };
};

/** A compiled WebAssembly module, as PGlite takes it (the project's TypeScript libraries do not declare WebAssembly). */
type EngineModule = NonNullable<PGliteOptions_['pgliteWasmModule']>;
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<EngineModule> } }).WebAssembly;

/**
 * PGlite's engine (9 MB of WebAssembly), compiled while the thread does other work (copying a saved directory,
 * loading modules): V8 compiles off the thread, and the same module serves initdb's second instance.
 * Undefined when the file cannot be read or compiled; PGlite then compiles it itself.
 */
let engineModule: Promise<EngineModule | undefined> | undefined;
export const compileEngine = (): Promise<EngineModule | undefined> => {
  engineModule ??= (async () => {
    const install = pgliteInstall();
    if (!install) return undefined;
    return wasm.compile(await readFile(join(install.dist, 'pglite.wasm'))).catch(() => undefined);
  })().catch(() => undefined);
  return engineModule;
};

/** PGlite and its socket server, imported once per thread (started early by the worker, while it waits). */
let engineCode: Promise<[typeof import('@electric-sql/pglite'), typeof import('@electric-sql/pglite-socket')]> | undefined;
export const loadEngineCode = () => (engineCode ??= Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite-socket')]));

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
 * A saved copy of a migrated directory: `manifest.json` (below) and the files under `pgdata/`. Each file's bytes
 * are saved without their trailing zeros (a WAL segment is 16 MB, mostly zeros): `size` is the file's length,
 * restored as a sparse tail; `sha256` is over the saved bytes. Older copies have no `size`.
 */
export const MANIFEST = 'manifest.json';
export const DATA = 'pgdata';

export interface DirectorySnapshot {
  directories: string[];
  files: [path: string, sha256: string, size?: number][];
}

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
 * PGlite without the last step of its start: reading every array type from pg_type (a join and a GROUP BY on a
 * backend whose caches are all cold) to build parsers for array values in the results of its own `query`. Our
 * clients talk to the engine through its socket and parse what they read themselves (`pg`), and the engine's own
 * queries here read no arrays. Measured opening a migrated directory: 390 ms of CPU to the first queries instead of
 * 540 (most of the difference is V8 optimising the WebAssembly that query made hot). `refreshArrayTypes()` still
 * reads them.
 */
type PGliteClass = typeof import('@electric-sql/pglite').PGlite;
let engineSubclass: PGliteClass | undefined;
const engineClass = (PGlite: PGliteClass): PGliteClass =>
  (engineSubclass ??= class extends PGlite {
    override async _initArrayTypes(options?: { force?: boolean }): Promise<void> {
      if (options?.force) await super._initArrayTypes(options);
    }
  });

/** What to start: plain data, so it crosses to a worker thread. */
export interface EngineRequest {
  /** The PostgreSQL data directory (`<DATA_DIR>/pgdata`); omitted = in memory. */
  dataPath?: string;
  /** Saved copies of a directory brought to the wanted migrations, tried in order when `dataPath` is fresh. */
  copies: string[];
  /** The copy in the user's cache (dropped when damaged; the build's shipped copy is left alone). */
  cacheCopy: string | null;
  /** The migrations a copy must hold (version and checksum, in order): a copy holding others is not used. */
  migrations?: { version: number; checksum: string }[];
}

/** The engine as its owner sees it, in this thread or behind a worker. */
export interface Engine {
  host: string;
  port: number;
  /** The directory was started from a saved copy (so it holds the migrations the copy was named for). */
  fromCopy: boolean;
  exec(sql: string): Promise<void>;
  /** LISTENs in the engine itself (not through its socket); resolves to the matching UNLISTEN. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Starts PGlite on `request.dataPath` and serves it on loopback. A fresh directory starts from the first saved copy
 * that restores and starts (each file checked against its sha256), else from the initdb snapshot, else initdb.
 * `loadDataDir` (in memory only, tests) starts from a dump instead of initdb.
 */
export const startEngine = async (request: EngineRequest, onWarning: (message: string) => void, loadDataDir?: Blob): Promise<Engine> => {
  const { dataPath, copies, cacheCopy } = request;
  const engine$ = compileEngine();
  const [{ PGlite }, { PGLiteSocketServer }] = await loadEngineCode();
  const Engine = engineClass(PGlite);
  const startParams = [...PGlite.defaultStartParams, ...START_SETTINGS];
  const start = async (load?: Blob) => {
    const pgliteWasmModule = await engine$;
    const db = new Engine({
      ...(dataPath ? { dataDir: dataPath } : {}),
      ...(load ? { loadDataDir: load } : {}),
      ...(pgliteWasmModule ? { pgliteWasmModule } : {}),
      startParams,
    });
    await db.waitReady;
    return db;
  };
  const fresh = !dataPath || !existsSync(join(dataPath, 'PG_VERSION'));
  let pglite: Awaited<ReturnType<typeof start>> | undefined;
  for (const saved of fresh && dataPath ? copies : []) {
    let started: Awaited<ReturnType<typeof start>> | undefined;
    try {
      rmSync(dataPath!, { recursive: true, force: true });
      restoreDirectory(saved, dataPath!);
      started = await start();
      // Its files matched their checksums; its tables must hold the migrations it is named for too, or the server
      // would start on a database it believes migrated (a copy saved before its migrations ran).
      if (request.migrations) {
        const held = (await started.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations ORDER BY version')).rows;
        const wanted = request.migrations;
        if (held.length !== wanted.length || held.some((r, i) => r.version !== wanted[i]!.version || r.checksum !== wanted[i]!.checksum)) {
          throw new Error(`it holds ${held.length} migrations, not the ${wanted.length} it is named for`);
        }
      }
      // Applied to this database now, as far as anyone reading the table can tell.
      await started.exec('UPDATE schema_migrations SET applied_at = now()');
      pglite = started;
      break;
    } catch (error) {
      await started?.close().catch(() => {});
      const next = saved === cacheCopy || !cacheCopy || !copies.includes(cacheCopy) ? 'starting from initdb instead' : `trying ${cacheCopy} instead`;
      onWarning(`the saved copy of a migrated embedded database in ${saved} was not used (${(error as Error).message}); ${next}`);
      // A damaged copy in the cache is dropped (the next fresh start saves a good one); the shipped one is left.
      if (saved === cacheCopy) rmSync(cacheCopy, { recursive: true, force: true });
      rmSync(dataPath!, { recursive: true, force: true });
    }
  }
  const fromCopy = pglite !== undefined;
  if (!pglite && !dataPath && loadDataDir) pglite = await start(loadDataDir);
  if (!pglite) {
    const snapshotFile = fresh ? initdbSnapshotPath() : null;
    const snapshot = readSnapshot(snapshotFile);
    let loaded = snapshot !== undefined;
    try {
      pglite = await start(snapshot);
    } catch (error) {
      if (!snapshot) throw error;
      // A damaged snapshot: forget it and run initdb (the directory was fresh, so nothing of the caller's is lost).
      onWarning(`the saved initdb snapshot ${snapshotFile} was not used (${(error as Error).message}); running initdb instead`);
      rmSync(snapshotFile!, { force: true });
      if (dataPath) rmSync(dataPath, { recursive: true, force: true });
      pglite = await start();
      loaded = false;
    }
    if (snapshotFile && !loaded) await saveSnapshot(snapshotFile, pglite);
  }
  const db = pglite;
  // Our pool's one connection, one reconnect while it is replaced (after a cancelled query), and room for the
  // CLI of the same directory (a connection per command) next to the server.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  try {
    await server.start();
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  const [host, port] = server.getServerConn().split(':');
  return {
    host: host!,
    port: Number(port),
    fromCopy,
    exec: async (sql) => void (await db.exec(sql)),
    listen: (channel, onNotify) => db.listen(channel, onNotify),
    close: async () => {
      await server.stop();
      await db.close();
    },
  };
};
