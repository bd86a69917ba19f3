import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../../adapters/config.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', ACCESS_LOG: true, KEEP_ALIVE_TIMEOUT_MS: 65_000, FEATURE_FLAGS: [] });
  });

  it('parses values and treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '8080', ACCESS_LOG: 'off', FEATURE_FLAGS: 'a, b,,c', HOST: '' })).toMatchObject({
      PORT: 8080,
      ACCESS_LOG: false,
      FEATURE_FLAGS: ['a', 'b', 'c'],
      HOST: '127.0.0.1',
    });
  });

  it('names every bad variable, what it expects and what it got', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', ACCESS_LOG: 'maybe', SHUTDOWN_TIMEOUT_MS: '-5' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toContain('PORT: expected an integer from 0 to 65535, got "eighty"');
    expect(problems).toContain('ACCESS_LOG: expected true or false, got "maybe"');
    expect(problems).toContain('SHUTDOWN_TIMEOUT_MS: expected an integer from 0 to 120000, got "-5"');
  });

  it('stops the built server at start with exit code 78 and the message', () => {
    const run = spawnSync(process.execPath, [`${root}dist/server.mjs`], { env: { ...process.env, PORT: '99999' }, encoding: 'utf8', timeout: 10_000 });
    expect(run.status).toBe(78);
    expect(run.stderr).toMatch(/cannot start[\s\S]*PORT: expected an integer from 0 to 65535, got "99999"/);
  });
});
