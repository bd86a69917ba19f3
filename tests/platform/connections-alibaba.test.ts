/**
 * A tenant's own 1688 account through the endpoints, over PGlite, against the 1688 sandbox on loopback: the authorize
 * URL and its state, the sandbox's grant (its redirect followed by hand), the code exchange, tokens sealed and never
 * shown, the refresh before the 10-hour expiry on a fake clock, a revoked grant marking the connection rejected
 * (502 saying to renew), states reused, expired or another tenant's (400), cross-tenant probes (404), owner only,
 * and no token in a log line, an audit entry, a stored answer or a row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainOf } from '../../core/platform/audit.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { SANDBOX_1688_MEMBER } from '../../sandbox/alibaba/oauth.ts';
import type { RunningSandbox } from '../../sandbox/server.ts';
import { alibabaEnv, startAlibabaSandbox } from '../alibaba/helpers.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { memoryRateCounter } from '../naver/helpers.ts';
import { bearer, seedTenant } from './fixtures.ts';

const REDIRECT = 'https://seller.example/1688/granted';
const HOUR = 3_600_000;

describe('a tenant\'s own 1688 account (OAuth, PGlite, the 1688 sandbox)', () => {
  let db: TestDatabase;
  let rt: TestRuntime;
  let sandbox: RunningSandbox;
  let base: string;
  let nowMs = Date.parse('2026-12-01T00:00:00Z');
  const clock: Clock = { now: () => new Date(nowMs) };
  /** Every token and code the tests saw: none may appear in logs, audit entries, stored answers or rows in the clear. */
  const secrets: string[] = [];

  beforeAll(async () => {
    db = await withPglite();
    sandbox = await startAlibabaSandbox();
    base = sandbox.urls.alibaba!;
    rt = await testRuntime({
      database: db,
      env: alibabaEnv(sandbox, { ALIBABA_OAUTH_REDIRECT_URI: REDIRECT, ALIBABA_AUTHORIZE_URL: `${sandbox.urls.alibaba!}/oauth/authorize` }),
      overrides: { clock, rateCounter: memoryRateCounter(() => nowMs) },
    });
  });
  afterAll(async () => {
    await rt?.close();
    await sandbox?.close();
    await db?.close();
  });

  const authorize = (secret: string) => rt.call('platform.authorizeAlibaba1688', { headers: bearer(secret), body: {} });
  const grant = (secret: string, body: Record<string, unknown>) => rt.call('platform.grantAlibaba1688', { headers: bearer(secret), body });
  const account = (secret: string) => rt.call('platform.getAlibaba1688Account', { headers: bearer(secret) });
  const list = async (secret: string) => (await rt.call('platform.listConnections', { headers: bearer(secret) })).body.items as Array<Record<string, unknown>>;
  /** The seller grants access on 1688's page: the sandbox redirects to the redirect URI with the code and the state. */
  const sellerGrants = async (authorizeUrl: string): Promise<{ code: string; state: string }> => {
    const res = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    const code = back.searchParams.get('code')!;
    secrets.push(code);
    return { code, state: back.searchParams.get('state')! };
  };
  const connect = async (secret: string) => {
    const started = await authorize(secret);
    expect(started.status).toBe(200);
    return grant(secret, await sellerGrants(started.body.authorizeUrl));
  };
  const tokensOf = async (tenantId: string) => {
    const opened = await rt.ports.connections.open(tenantId, 'alibaba_1688');
    secrets.push(opened.credentials.accessToken, opened.credentials.refreshToken);
    return opened.credentials;
  };

  it('authorize, grant on 1688, exchange the code: stored sealed, listed without tokens, the account shown', async () => {
    const t = await seedTenant(rt.ports);
    const started = await authorize(t.secret);
    expect(started.status).toBe(200);
    const url = new URL(started.body.authorizeUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${base}/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: '9900001', site: '1688', redirect_uri: REDIRECT, state: started.body.state });
    expect(started.body.expiresAt).toBe(new Date(nowMs + 10 * 60_000).toISOString());

    const back = await sellerGrants(started.body.authorizeUrl);
    expect(back.state).toBe(started.body.state);
    const granted = await grant(t.secret, back);
    expect(granted.status).toBe(201);
    expect(granted.body).toMatchObject({ connection: { channel: 'alibaba_1688', status: 'active', keyHint: SANDBOX_1688_MEMBER.memberId.slice(-4) }, replacedConnectionId: null });

    const tokens = await tokensOf(t.tenant.id);
    expect(tokens).toMatchObject({ memberId: SANDBOX_1688_MEMBER.memberId, aliId: SANDBOX_1688_MEMBER.aliId });
    expect(tokens.accessTokenExpiresAt).toBe(new Date(nowMs + 10 * HOUR).toISOString());
    // The sandbox grants a refresh token for 180 days, written as 1688 writes it (Beijing time) and read back.
    expect(Math.abs(Date.parse(tokens.refreshTokenExpiresAt!) - (Date.now() + 180 * 24 * HOUR))).toBeLessThan(60_000);

    const items = await list(t.secret);
    expect(items.map((c) => c.channel)).toEqual(['alibaba_1688']);
    const shown = JSON.stringify(items) + JSON.stringify(granted.body);
    for (const s of [tokens.accessToken, tokens.refreshToken, back.code]) expect(shown).not.toContain(s);
    const { rows } = await db.query<{ text: string }>('SELECT row_to_json(c)::text AS text FROM channel_connections c WHERE tenant_id = $1', [t.tenant.id]);
    for (const s of [tokens.accessToken, tokens.refreshToken, tokens.memberId]) expect(rows[0]!.text).not.toContain(s);

    const shownAccount = await account(t.secret);
    expect(shownAccount.status).toBe(200);
    expect(shownAccount.body).toEqual({
      connectionId: granted.body.connection.id, memberId: SANDBOX_1688_MEMBER.memberId, aliId: SANDBOX_1688_MEMBER.aliId,
      accessTokenExpiresAt: tokens.accessTokenExpiresAt, refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
    });
    const actions = (await rt.ports.access.audit.list(chainOf(t.tenant.id), {}, null, 10)).map((e) => e.action);
    expect(actions.slice(0, 2)).toEqual(['connection.create', 'connection.authorize']);
  });

  it('a state used once, expired, forged or another tenant\'s answers 400 on state before 1688 is asked; a refused code 400 on code', async () => {
    const a = await seedTenant(rt.ports);
    const b = await seedTenant(rt.ports);
    const first = await authorize(a.secret);
    const back = await sellerGrants(first.body.authorizeUrl);
    // Another tenant cannot spend it: the state is sealed for tenant a.
    const stolen = await grant(b.secret, back);
    expect(stolen.status).toBe(400);
    expect(stolen.headers['content-type']).toContain('application/problem+json');
    expect(stolen.body.detail).toMatch(/not one this service issued to this tenant/);
    expect((await grant(a.secret, back)).status).toBe(201);
    // Reused with a fresh code from 1688: the state was spent.
    const again = await sellerGrants(first.body.authorizeUrl);
    const reused = await grant(a.secret, again);
    expect(reused.status).toBe(400);
    expect(reused.body.detail).toMatch(/used already/);

    const late = await authorize(a.secret);
    const lateBack = await sellerGrants(late.body.authorizeUrl);
    nowMs += 10 * 60_000 + 1;
    const expired = await grant(a.secret, lateBack);
    expect(expired.status).toBe(400);
    expect(expired.body.detail).toMatch(/expired/);

    const forged = await grant(a.secret, { code: 'x', state: `${late.body.state.split('.')[0]}.AAAA${late.body.state.slice(-10)}` });
    expect(forged.status).toBe(400);
    expect((await grant(a.secret, { code: 'x', state: 'no-dot-here' })).status).toBe(400);

    const fresh = await authorize(a.secret);
    const wrongCode = await grant(a.secret, { code: 'code-never-issued', state: fresh.body.state });
    expect(wrongCode.status).toBe(400);
    expect(wrongCode.body).toMatchObject({ providerCode: 'invalid_grant', channel: 'alibaba_1688' });
    // The first grant is still the connection.
    expect((await list(a.secret)).map((c) => c.channel)).toEqual(['alibaba_1688']);
  });

  it('refreshes on use within 30 minutes of the access token\'s 10 hours, resealed in place; not before', async () => {
    const t = await seedTenant(rt.ports);
    const granted = await connect(t.secret);
    const start = nowMs;
    const before = await tokensOf(t.tenant.id);
    nowMs = start + 9 * HOUR;
    expect((await tokensOf(t.tenant.id)).accessToken).toBe(before.accessToken);
    nowMs = start + 9.5 * HOUR + 1;
    const shown = await account(t.secret);
    expect(shown.status).toBe(200);
    expect(shown.body.accessTokenExpiresAt).toBe(new Date(nowMs + 10 * HOUR).toISOString());
    const after = await tokensOf(t.tenant.id);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.accessTokenExpiresAt).toBe(shown.body.accessTokenExpiresAt);
    // Resealed in place: the next use opens the refreshed token, no second refresh.
    expect((await tokensOf(t.tenant.id)).accessToken).toBe(after.accessToken);
    // A refresh keeps the refresh token and its expiry (1688 sends no new one), and the same connection.
    expect(after.refreshToken).toBe(before.refreshToken);
    expect(after.refreshTokenExpiresAt).toBe(before.refreshTokenExpiresAt);
    expect((await list(t.secret)).map((c) => [c.id, c.status])).toEqual([[granted.body.connection.id, 'active']]);
  });

  it('a revoked grant: the refresh is refused, the connection rejected, calls answer 502 saying to renew; a new grant renews', async () => {
    const t = await seedTenant(rt.ports);
    const granted = await connect(t.secret);
    await tokensOf(t.tenant.id);
    expect((await (await fetch(`${base}/__sandbox/revoke`, { method: 'POST' })).json()) as { revoked: number }).toMatchObject({ revoked: expect.any(Number) });
    nowMs += 9.75 * HOUR;
    const refused = await account(t.secret);
    expect(refused.status).toBe(502);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ renew: true, providerCode: 'invalid_grant', channel: 'alibaba_1688', connectionId: granted.body.connection.id });
    expect(refused.body.detail).toMatch(/must be renewed.*alibaba_1688\/authorize/);
    expect((await list(t.secret))[0]).toMatchObject({ status: 'rejected', rejectedCode: 'invalid_grant' });
    expect((await account(t.secret)).status).toBe(502);
    const rejections = await rt.ports.access.audit.list(chainOf(t.tenant.id), { action: 'connection.reject' }, null, 10);
    expect(rejections).toHaveLength(1);

    const renewed = await connect(t.secret);
    expect(renewed.body.replacedConnectionId).toBe(granted.body.connection.id);
    expect((await account(t.secret)).status).toBe(200);
  });

  it('another tenant\'s connection is not shown, not deleted (404); a member may look but not authorize or grant (403)', async () => {
    const a = await seedTenant(rt.ports);
    const b = await seedTenant(rt.ports);
    const granted = await connect(a.secret);
    const id = granted.body.connection.id as string;
    expect((await account(b.secret)).status).toBe(404);
    expect((await rt.call('platform.deleteConnection', { headers: bearer(b.secret), path: { connectionId: id } })).status).toBe(404);
    expect(await list(b.secret)).toEqual([]);
    const member = (await rt.call('platform.createApiKey', { headers: bearer(a.secret), body: { name: 'sync', role: 'member' } })).body.key as string;
    expect((await authorize(member)).status).toBe(403);
    expect((await grant(member, { code: 'x', state: 'a.b' })).status).toBe(403);
    expect((await account(member)).status).toBe(200);
  });

  it('bad input answers 400 naming the field', async () => {
    const t = await seedTenant(rt.ports);
    for (const [body, field] of [[{}, 'code'], [{ code: 'c' }, 'state'], [{ code: 'has space', state: 'a.b' }, 'code'], [{ code: 'c', state: 'a b' }, 'state']] as const) {
      const res = await grant(t.secret, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });

  // Last: every token and code the tests above saw.
  it('no token or code in any log line, access line, audit entry, stored Idempotency-Key answer or row', async () => {
    const t = await seedTenant(rt.ports);
    const started = await authorize(t.secret);
    await grant(t.secret, { ...(await sellerGrants(started.body.authorizeUrl)) });
    const headers = { ...bearer(t.secret), 'idempotency-key': 'grant-1' };
    const again = await authorize(t.secret);
    await rt.call('platform.grantAlibaba1688', { headers, body: await sellerGrants(again.body.authorizeUrl) });
    await tokensOf(t.tenant.id);
    const stored = (await db.query<{ text: string }>('SELECT row_to_json(k)::text AS text FROM idempotency_keys k')).rows.map((r) => r.text).join('\n');
    expect(stored).toContain('alibaba_1688');
    const audit = (await db.query<{ text: string }>('SELECT row_to_json(a)::text AS text FROM audit_log a')).rows.map((r) => r.text).join('\n');
    expect(audit).toContain('connection.authorize');
    const rows = (await db.query<{ text: string }>('SELECT row_to_json(c)::text AS text FROM channel_connections c')).rows.map((r) => r.text).join('\n');
    const logs = JSON.stringify(rt.captured.logs) + JSON.stringify(rt.captured.access);
    expect(secrets.length).toBeGreaterThan(10);
    for (const s of secrets) {
      expect(stored).not.toContain(s);
      expect(audit).not.toContain(s);
      expect(logs).not.toContain(s);
      expect(rows).not.toContain(s);
    }
  });
});

describe('1688 OAuth through the sandbox started on first use (no 1688 credentials, no redirect URI)', () => {
  it("sends the seller back to this server's own HOST and PORT", async () => {
    const db = await withPglite();
    const rt = await testRuntime({ database: db, env: { ALIBABA_SANDBOX: 'on', PORT: '3996', HOST: '0.0.0.0' } });
    try {
      const t = await seedTenant(rt.ports);
      const started = await rt.call('platform.authorizeAlibaba1688', { headers: bearer(t.secret), body: {} });
      expect(started.status).toBe(200);
      expect(new URL(started.body.authorizeUrl).searchParams.get('redirect_uri')).toBe('http://localhost:3996/alibaba_1688/granted');
    } finally {
      await rt.close();
      await db.close();
    }
  });
});
