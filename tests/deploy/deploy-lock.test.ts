import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, closeSync, constants, createReadStream, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pathWithNode, removeTempDirs, root, runNode, tempDir } from './harness.ts';

// container/deploy.mjs allows one deploy or rollback at a time per host. Two deploys really at once: the first
// is held inside its first docker call (a stand-in `docker` that waits on a named pipe the test writes to), so
// it holds the lock for exactly as long as the test wants; meanwhile the second is refused.

afterAll(() => removeTempDirs());

const host = () => {
  const work = tempDir('deploy-lock');
  for (const d of ['bin', 'state', 'nginx']) mkdirSync(join(work, d));
  const arrived = join(work, 'arrived.fifo');
  const release = join(work, 'release.fifo');
  execFileSync('mkfifo', [arrived, release]);
  // The first call says so and waits until released; every call fails (the held deploy ends with docker run).
  const first = join(work, 'called');
  writeFileSync(
    join(work, 'bin/docker'),
    `#!/bin/sh\nif [ ! -e '${first}' ]; then\n  touch '${first}'\n  echo "$*" > '${arrived}'\n  cat '${release}' > /dev/null\nfi\nexit 1\n`,
  );
  chmodSync(join(work, 'bin/docker'), 0o755);
  const args = (command: string) => [
    'container/deploy.mjs', command,
    '--runner', 'docker', '--image', 'sellpo:lock-test',
    '--state-dir', join(work, 'state'), '--nginx-dir', join(work, 'nginx'), '--nginx', '/bin/false',
    '--blue-port', '1', '--green-port', '2',
  ];
  const env = { PATH: `${join(work, 'bin')}:${pathWithNode}` };
  return { work, arrived, release, args, env, lockFile: join(work, 'state/lock') };
};

/**
 * Writes to the release pipe without ever blocking this process: a non-blocking open fails (ENXIO) until the held
 * `docker` has the pipe open for reading, which it does right after announcing itself; 10 s bounds a failure.
 */
const releaseHeld = async (fifo: string): Promise<void> => {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      writeSync(fd, 'go\n');
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
};

describe('deploy lock', { timeout: 60_000 }, () => {
  it('refuses a second deploy while one runs, and frees the lock when the first ends', async () => {
    const h = host();
    // Opened before the first deploy starts, so its first docker call finds a reader.
    const firstDockerCall = new Promise<string>((resolve, reject) => {
      let text = '';
      const pipe = createReadStream(h.arrived);
      pipe.on('data', (d) => (text += d));
      pipe.on('end', () => resolve(text.trim()));
      pipe.on('error', reject);
    });
    const first = spawn(process.execPath, h.args('deploy'), { cwd: root, env: { ...process.env, ...h.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let firstOutput = '';
    first.stdout.on('data', (d: Buffer) => (firstOutput += d));
    first.stderr.on('data', (d: Buffer) => (firstOutput += d));
    const firstDone = new Promise<number | null>((resolve) => first.on('close', resolve));
    try {
      expect(await firstDockerCall).toMatch(/^inspect /);
      expect(readFileSync(h.lockFile, 'utf8').trim()).toBe(String(first.pid));

      const second = await runNode(h.args('deploy'), h.env);
      expect(second.code).toBe(1);
      expect(second.stdout + second.stderr).toContain(`another deploy (pid ${first.pid}) holds ${h.lockFile}`);
      // A rollback is refused the same way, and neither touched the lock.
      const rollback = await runNode(h.args('rollback'), h.env);
      expect(rollback.code).toBe(1);
      expect(rollback.stdout + rollback.stderr).toContain(`another deploy (pid ${first.pid}) holds ${h.lockFile}`);
      expect(readFileSync(h.lockFile, 'utf8').trim()).toBe(String(first.pid));
      expect(first.exitCode).toBeNull();
    } finally {
      await releaseHeld(h.release);
      if (first.exitCode === null) setTimeout(() => first.kill('SIGKILL'), 20_000).unref();
    }
    expect(await firstDone, firstOutput).toBe(1);
    expect(firstOutput).toContain('docker run failed');
    expect(existsSync(h.lockFile)).toBe(false);
  });

  it('takes over a lock whose holder is gone', async () => {
    const h = host();
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.once('exit', resolve));
    writeFileSync(h.lockFile, `${gone.pid}\n`);
    // rollback takes the lock, then finds nothing to roll back to: past the lock, and the lock is released.
    const r = await runNode(h.args('rollback'), h.env);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('nothing to roll back to');
    expect(r.stdout + r.stderr).not.toContain('another deploy');
    expect(existsSync(h.lockFile)).toBe(false);
  });
});
