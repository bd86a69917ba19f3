/**
 * The embedded engine: PGlite (PostgreSQL compiled to WASM) served over the PostgreSQL wire protocol on
 * 127.0.0.1 by pglite-socket, so `pg` talks to it exactly as it talks to a PostgreSQL server and every repository
 * has one implementation. The data lives in `dataDir` (or in memory when none is given, for tests).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';
import { pgDatabase } from './pg.ts';

export interface PgliteOptions {
  /** Directory holding the database files; omitted = in memory (lost on close). */
  dataDir?: string;
  statementTimeoutMs: number;
}

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

/**
 * A fresh PGlite runs initdb inside WebAssembly: about 4.4 s on these machines, against about 1.4 s to load the same
 * empty cluster from a tarball. The first fresh open in a user account saves that tarball (right after initdb, before
 * any migration, so every database still starts from initdb's own files) in the user's cache directory (mode 0700),
 * keyed by the PGlite version; later fresh opens load it. Any failure to read or write it falls back to initdb.
 */
const initdbSnapshotPath = (): string | null => {
  try {
    const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
    const pkg = JSON.parse(readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8')) as { name?: string; version?: string };
    if (pkg.name !== '@electric-sql/pglite' || typeof pkg.version !== 'string' || !/^[0-9A-Za-z.+-]+$/.test(pkg.version)) return null;
    const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
    return join(cache, 'sellpo', `pglite-${pkg.version}-initdb.tar`);
  } catch {
    return null;
  }
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
    const fresh = !dataPath || !existsSync(join(dataPath, 'PG_VERSION'));
    const snapshotFile = fresh ? initdbSnapshotPath() : null;
    const snapshot = readSnapshot(snapshotFile);
    const start = async (load: Blob | undefined) => {
      const db = new PGlite({ ...(dataPath ? { dataDir: dataPath } : {}), ...(load ? { loadDataDir: load } : {}) });
      await db.waitReady;
      return db;
    };
    let pglite;
    let loaded = snapshot !== undefined;
    try {
      pglite = await start(snapshot);
    } catch (error) {
      if (!snapshot) throw error;
      // A damaged snapshot: forget it and run initdb (the directory was fresh, so nothing of the caller's is lost).
      rmSync(snapshotFile!, { force: true });
      if (dataPath) rmSync(dataPath, { recursive: true, force: true });
      pglite = await start(undefined);
      loaded = false;
    }
    if (snapshotFile && !loaded) await saveSnapshot(snapshotFile, pglite);
    // Our pool's one connection, one reconnect while it is replaced (after a cancelled query), and room for the
    // CLI of the same directory (a connection per command) next to the server.
    const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0, maxConnections: 4 });
    await server.start();
    const [host, port] = server.getServerConn().split(':');
    // Published only for the process that owns the directory: a second process on it connects here.
    const addressFile = dir ? join(dir, ADDRESS_FILE) : undefined;
    if (addressFile) writeFileSync(addressFile, JSON.stringify({ pid: process.pid, host, port: Number(port) }), { mode: 0o600 });
    return pgDatabase({
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
        await pglite.close();
        unlock();
      },
    });
  } catch (error) {
    unlock();
    throw error;
  }
};
