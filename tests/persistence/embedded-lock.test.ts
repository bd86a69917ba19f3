/**
 * The embedded database's directory lock (adapters/postgres/pglite.ts): a lock file left by a process that is
 * gone is taken over, one naming a live process is refused with a message saying what to do, and closing
 * releases the lock.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../adapters/postgres/pglite.ts';

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sellpo-lock-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The pid of a process that has exited (and been reaped), so no process has it now. */
const deadPid = async (): Promise<number> => {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
};

// Each test opens an embedded database on disk (a WASM initdb): slow on a busy machine, so a generous bound.
describe('embedded database lock', { timeout: 180_000 }, () => {
  it('leaves a lock and an address another process wrote since, when it closes', async () => {
    const dir = dataDir();
    const db = await openPglite({ dataDir: dir, statementTimeoutMs: 0 });
    const other = String(process.pid + 1);
    // As when the directory was removed and made again under this process, and another server locked it since.
    writeFileSync(join(dir, 'sellpo.lock'), other);
    writeFileSync(join(dir, 'sellpo.server'), JSON.stringify({ pid: process.pid + 1, host: '127.0.0.1', port: 5 }));
    await db.close();
    expect(readFileSync(join(dir, 'sellpo.lock'), 'utf8')).toBe(other);
    expect(existsSync(join(dir, 'sellpo.server'))).toBe(true);
  });

  it('takes over a lock left by a dead process, holds it with its own pid, and releases it on close', async () => {
    const dir = dataDir();
    const pid = await deadPid();
    writeFileSync(join(dir, 'sellpo.lock'), String(pid));
    const db = await openPglite({ dataDir: dir, statementTimeoutMs: 0 });
    try {
      expect(readFileSync(join(dir, 'sellpo.lock'), 'utf8')).toBe(String(process.pid));
      expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
    expect(existsSync(join(dir, 'sellpo.lock'))).toBe(false);
  });

  it('takes over a lock file that names no process', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'sellpo.lock'), 'not-a-pid');
    const db = await openPglite({ dataDir: dir, statementTimeoutMs: 0 });
    expect(readFileSync(join(dir, 'sellpo.lock'), 'utf8')).toBe(String(process.pid));
    await db.close();
  });

  it('refuses a lock held by a live process and leaves it in place', async () => {
    const dir = dataDir();
    const holder = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      writeFileSync(join(dir, 'sellpo.lock'), String(holder.pid));
      await expect(openPglite({ dataDir: dir, statementTimeoutMs: 0 })).rejects.toThrow(
        `the embedded database in ${dir} is in use by process ${holder.pid}, which does not serve it to others`,
      );
      expect(readFileSync(join(dir, 'sellpo.lock'), 'utf8')).toBe(String(holder.pid));
    } finally {
      holder.kill();
    }
  });

  it('a second opening while another process holds the directory uses that process\'s engine, never the files', async () => {
    const dir = dataDir();
    // A real second process holding the lock through openPglite itself, not a hand-written file.
    const script = `import { openPglite } from ${JSON.stringify(new URL('../../adapters/postgres/pglite.ts', import.meta.url).pathname)};
const db = await openPglite({ dataDir: ${JSON.stringify(dir)}, statementTimeoutMs: 0 });
process.stdout.write('open\\n');
process.stdin.once('data', async () => { await db.close(); process.exit(0); });`;
    const holder = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on('data', (d: Buffer) => d.toString().includes('open') && resolve());
        holder.once('exit', (code) => reject(new Error(`the holder exited (${code}) before opening`)));
      });
      // The holder publishes its engine's address; the second opening talks to it instead of opening the files.
      const second = await openPglite({ dataDir: dir, statementTimeoutMs: 0 });
      await second.query('CREATE TABLE shared_probe (n int)');
      await second.query('INSERT INTO shared_probe VALUES (7)');
      expect((await second.query<{ n: number }>('SELECT n FROM shared_probe')).rows).toEqual([{ n: 7 }]);
      await second.close();
      // Closing the second connection leaves the holder's lock in place.
      expect(readFileSync(join(dir, 'sellpo.lock'), 'utf8')).toBe(String(holder.pid));
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      holder.stdin!.write('close\n');
      await exited;
      // Released by the holder's close.
      expect(existsSync(join(dir, 'sellpo.lock'))).toBe(false);
    } finally {
      if (holder.exitCode === null) holder.kill();
    }
  });
});
