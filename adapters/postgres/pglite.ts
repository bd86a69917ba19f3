/**
 * The embedded engine: PGlite (PostgreSQL compiled to WASM) served over the PostgreSQL wire protocol on
 * 127.0.0.1 by pglite-socket, so `pg` talks to it exactly as it talks to a PostgreSQL server and every repository
 * has one implementation. The data lives in `dataDir` (or in memory when none is given, for tests). A directory on
 * disk is served from a worker thread (adapters/postgres/pglite-worker.ts), the same engine code in memory.
 */
import { createHash, hash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { processAlive } from '../process-alive.ts';
import type { ChannelHandlers, Database, Listening } from './database.ts';
import { migrate, type Migration } from './migrations.ts';
import { compileEngine, DATA, MANIFEST, pgliteInstall, snapshotCache, startEngine, type DirectorySnapshot, type Engine, type EngineRequest } from './pglite-engine.ts';
import type { FromEngine, ToEngine } from './pglite-worker.ts';

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

/** Removes a file this process wrote, unless another process has since replaced it (`ours` says, from its text). */
const removeIfOwn = (file: string, ours: (text: string) => boolean): void => {
  try {
    if (ours(readFileSync(file, 'utf8'))) rmSync(file, { force: true });
  } catch {
    // Gone already, or not ours to read: nothing to remove.
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
      // Only while it is still ours: a directory removed and made again under a running server belongs to the
      // process that locked it since, and removing that one's lock would let a third open the files beside it.
      return () => removeIfOwn(file, (text) => text.trim() === String(process.pid));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
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

/**
 * A fresh data directory is also started from a copy of a migrated one. Measured on a loaded two-core machine:
 * PGlite loading the initdb tarball into a directory and starting took 1.3-2.2 s of CPU, the migrations then 4.3 s;
 * copying a directory and starting PGlite on it 0.3-0.9 s of CPU. The build ships one (dist/pglite-snapshot, tried
 * first), and the user's cache keeps one saved by a fresh directory that had to be migrated.
 * The copy is keyed by the PGlite version and the migrations' checksums, so a changed or added migration
 * never meets an old copy, and it carries the sha256 of every file, checked while copying: a copy that differs
 * from what was saved is dropped and the directory starts the slow way, with a warning.
 */
/** 2: the build's copy holds a WAL segment with nothing but its last checkpoint, and no relcache init files. */
const COPY_FORMAT = 2;

/** The name of the copy of a directory migrated to `migrations`, keyed by PGlite's version and their checksums. */
export const migratedSnapshotName = (migrations: readonly Migration[]): string | null => {
  const install = pgliteInstall();
  if (!install) return null;
  const key = createHash('sha256');
  // How a copy is made is part of its key: a build whose copies are made differently never links an older one.
  key.update(`copy ${COPY_FORMAT}\n`);
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

/**
 * PostgreSQL's relcache init files (global/ and each database): every start removes them before reading anything
 * (RelationCacheInitFileRemove in StartupXLOG) and the first backend writes them anew, so a copy leaves them out.
 */
const RELCACHE_INIT = 'pg_internal.init';

/** `bytes` without its trailing zeros. */
const trimZeros = (bytes: Buffer): Buffer => {
  let end = bytes.length;
  // Eight bytes at a time while they are all zero, then byte by byte.
  while (end >= 8 && bytes.readBigUInt64LE(end - 8) === 0n) end -= 8;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.subarray(0, end);
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
      } else if (entry.isFile() && path !== 'postmaster.pid' && basename(path) !== RELCACHE_INIT) {
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

/** The worker's module: next to this one in the source, next to the bundles (dist/) in a build; null without one. */
const workerFile = (): URL | null => {
  for (const candidate of ['./pglite-worker.ts', './pglite-worker.mjs', '../pglite-worker.mjs']) {
    const url = new URL(candidate, import.meta.url);
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return url;
  }
  return null;
};

const spawnWorker = (): Worker | null => {
  const file = workerFile();
  if (!file) return null;
  // None of the process's flags: a worker refuses V8's (the CLI's batch flags) and `node -e`'s; V8's apply to the
  // whole process anyway.
  const worker = new Worker(file, { execArgv: [] });
  // Idle, it holds nothing open: it must not keep a process alive that never opens the database.
  worker.unref();
  return worker;
};

let prepared: Worker | null | undefined;

/**
 * Starts the embedded engine's worker now, once per process: it compiles PGlite's engine and loads PGlite while the
 * caller loads the rest of the program. The server calls it first thing when it will open the embedded database
 * on disk; without the worker's module (a bundle that lacks it) the engine is compiled in this thread instead.
 */
export const prepareEmbeddedEngine = (): void => {
  if (prepared !== undefined) return;
  prepared = spawnWorker();
  if (!prepared) void compileEngine();
};

/** The worker prepared at start when there is one (once), else a new one; null when this build has none. */
const takeWorker = (): Worker | null => {
  const worker = prepared ?? spawnWorker();
  prepared = null;
  return worker;
};

/**
 * The engine started in `worker`: its requests and answers cross the worker's port, and its socket is served
 * from the worker's thread. Warnings arrive while it starts; a worker that dies fails what was waiting on it.
 */
const engineInWorker = (worker: Worker, request: EngineRequest, onWarning: (message: string) => void): Promise<Engine> =>
  new Promise<Engine>((resolve, reject) => {
    let next = 0;
    const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
    const listeners = new Map<number, (payload: string) => void>();
    let started = false;
    let gone: Error | undefined;
    const call = (message: ToEngine & { id: number }): Promise<void> => {
      if (gone) return Promise.reject(gone);
      return new Promise<void>((done, fail) => {
        pending.set(message.id, { resolve: done, reject: fail });
        worker.postMessage(message);
      });
    };
    const fail = (error: Error) => {
      gone = error;
      for (const p of pending.values()) p.reject(error);
      pending.clear();
      if (!started) reject(error);
    };
    worker.on('message', (message: FromEngine) => {
      switch (message.type) {
        case 'warning':
          onWarning(message.message);
          return;
        case 'failed':
          void worker.terminate();
          fail(new Error(message.message));
          return;
        case 'reply': {
          const p = pending.get(message.id);
          pending.delete(message.id);
          if (message.error === undefined) p?.resolve();
          else p?.reject(new Error(message.error));
          return;
        }
        case 'notify':
          listeners.get(message.listener)?.(message.payload);
          return;
        case 'ready':
          started = true;
          resolve({
            host: message.host,
            port: message.port,
            fromCopy: message.fromCopy,
            exec: (sql) => call({ op: 'exec', id: ++next, sql }),
            listen: async (channel, onNotify) => {
              const id = ++next;
              listeners.set(id, onNotify);
              await call({ op: 'listen', id, channel }).catch((error: unknown) => {
                listeners.delete(id);
                throw error;
              });
              return async () => {
                listeners.delete(id);
                await call({ op: 'unlisten', id: ++next, listener: id });
              };
            },
            close: async () => {
              try {
                await call({ op: 'close', id: ++next });
              } finally {
                await worker.terminate();
              }
            },
          });
      }
    });
    worker.once('error', (error) => fail(error));
    worker.once('exit', (code) => fail(new Error(`the embedded database's worker stopped (exit code ${code})`)));
    // Serving: the worker's socket is what keeps the process alive now, as the engine in this thread did.
    worker.ref();
    worker.postMessage({ op: 'open', request } satisfies ToEngine);
  });

/** The engine started for an `openPglite`, before the database handle is built around it. */
type Started =
  | { served: { host: string; port: number } }
  | {
      engine: Engine;
      dir: string | undefined;
      dataPath: string | undefined;
      unlock: () => void;
      /** The migrations a fresh directory on disk is to hold (from the copy, or applied by the opener); else none. */
      migrations: Migration[] | undefined;
      copy: string | null;
    };

type StartOptions = Pick<PgliteOptions, 'dataDir' | 'migrations' | 'shippedSnapshots' | 'loadDataDir'>;

/** Locks the directory (or finds the process that serves it) and starts the engine on it. */
const startOn = async (options: StartOptions, onWarning: (message: string) => void): Promise<Started> => {
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
      return { served };
    }
    dataPath = join(dir, 'pgdata');
  }
  try {
    const fresh = !dataPath || !existsSync(join(dataPath, 'PG_VERSION'));
    const migrations = fresh && dataPath ? options.migrations : undefined;
    const copy = migrations ? migratedSnapshotPath(migrations) : null;
    // The build's copy first (shipped next to the program, never changed here), then the one in the user's cache.
    const copies = migrations ? [shippedSnapshotPath(migrations, options.shippedSnapshots), copy].filter((c): c is string => c !== null && existsSync(c)) : [];
    const request: EngineRequest = {
      ...(dataPath ? { dataPath } : {}),
      copies,
      cacheCopy: copy,
      ...(migrations ? { migrations: [...migrations].sort((a, b) => a.version - b.version).map((m) => ({ version: m.version, checksum: m.checksum })) } : {}),
    };
    const worker = dataPath ? takeWorker() : null;
    const engine = worker ? await engineInWorker(worker, request, onWarning) : await startEngine(request, onWarning, options.loadDataDir);
    return { engine, dir, dataPath, unlock, migrations, copy };
  } catch (error) {
    unlock();
    throw error;
  }
};

/** What an early start was for: the directory, the migrations (by their checksums) and the shipped copies' folder. */
const startKey = (options: StartOptions): string | null =>
  options.dataDir && !options.loadDataDir
    ? JSON.stringify([resolve(options.dataDir), options.migrations ? migratedSnapshotName(options.migrations) : null, options.shippedSnapshots ?? null])
    : null;

let early: { key: string; started: Promise<Started>; warnings: string[] } | undefined;

/**
 * Starts opening the embedded database in `dataDir` now, before the caller has loaded the rest of the program or
 * read its configuration (the server, first thing, when the environment leaves the choice to the defaults): the
 * copy is restored and PostgreSQL starts in the worker meanwhile. The `openPglite` that asks for the same directory,
 * migrations and shipped copies takes it over, warnings included; one that asks for anything else closes it first.
 * Resolves once it has started or failed (never rejects).
 */
export const startEmbeddedEarly = (options: StartOptions): Promise<void> => {
  const key = startKey(options);
  if (!key || early) return Promise.resolve();
  const warnings: string[] = [];
  const started = startOn(options, (message) => warnings.push(message));
  early = { key, started, warnings };
  // Settles once the engine has started or failed; a failure is reported by the open that claims it.
  return started.then(
    () => {},
    () => {},
  );
};

/** The early start made for these options, or null; an early start made for others is closed and dropped. */
const claimEarly = async (options: StartOptions, onWarning: (message: string) => void): Promise<Started | null> => {
  const claimed = early;
  if (!claimed) return null;
  early = undefined;
  const started = await claimed.started.catch(() => null);
  if (started && claimed.key === startKey(options)) {
    for (const warning of claimed.warnings) onWarning(warning);
    return started;
  }
  // Not what this open asks for (or it failed: this open tries again, and reports its own failure).
  if (started && 'engine' in started) {
    await started.engine.close().catch(() => {});
    started.unlock();
  }
  return null;
};

/**
 * Opens the embedded database in `dataDir`. When another process holds the directory and serves it (a running
 * `npm start`), this process connects to that process's engine instead (the CLI next to the server): PGlite
 * stays in one process, and the wire protocol's multiplexer there runs one transaction at a time.
 */
export const openPglite = async (options: PgliteOptions): Promise<Database> => {
  const onWarning = (message: string) => options.onWarning?.(message);
  // Imported here, not by the module: the server's entry imports this module to start the engine's worker, and
  // loading pg (and what it requires) before that delayed the worker, the start's critical path.
  const [{ pgDatabase }, started] = await Promise.all([import('./pg.ts'), claimEarly(options, onWarning).then((early) => early ?? startOn(options, onWarning))]);
  if ('served' in started) {
    return pgDatabase({ engine: 'pglite', ...started.served, user: 'postgres', database: 'postgres', max: 1, statementTimeoutMs: options.statementTimeoutMs, connectTimeoutMs: 10_000 });
  }
  const { engine, dir, dataPath, unlock, migrations, copy } = started;
  // Until the handle exists, a failure stops the engine here; after, closing the handle does.
  let handle: Database | undefined;
  try {
    const { host, port, fromCopy } = engine;
    // Published only for the process that owns the directory: a second process on it connects here.
    const addressFile = dir ? join(dir, ADDRESS_FILE) : undefined;
    if (addressFile) writeFileSync(addressFile, JSON.stringify({ pid: process.pid, host, port }), { mode: 0o600 });
    const served = pgDatabase({
      engine: 'pglite',
      host,
      port,
      user: 'postgres',
      database: 'postgres',
      max: 1,
      statementTimeoutMs: options.statementTimeoutMs,
      connectTimeoutMs: 10_000,
      onClose: async () => {
        if (addressFile) removeIfOwn(addressFile, (text) => (JSON.parse(text) as { pid?: unknown }).pid === process.pid);
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
    handle = db;
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
    if (!handle) {
      await engine.close().catch(() => {});
      unlock();
    }
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
      // The WAL segment in use holds every record initdb and the migrations wrote (8.5 MB of the 31 MB the copy
      // held), none of which a start from a cleanly closed directory reads: switching to a new segment and
      // checkpointing leaves only that one, holding the checkpoint (a few hundred bytes once its zeros are trimmed).
      // wal_recycle off: the old segment is removed, not renamed to a future one with its bytes.
      await db.query('SET wal_recycle = off');
      await db.query('SELECT pg_switch_wal()');
      await db.query('CHECKPOINT');
    } finally {
      await db.close();
    }
    saveDirectory(join(scratch, 'pgdata'), target, true);
    return target;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
};
