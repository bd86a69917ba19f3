/**
 * The embedded engine: PGlite (PostgreSQL compiled to WASM) served over the PostgreSQL wire protocol on
 * 127.0.0.1 by pglite-socket, so `pg` talks to it exactly as it talks to a PostgreSQL server and every repository
 * has one implementation. The data lives in `dataDir` (or in memory when none is given, for tests).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
    const pglite = dataPath ? new PGlite(dataPath) : new PGlite();
    await pglite.waitReady;
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
