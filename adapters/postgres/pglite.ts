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
        throw new Error(
          `the embedded database in ${dir} is in use by process ${owner}; PGlite serves one process. ` +
            'Stop that process, or point both at a PostgreSQL server with DATABASE_URL.',
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock the embedded database in ${dir}`);
};

export const openPglite = async (options: PgliteOptions): Promise<Database> => {
  // Loaded on demand: the WASM engine costs start-up time only where the embedded database is used.
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite-socket')]);
  let unlock = () => {};
  let dataPath: string | undefined;
  if (options.dataDir) {
    const dir = resolve(options.dataDir);
    mkdirSync(dir, { recursive: true });
    unlock = lockDirectory(dir);
    dataPath = join(dir, 'pgdata');
  }
  try {
    const pglite = dataPath ? new PGlite(dataPath) : new PGlite();
    await pglite.waitReady;
    // Room for one reconnect while the pool's single connection is being replaced (after a cancelled query).
    const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0, maxConnections: 2 });
    await server.start();
    const [host, port] = server.getServerConn().split(':');
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
