import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processAlive } from '../adapters/process-alive.ts';
import { ensureBuilt } from '../scripts/ensure-built.mjs';

/** A full run held up to 1.3 GB in its temporary directory at once (sampled every 5 s): room for three times that. */
const MEMORY_TMP_MIN_FREE = 4 * 1024 ** 3;

/** Removes the directories of runs that were killed before their teardown (memory stays held until removed). */
const sweepLeftovers = (): void => {
  for (const name of readdirSync('/dev/shm')) {
    const pid = /^sellpo-tests-(\d+)-/.exec(name)?.[1];
    if (pid && !processAlive(Number(pid))) rmSync(join('/dev/shm', name), { recursive: true, force: true });
  }
};

/**
 * A temporary directory of the run's own in memory (/dev/shm), or undefined when the machine has none with room
 * to spare or the caller chose TMPDIR. The suites write embedded databases (16 MB WAL segments among them), CLI
 * data directories, copies of migrated directories and deploy state under os.tmpdir(): on a disk shared with
 * other work, waiting on those writes took most of some files' time (the shipped-copy suite: 74 s with 30 s of
 * CPU in /tmp, 24 s in /dev/shm). Removed whole at the end of the run, with whatever a test left behind.
 */
const memoryTmp = (): string | undefined => {
  if (process.env.TMPDIR) return undefined;
  try {
    sweepLeftovers();
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize < MEMORY_TMP_MIN_FREE) return undefined;
    const dir = mkdtempSync(`/dev/shm/sellpo-tests-${process.pid}-`);
    // As /tmp is: processes of other users reach into it (nginx's workers stat the deploy tests' live marker).
    chmodSync(dir, 0o1777);
    return dir;
  } catch {
    return undefined;
  }
};

// Suites that run the built artefacts (Lambda under aws-lambda-ric, the CLI, the server) need dist/ as fresh as
// the sources; it is rebuilt only when a source is newer, and swapped in whole (build.mjs), so concurrent runs
// never see a half-written dist/. aws-lambda-ric's native addon is not made here: the suites that run it call
// ensureLambdaRic (scripts/ensure-lambda-ric.mjs) themselves, so a run without them never pays for it.
// The migrated template test databases start from is made once, before any file, in a process of its own
// (vitest's runner here cannot resolve PGlite's install); without it they are migrated from nothing.
// The test workers, and every process they start, inherit TMPDIR from this process.
export default function setup(): () => void {
  const tmp = memoryTmp();
  if (tmp) process.env.TMPDIR = tmp;
  ensureBuilt('dist/build.json');
  try {
    execFileSync(process.execPath, [fileURLToPath(new URL('./helpers/pglite-template.ts', import.meta.url))], { stdio: 'inherit' });
  } catch (error) {
    console.warn(`[tests] no migrated template database (${(error as Error).message}): test databases are migrated from nothing`);
  }
  return () => {
    if (!tmp) return;
    delete process.env.TMPDIR;
    rmSync(tmp, { recursive: true, force: true });
  };
}
