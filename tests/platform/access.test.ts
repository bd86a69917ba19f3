import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryAccessStore } from '../../adapters/memory/access.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { bearer, seedAdmin, seedTenant } from './fixtures.ts';

let rt: TestRuntime;
/** The last-use writes the authenticator started (it does not await them): tests await these instead of sleeping. */
const touches: Promise<void>[] = [];
beforeAll(async () => {
  const access = memoryAccessStore();
  const touchKey = access.touchKey;
  access.touchKey = (...args) => {
    const write = touchKey(...args);
    touches.push(write);
    return write;
  };
  rt = await testRuntime({ overrides: { access } });
});
afterAll(async () => rt.close());

const audit = async (key: string, query: Record<string, string> = {}) => rt.call('platform.readAudit', { headers: bearer(key), query });

describe('tenants and API keys', () => {
  it('an admin creates a tenant; its first key works once and is stored only as a hash', async () => {
    const admin = await seedAdmin(rt.ports);
    const res = await rt.call('platform.createTenant', {
      headers: bearer(admin.secret),
      body: { name: '캠핑하우스', owner: { email: 'Owner@Camping.example', name: '김판매' } },
    });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.key).toMatch(/^sp_live_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/);
    expect(res.body.key).toContain(res.body.apiKey.prefix);
    expect(res.body.owner).toMatchObject({ email: 'owner@camping.example', role: 'owner' });
    const listed = await rt.call('platform.listApiKeys', { headers: bearer(res.body.key) });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(res.body.key.slice(-32));
    const members = await rt.call('platform.listMembers', { headers: bearer(res.body.key) });
    expect(members.body.items.map((m: { email: string }) => m.email)).toEqual(['owner@camping.example']);
  });

  it('names each bad field of a tenant body', async () => {
    const admin = await seedAdmin(rt.ports);
    const res = await rt.call('platform.createTenant', { headers: bearer(admin.secret), body: { name: ' ', owner: { email: 'nope' } } });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['name', 'owner.email', 'owner.name']);
  });

  it('401 without or with bad credentials, 403 for the wrong kind, each audited', async () => {
    const t = await seedTenant(rt.ports);
    expect((await rt.call('platform.listApiKeys')).status).toBe(401);
    const wrongSecret = t.secret.slice(0, -1) + (t.secret.endsWith('a') ? 'b' : 'a');
    expect((await rt.call('platform.listApiKeys', { headers: bearer(wrongSecret) })).status).toBe(401);
    expect((await rt.call('platform.listApiKeys', { headers: bearer('sp_live_nothere1_' + 'x'.repeat(32)) })).status).toBe(401);
    const forbidden = await rt.call('platform.createTenant', { headers: bearer(t.secret), body: { name: 'x', owner: { email: 'a@b.co', name: 'a' } } });
    expect(forbidden.status).toBe(403);

    await rt.flushAuthFailures();
    const platform = await rt.ports.access.audit.list('platform', { outcome: 'denied' }, null, 100);
    expect(platform.map((e) => e.action)).toEqual(expect.arrayContaining(['auth.missing_credentials', 'auth.invalid_credentials']));
    expect(platform.every((e) => e.target === 'platform.listApiKeys' && e.actor === 'anonymous')).toBe(true);
    const own = await audit(t.secret, { outcome: 'denied' });
    expect(own.body.items).toHaveLength(1);
    expect(own.body.items[0]).toMatchObject({ action: 'auth.forbidden', target: 'platform.createTenant', actor: `member:${t.owner.id}`, requestId: forbidden.headers['x-request-id'] });
  });

  it('records the credential behind every entry: a member-role key of the owner reads as that key and role', async () => {
    const t = await seedTenant(rt.ports);
    const created = await rt.call('platform.createApiKey', { headers: bearer(t.secret), body: { name: 'sync', role: 'member' } });
    const memberKey = created.body.key as string;
    expect((await rt.call('platform.createApiKey', { headers: bearer(memberKey), body: { name: 'escalate', role: 'owner' } })).status).toBe(403);
    const items = (await audit(t.secret)).body.items as Array<Record<string, any>>;
    const denied = items.find((e) => e.action === 'auth.forbidden' && e.target === 'platform.createApiKey')!;
    // Same member (the owner) as actor, but the credential shows the member-role key that was used.
    expect(denied.actor).toBe(`member:${t.owner.id}`);
    expect(denied.credential).toEqual({ via: 'api_key', keyId: created.body.apiKey.id, keyPrefix: created.body.apiKey.prefix, role: 'member' });
    const made = items.find((e) => e.action === 'api_key.create' && e.outcome === 'success')!;
    expect(made.credential).toEqual({ via: 'api_key', keyId: t.apiKey.id, keyPrefix: t.apiKey.prefix, role: 'owner' });
  });

  it("keys audit entries by the server's request id and keeps the caller's as clientRequestId", async () => {
    const t = await seedTenant(rt.ports);
    const res = await rt.call('platform.createApiKey', { headers: { ...bearer(t.secret), 'x-request-id': 'caller-chosen-1' }, body: { name: 'ci' } });
    expect(res.status).toBe(201);
    expect(res.headers['x-request-id']).toBe('caller-chosen-1');
    const entry = (await audit(t.secret, { action: 'api_key.create' })).body.items.find((e: { target: string }) => e.target === `api_key:${res.body.apiKey.id}`);
    expect(entry.clientRequestId).toBe('caller-chosen-1');
    expect(entry.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(rt.captured.access.find((l) => l.requestId === entry.requestId)).toMatchObject({ clientRequestId: 'caller-chosen-1', status: 201 });
  });

  it('owners create and revoke keys; a member key gets 403 naming the role; revoked keys stop at once', async () => {
    const t = await seedTenant(rt.ports);
    const created = await rt.call('platform.createApiKey', { headers: bearer(t.secret), body: { name: 'sync', role: 'member' } });
    expect(created.status).toBe(201);
    const memberKey = created.body.key as string;
    const denied = await rt.call('platform.createApiKey', { headers: bearer(memberKey), body: { name: 'escalate', role: 'owner' } });
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toMatch(/owner/);
    expect((await rt.call('platform.listMembers', { headers: bearer(memberKey) })).status).toBe(200);
    expect((await audit(memberKey)).status).toBe(403);

    const revoked = await rt.call('platform.revokeApiKey', { headers: bearer(t.secret), path: { keyId: created.body.apiKey.id } });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await rt.call('platform.listMembers', { headers: bearer(memberKey) })).status).toBe(401);
    const again = await rt.call('platform.revokeApiKey', { headers: bearer(t.secret), path: { keyId: created.body.apiKey.id } });
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);

    const log = await audit(t.secret);
    const actions = log.body.items.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`);
    expect(actions.filter((a: string) => a === 'api_key.revoke:success')).toHaveLength(1);
    // Owner-only endpoints declare the role; the toolkit turns a member away before the use case and records it.
    expect(actions).toEqual(expect.arrayContaining(['api_key.create:success', 'auth.forbidden:denied']));
    expect(log.body.items.filter((e: { action: string }) => e.action === 'auth.forbidden').map((e: { target: string }) => e.target).sort()).toEqual([
      'platform.createApiKey', 'platform.readAudit',
    ]);
  });

  it('records last use at most once per interval', async () => {
    const t = await seedTenant(rt.ports);
    const before = touches.length;
    await rt.call('platform.listMembers', { headers: bearer(t.secret) });
    expect(touches.length).toBe(before + 1);
    await Promise.all(touches);
    const first = (await rt.ports.access.findKeyByPrefix(t.apiKey.prefix))!.lastUsedAt;
    expect(first).toBeInstanceOf(Date);
    await rt.call('platform.listMembers', { headers: bearer(t.secret) });
    expect(touches.length).toBe(before + 1);
    await Promise.all(touches);
    expect((await rt.ports.access.findKeyByPrefix(t.apiKey.prefix))!.lastUsedAt).toEqual(first);
  });
});

describe('audit log reading', () => {
  it('pages with an opaque cursor and filters by action, actor, outcome and time', async () => {
    const t = await seedTenant(rt.ports);
    for (let i = 0; i < 5; i++) await rt.call('platform.createApiKey', { headers: bearer(t.secret), body: { name: `k${i}` } });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof audit>> = await audit(t.secret, { limit: '3', action: 'api_key.create', ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((e: { seq: number }) => e.seq));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(6); // the first key and five more
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    expect((await audit(t.secret, { actor: `member:${t.owner.id}` })).body.items).toHaveLength(5);
    expect((await audit(t.secret, { until: '2000-01-01T00:00:00Z' })).body.items).toHaveLength(0);
    expect((await audit(t.secret, { since: '2000-01-01T00:00:00Z', limit: '100' })).body.items.length).toBeGreaterThanOrEqual(8);
  });

  it('rejects bad query values naming the field', async () => {
    const t = await seedTenant(rt.ports);
    const res = await audit(t.secret, { limit: '0', outcome: 'maybe', since: 'yesterday' });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['limit', 'outcome', 'since']);
    const cursor = await audit(t.secret, { cursor: 'garbage' });
    expect(cursor.status).toBe(400);
    expect(cursor.body.detail).toMatch(/cursor/);
  });
});

describe('JWT credentials', () => {
  const jwtEnv = { JWT_ALG: 'HS256', JWT_SECRET: 's'.repeat(48), JWT_ISSUER: 'sellpo-web', JWT_AUDIENCE: 'sellpo-api' };
  const sign = async (claims: Record<string, unknown>) => {
    const { createHmac } = await import('node:crypto');
    const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
    return `${input}.${createHmac('sha256', jwtEnv.JWT_SECRET).update(input).digest('base64url')}`;
  };

  it('a valid token acts for its member and tenant; an expired one is 401 and audited', async () => {
    const jrt = await testRuntime({ env: jwtEnv });
    try {
      const t = await seedTenant(jrt.ports);
      const now = Math.floor(Date.now() / 1000);
      const claims = { sub: t.owner.id, tid: t.tenant.id, role: 'member', iss: 'sellpo-web', aud: 'sellpo-api', iat: now, exp: now + 300 };
      const ok = await jrt.call('platform.listMembers', { headers: bearer(await sign(claims)) });
      expect(ok.status).toBe(200);
      expect(ok.body.items[0].id).toBe(t.owner.id);
      const member = await jrt.call('platform.createApiKey', { headers: bearer(await sign(claims)), body: { name: 'x' } });
      expect(member.status).toBe(403);
      const expired = await jrt.call('platform.listMembers', { headers: bearer(await sign({ ...claims, iat: now - 900, exp: now - 60 })) });
      expect(expired.status).toBe(401);
      await jrt.flushAuthFailures();
      expect((await jrt.ports.access.audit.list('platform', { action: 'auth.invalid_credentials' }, null, 10))).toHaveLength(1);
    } finally {
      await jrt.close();
    }
  });

  it('a JWT configuration missing its parts stops the start naming each variable', async () => {
    const { loadConfig } = await import('../../adapters/config.ts');
    expect(() => loadConfig({ JWT_ALG: 'HS256' })).toThrow(/JWT_SECRET: required when JWT_ALG=HS256[\s\S]*JWT_ISSUER[\s\S]*JWT_AUDIENCE/);
    expect(() => loadConfig({ ...jwtEnv, JWT_SECRET: 'short' })).toThrow(/JWT_SECRET: expected at least 32 characters/);
    expect(() => loadConfig({ ...jwtEnv, JWT_ALG: 'RS256', JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' })).toThrow(/JWT_PUBLIC_KEY: is not a readable PEM public key/);
    expect(() => loadConfig({ ...jwtEnv, JWT_ALG: 'none' })).toThrow(/JWT_ALG: expected HS256 or RS256/);
  });
});
