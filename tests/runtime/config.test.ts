import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError, configSchema, isSecretVariable, loadConfig } from '../../adapters/config.ts';

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

  // One bad (or half-set) configuration per secret variable; every secret in the schema must be listed here.
  const secretCases: Record<string, Record<string, string>> = {
    DATABASE_URL: { DATABASE_URL: 'mysql://sellpo:Hunter2-pw-7731@db.internal/sellpo' },
    JWT_SECRET: { JWT_SECRET: 'short-Hunter2-pw-7731' },
    // Any non-empty token is accepted: the only rule about it is that UNLEASH_URL needs one.
    UNLEASH_API_TOKEN: { UNLEASH_URL: 'https://unleash.example.com/api' },
    METRICS_TOKEN: { METRICS_TOKEN: 'Hunter2-pw-7731' },
    NAVER_CLIENT_SECRET: { NAVER_CLIENT_SECRET: 'Hunter2-pw-7731' },
    NAVER_OPENAPI_SECRET_HEADER: { NAVER_OPENAPI_SECRET_HEADER: 'Hunter2 pw 7731' },
    NAVER_SEARCHAD_API_KEY: { NAVER_SEARCHAD_API_KEY: 'Hunter2-pw-7731' },
    NAVER_SEARCHAD_SECRET: { NAVER_SEARCHAD_SECRET: 'Hunter2-pw-7731' },
    TOSS_SECRET_KEY: { TOSS_SECRET_KEY: 'sk_Hunter2-pw-7731' },
    // Half of the 1688 credential set: the missing variables are named beside it, no value shown.
    ALIBABA_APP_SECRET: { ALIBABA_APP_SECRET: 'Hunter2-pw-7731' },
    ALIBABA_ACCESS_TOKEN: { ALIBABA_ACCESS_TOKEN: 'Hunter2-pw-7731' },
    BILLING_KEY_ENCRYPTION_KEYS: { BILLING_KEY_ENCRYPTION_KEYS: 'k1:Hunter2-pw-7731' },
    // Half of the Coupang Partners key pair: the access key is named as missing, the secret never shown.
    COUPANG_PARTNERS_SECRET_KEY: { COUPANG_PARTNERS_SECRET_KEY: 'Hunter2-pw-7731' },
    // Not a secret, but named like one: a bad value is refused without echoing it all the same.
    API_KEY_CACHE_TTL_MS: { API_KEY_CACHE_TTL_MS: 'Hunter2-pw-7731' },
  };

  it('lists a case for every secret variable the schema declares', () => {
    expect(Object.keys(configSchema.shape).filter(isSecretVariable).sort()).toEqual(Object.keys(secretCases).sort());
  });

  it.each(Object.entries(secretCases))('names %s and the rule, never its value', (name, env) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain(`${name}`);
    expect(message).not.toContain('Hunter2');
    expect(message).not.toContain('7731');
  });

  it('shows a URL that carries credentials in no variable', () => {
    const message = (() => {
      try {
        loadConfig({ DYNAMODB_ENDPOINT: 'ftp://admin:Hunter2-pw-7731@127.0.0.1:8000' });
      } catch (e) {
        return (e as ConfigError).message;
      }
      return '';
    })();
    expect(message).toMatch(/DYNAMODB_ENDPOINT: expected an http\(s\) URL \(value not shown: holds credentials\)/);
    expect(message).not.toContain('Hunter2');
  });

  it('reads TRUSTED_PROXIES as loopback by default, and names a bad entry', () => {
    expect(loadConfig({}).TRUSTED_PROXIES).toEqual(['loopback']);
    expect(loadConfig({ TRUSTED_PROXIES: 'loopback, 173.245.48.0/20,2400:cb00::/32' }).TRUSTED_PROXIES).toEqual(['loopback', '173.245.48.0/20', '2400:cb00::/32']);
    let error: unknown;
    try {
      loadConfig({ TRUSTED_PROXIES: 'cloudflare' });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems.join('\n')).toMatch(/^TRUSTED_PROXIES: expected loopback, none, or addresses and CIDR ranges: "cloudflare" is not an address/m);
  });

  it('stops the built server at start with exit code 78 and the message', () => {
    const run = spawnSync(process.execPath, [`${root}dist/server.mjs`], { env: { ...process.env, PORT: '99999' }, encoding: 'utf8', timeout: 10_000 });
    expect(run.status).toBe(78);
    expect(run.stderr).toMatch(/cannot start[\s\S]*PORT: expected an integer from 0 to 65535, got "99999"/);
  });
});
