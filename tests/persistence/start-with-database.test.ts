/**
 * The server's runtime opens its database while the contexts (and their provider sandboxes) start; a database that
 * cannot be brought to the migrations still fails the start, and what the start had opened is let go: the embedded
 * directory is unlocked for the next attempt.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../../handlers/registry.ts';
import { buildRuntime } from '../../adapters/composition.ts';
import { loadConfig } from '../../adapters/config.ts';
import { createRootLogger } from '../../adapters/logging.ts';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sellpo-start-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('runtime start with the database', { timeout: 600_000 }, () => {
  it('a migration that fails stops the start after the contexts started, and the data directory is unlocked', async () => {
    const migrations = join(root, 'migrations');
    mkdirSync(migrations);
    writeFileSync(join(migrations, '0001_broken.sql'), 'CREATE TABLE broken (');
    const dataDir = join(root, 'data');
    const config = loadConfig({ DATA_DIR: dataDir, MIGRATIONS_DIR: migrations, NODE_ENV: 'test' });
    const quiet = () => {};
    const logger = createRootLogger('ERROR', { printer: { info: quiet, warn: quiet, error: quiet, debug: quiet, log: quiet, trace: quiet } });
    await expect(
      buildRuntime(config, { endpoints, eagerProviders: true, background: false, meter: false, metrics: 'off', logSink: 'stderr', logger, accessLog: null }),
    ).rejects.toThrow(/0001_broken/);
    expect(existsSync(join(dataDir, 'sellpo.lock'))).toBe(false);
  });
});
