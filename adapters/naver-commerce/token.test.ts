/** The Naver Commerce sign-in: the bcrypt signature, and the token client against the sandbox that checks it. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../core/shared/errors.ts';
import { NAVER_COMMERCE_SANDBOX_APP, NAVER_COMMERCE_SANDBOX_NAME, naverCommerceSandbox } from '../../sandbox/naver-commerce/index.ts';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.ts';
import { clientSecretSign, naverCommerceTokens } from './token.ts';
import { naverCommerceVerifier } from './verify.ts';

describe('client_secret_sign', () => {
  it('matches a signature computed outside this code', () => {
    // Computed with Python's bcrypt 3.2.2 (Debian python3-bcrypt), not with bcryptjs:
    //   /usr/bin/python3 -c "import bcrypt,base64; print(base64.b64encode(bcrypt.hashpw(
    //     b'5fXbGq1m8sKzT2pYc3nR0e_1765000000000', b'\$2a\$04\$Kx9sQ3vN7bL2mR5tY8wP1e')).decode())"
    expect(clientSecretSign('5fXbGq1m8sKzT2pYc3nR0e', '$2a$04$Kx9sQ3vN7bL2mR5tY8wP1e', 1765000000000)).toBe(
      'JDJhJDA0JEt4OXNRM3ZON2JMMm1SNXRZOHdQMWVSRXJZdm9EZklOY0ZlSUtlM0N0SElDQ0VsOE5hOUph',
    );
  });

  it('refuses a secret that is not a bcrypt salt, without showing it', () => {
    const error = (() => {
      try {
        clientSecretSign('client', 'not-a-salt-hunter2', 1);
      } catch (e) {
        return e as DomainError;
      }
    })();
    expect(error).toBeInstanceOf(DomainError);
    expect(error!.code).toBe('invalid');
    expect(error!.message).not.toContain('hunter2');
  });
});

describe('token client against the Naver Commerce sandbox', () => {
  let sandbox: RunningSandbox;
  let baseUrl: string;
  let now = Date.UTC(2026, 11, 6, 3, 0, 0);
  const clock = { now: () => new Date(now) };
  const app = { clientId: NAVER_COMMERCE_SANDBOX_APP.clientId, clientSecret: NAVER_COMMERCE_SANDBOX_APP.clientSecret };
  const control = (action: string, body?: unknown) =>
    fetch(`${baseUrl}/__sandbox/${action}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);
  const tokensCalled = async () => (await control('stats')).byPath['/external/v1/oauth2/token'] ?? 0;
  const client = (overrides: { clock?: { now: () => Date } } = {}) =>
    naverCommerceTokens({ baseUrl, timeoutMs: 5_000, retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, clock: overrides.clock ?? clock });

  beforeAll(async () => {
    // The sandbox's clock is the test's: its 5-minute window and 3-hour tokens move with `now`.
    sandbox = await startSandbox([naverCommerceSandbox({ now: () => now })]);
    baseUrl = sandbox.urls[NAVER_COMMERCE_SANDBOX_NAME]!;
  });
  afterAll(async () => sandbox?.close());
  beforeEach(async () => {
    await control('reset', {});
  });

  it('signs in, keeps the token, and signs in again 10 minutes before it ends', async () => {
    const tokens = client();
    const first = await tokens.token(app);
    expect(first.expiresAt).toEqual(new Date(now + 3 * 3600_000));
    expect(await tokens.token(app)).toEqual(first);
    expect(await tokensCalled()).toBe(1);
    now += 2 * 3600_000 + 49 * 60_000; // 11 minutes left: still kept
    expect(await tokens.token(app)).toEqual(first);
    expect(await tokensCalled()).toBe(1);
    now += 2 * 60_000; // 9 minutes left: Naver gives a new one (less than 30 minutes remain)
    const second = await tokens.token(app);
    expect(second.token).not.toBe(first.token);
    expect(await tokensCalled()).toBe(2);
  });

  it('callers waiting on one application share one sign-in', async () => {
    const tokens = client();
    const all = await Promise.all(Array.from({ length: 5 }, () => tokens.token(app)));
    expect(new Set(all.map((t) => t.token)).size).toBe(1);
    expect(await tokensCalled()).toBe(1);
  });

  it('a wrong secret, an unknown client and a clock outside the 5-minute window are refusals with Naver\'s codes', async () => {
    const verify = naverCommerceVerifier(client());
    expect(await verify(app)).toEqual({ ok: true });
    expect(await verify({ ...app, clientSecret: '$2a$04$SomeOtherSecretValu00u' })).toMatchObject({ ok: false, providerCode: 'GW.AUTHN', message: expect.stringContaining('client_secret_sign') });
    expect(await verify({ ...app, clientId: 'unknownClient99' })).toMatchObject({ ok: false, providerCode: 'GW.NOT_FOUND' });
    const skewed = naverCommerceVerifier(client({ clock: { now: () => new Date(now - 6 * 60_000) } }));
    expect(await skewed(app)).toMatchObject({ ok: false, providerCode: 'GW.AUTHN', message: expect.stringContaining('5-minute') });
    const slightlyOff = naverCommerceVerifier(client({ clock: { now: () => new Date(now - 4 * 60_000) } }));
    expect(await slightlyOff(app)).toEqual({ ok: true });
  });

  it('token() throws a 502 marked credentialsRejected when the credentials are refused', async () => {
    const error = await client().token({ ...app, clientSecret: '$2a$04$SomeOtherSecretValu00u' }).catch((e: unknown) => e as DomainError);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'upstream_failed', details: { providerCode: 'GW.AUTHN', credentialsRejected: true } });
  });

  it('an outage is a 502 and a rate limit a 429, never a refusal', async () => {
    await control('faults', { outage: true });
    await expect(client().signIn(app)).rejects.toMatchObject({ code: 'upstream_failed', details: { providerStatus: 500, providerCode: 'GW.INTERNAL_SERVER_ERROR' } });
    await control('faults', { outage: false, failNext: { count: 1, kind: 'rate' } });
    await expect(client().signIn(app)).rejects.toMatchObject({ code: 'rate_limited' });
    const unreachable = naverCommerceTokens({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 2_000, retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, clock });
    await expect(unreachable.signIn(app)).rejects.toMatchObject({ code: 'upstream_failed', details: { provider: 'naver-commerce' } });
  });

  it('forget() makes the next call sign in again', async () => {
    const tokens = client();
    await tokens.token(app);
    tokens.forget(app);
    await tokens.token(app);
    expect(await tokensCalled()).toBe(2);
  });
});
