import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../adapters/config.ts';
import { parseFlagFile, staticFlags } from '../../adapters/memory/flags.ts';
import { flagsFromConfig } from '../../adapters/observability/setup.ts';
import { createRootLogger } from '../../adapters/logging.ts';

const logger = createRootLogger('SILENT');
const dir = mkdtempSync(join(tmpdir(), 'sellpo-flags-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('static flags', () => {
  it('turns on the named flags, narrows file rules to tenants or users, and leaves everything else off', () => {
    const flags = staticFlags(['everyone'], parseFlagFile('{"beta": {"tenants": ["t_1"], "users": ["u_9"]}, "off": false, "on": true}'));
    expect(flags.isEnabled('everyone')).toBe(true);
    expect(flags.isEnabled('on')).toBe(true);
    expect(flags.isEnabled('off')).toBe(false);
    expect(flags.isEnabled('unknown')).toBe(false);
    expect(flags.isEnabled('beta')).toBe(false);
    expect(flags.isEnabled('beta', { tenantId: 't_1' })).toBe(true);
    expect(flags.isEnabled('beta', { tenantId: 't_2', userId: 'u_9' })).toBe(true);
    expect(flags.isEnabled('beta', { tenantId: 't_2', userId: 'u_1' })).toBe(false);
    flags.set('beta', false);
    expect(flags.isEnabled('beta', { tenantId: 't_1' })).toBe(false);
  });

  it('rejects malformed flag files with the reason', () => {
    expect(() => parseFlagFile('{')).toThrow(/not valid JSON/);
    expect(() => parseFlagFile('["a"]')).toThrow(/expected a JSON object/);
    expect(() => parseFlagFile('{"a": "yes"}')).toThrow(/flag "a"/);
    expect(() => parseFlagFile('{"a": {"tenant": ["t"]}}')).toThrow(/flag "a"/);
    expect(() => parseFlagFile('{"a": {"tenants": [1]}}')).toThrow(/flag "a"/);
  });

  it('reads FEATURE_FLAGS_FILE with FEATURE_FLAGS on top, and a bad file stops the start naming the variable', async () => {
    const good = file('good.json', '{"from-file": true, "env-wins": false}');
    const { flags } = await flagsFromConfig(loadConfig({ FEATURE_FLAGS_FILE: good, FEATURE_FLAGS: 'env-wins' }), logger);
    expect(flags.isEnabled('from-file')).toBe(true);
    expect(flags.isEnabled('env-wins')).toBe(true);

    const bad = file('bad.json', '{"x": 1}');
    await expect(flagsFromConfig(loadConfig({ FEATURE_FLAGS_FILE: bad }), logger)).rejects.toThrow(ConfigError);
    await expect(flagsFromConfig(loadConfig({ FEATURE_FLAGS_FILE: bad }), logger)).rejects.toThrow(/FEATURE_FLAGS_FILE: flag "x"/);
    await expect(flagsFromConfig(loadConfig({ FEATURE_FLAGS_FILE: join(dir, 'missing.json') }), logger)).rejects.toThrow(/FEATURE_FLAGS_FILE: cannot read .*ENOENT/);
  });
});

describe('flag and observability configuration', () => {
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('names the variable of every bad value', () => {
    expect(problems({ UNLEASH_URL: 'https://unleash.example.com/api' })).toEqual(['UNLEASH_API_TOKEN: required when UNLEASH_URL is set (not set)']);
    expect(problems({ UNLEASH_URL: 'not a url', UNLEASH_API_TOKEN: 't' })[0]).toMatch(/^UNLEASH_URL: expected an http\(s\) URL/);
    expect(problems({ UNLEASH_REFRESH_MS: '10' })[0]).toMatch(/^UNLEASH_REFRESH_MS: expected an integer from 50/);
    expect(problems({ OTEL_TRACES_ENABLED: 'true' })).toEqual(['OTEL_EXPORTER_OTLP_ENDPOINT: required when OTEL_TRACES_ENABLED is true (not set)']);
    expect(problems({ OTEL_TRACES_ENABLED: 'maybe' })[0]).toMatch(/^OTEL_TRACES_ENABLED: expected true or false/);
    expect(problems({ METRICS_TOKEN: 'short' })[0]).toMatch(/^METRICS_TOKEN: expected at least 16 characters/);
    expect(problems({ UNLEASH_URL: 'https://unleash.example.com/api', UNLEASH_API_TOKEN: 'default:production.abc' })).toEqual([]);
  });

  it('defaults: flags static, tracing off, metrics on', () => {
    const config = loadConfig({});
    expect(config.UNLEASH_URL).toBeUndefined();
    expect(config.OTEL_TRACES_ENABLED).toBeUndefined();
    expect(config.METRICS_ENABLED).toBe(true);
    expect(config.UNLEASH_REFRESH_MS).toBe(15_000);
  });
});
