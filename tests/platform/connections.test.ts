/**
 * Channel connections through the endpoints, over PGlite: verified before stored, sealed, listed without secrets,
 * rejected later, deleted, owner only, one per channel, cross-tenant probes, bad input and provider outages. Naver
 * Commerce is verified for real against the sandbox (its bcrypt signature checked there); Coupang Wing by a
 * scripted verifier (adapters/coupang/verify.test.ts covers the signed call). No secret reaches a log line, an
 * audit entry, a problem or a stored Idempotency-Key answer.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { naverCommerceTokens } from '../../adapters/naver-commerce/token.ts';
import { naverCommerceVerifier } from '../../adapters/naver-commerce/verify.ts';
import { chainOf } from '../../core/platform/audit.ts';
import type { ChannelVerifier, CoupangWingCredentials, Verification } from '../../core/platform/connections.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { NAVER_COMMERCE_SANDBOX_APP, NAVER_COMMERCE_SANDBOX_NAME, naverCommerceSandbox } from '../../sandbox/naver-commerce/index.ts';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { bearer, seedTenant } from './fixtures.ts';

/** What the scripted Wing verifier answers next, and what it was asked. */
let wingAnswer: () => Promise<Verification> = async () => ({ ok: true });
const wingAsked: CoupangWingCredentials[] = [];

const naver = { channel: 'naver_commerce', clientId: NAVER_COMMERCE_SANDBOX_APP.clientId, clientSecret: NAVER_COMMERCE_SANDBOX_APP.clientSecret };
/** Every secret a test sent: none may appear in logs, audit entries, problems or stored answers. */
const secrets: string[] = [naver.clientSecret];
const wing = (n = 0) => {
  const body = { channel: 'coupang_wing', vendorId: `A0001234${n}`, accessKey: `ak-${randomBytes(8).toString('hex')}-K${n}x9`, secretKey: `wing-SECRET-${randomBytes(12).toString('hex')}` };
  secrets.push(body.secretKey);
  return body;
};

describe('channel connections (PGlite)', () => {
  let db: TestDatabase;
  let rt: TestRuntime;
  let sandbox: RunningSandbox;
  let sandboxUrl: string;

  beforeAll(async () => {
    db = await withPglite();
    sandbox = await startSandbox([naverCommerceSandbox()]);
    sandboxUrl = sandbox.urls[NAVER_COMMERCE_SANDBOX_NAME]!;
    const tokens = naverCommerceTokens({ baseUrl: sandboxUrl, timeoutMs: 5_000, retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, clock: { now: () => new Date() } });
    const naverVerify = naverCommerceVerifier(tokens);
    const verifier: ChannelVerifier = {
      verify: async (channel, credentials, signal) => {
        if (channel === 'naver_commerce') return naverVerify(credentials as typeof naver, signal);
        wingAsked.push(credentials as CoupangWingCredentials);
        return wingAnswer();
      },
    };
    rt = await testRuntime({ database: db, overrides: { channelVerifier: verifier } });
  });
  afterAll(async () => {
    await rt?.close();
    await sandbox?.close();
    await db?.close();
  });
  beforeEach(async () => {
    wingAnswer = async () => ({ ok: true });
    await fetch(`${sandboxUrl}/__sandbox/reset`, { method: 'POST' });
  });

  const connect = (secret: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    rt.call('platform.createConnection', { headers: { ...bearer(secret), ...headers }, body });
  const list = async (secret: string) => (await rt.call('platform.listConnections', { headers: bearer(secret) })).body.items as Array<Record<string, unknown>>;
  const memberKey = async (ownerSecret: string) => (await rt.call('platform.createApiKey', { headers: bearer(ownerSecret), body: { name: 'sync', role: 'member' } })).body.key as string;

  it('verifies with the provider, stores sealed, lists without secrets, and the port opens the credentials', async () => {
    const t = await seedTenant(rt.ports);
    const w = wing(1);
    const created = await connect(t.secret, w);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ connection: { channel: 'coupang_wing', keyHint: w.accessKey.slice(-4), status: 'active', lastUsedAt: null, rejectedAt: null, rejectedCode: null }, replacedConnectionId: null });
    expect(wingAsked.at(-1)).toEqual({ vendorId: w.vendorId, accessKey: w.accessKey, secretKey: w.secretKey });
    const n = await connect(t.secret, naver);
    expect(n.status).toBe(201);
    expect(n.body.connection).toMatchObject({ channel: 'naver_commerce', keyHint: naver.clientId.slice(-4) });

    const items = await list(t.secret);
    expect(items.map((c) => c.channel)).toEqual(['coupang_wing', 'naver_commerce']);
    const listed = JSON.stringify(items);
    for (const s of [w.secretKey, w.accessKey, naver.clientSecret]) expect(listed).not.toContain(s);
    expect(Object.keys(items[0]!).sort()).toEqual(['channel', 'createdAt', 'id', 'keyHint', 'lastUsedAt', 'rejectedAt', 'rejectedCode', 'status', 'verifiedAt']);

    // The row holds nothing in the clear, not even the access key or vendor id.
    const { rows } = await db.query<{ text: string }>('SELECT row_to_json(c)::text AS text FROM channel_connections c WHERE tenant_id = $1', [t.tenant.id]);
    expect(rows).toHaveLength(2);
    for (const s of [w.secretKey, w.accessKey, w.vendorId, naver.clientSecret, naver.clientId]) expect(rows.map((r) => r.text).join()).not.toContain(s);

    const opened = await rt.ports.connections.open(t.tenant.id, 'coupang_wing');
    expect(opened).toEqual({ connectionId: created.body.connection.id, channel: 'coupang_wing', credentials: { vendorId: w.vendorId, accessKey: w.accessKey, secretKey: w.secretKey } });
    expect((await list(t.secret))[0]!.lastUsedAt).not.toBeNull();
  });

  it('a refused credential answers 422 naming the channel and the provider\'s code, and stores nothing', async () => {
    const t = await seedTenant(rt.ports);
    const wrong = { ...naver, clientSecret: '$2a$04$WrongSecretForTheAp00u' };
    secrets.push(wrong.clientSecret);
    const refused = await connect(t.secret, wrong);
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ channel: 'naver_commerce', providerCode: 'GW.AUTHN' });
    expect(refused.body.detail).toContain('naver_commerce');
    wingAnswer = async () => ({ ok: false, providerCode: 'HTTP_401', message: 'Invalid signature' });
    const w = wing(2);
    const refusedWing = await connect(t.secret, w);
    expect(refusedWing.body).toMatchObject({ status: 422, channel: 'coupang_wing', providerCode: 'HTTP_401' });
    for (const s of [w.secretKey, w.accessKey, wrong.clientSecret]) expect(JSON.stringify([refused.body, refusedWing.body])).not.toContain(s);
    expect(await list(t.secret)).toEqual([]);
    const audit = await rt.ports.access.audit.list(chainOf(t.tenant.id), { action: 'connection.create' }, null, 10);
    expect(audit.map((e) => [e.outcome, e.details.providerCode])).toEqual([['failure', 'HTTP_401'], ['failure', 'GW.AUTHN']]);
  });

  it('a provider that is down answers 502 (or 503, 429 as it says) and stores nothing', async () => {
    const t = await seedTenant(rt.ports);
    await fetch(`${sandboxUrl}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ outage: true }) });
    const down = await connect(t.secret, naver);
    expect(down.status).toBe(502);
    expect(down.headers['content-type']).toContain('application/problem+json');
    wingAnswer = () => Promise.reject(new DomainError('unavailable', 'Coupang Wing is not reachable from here', { retryAfterSeconds: 5 }));
    expect((await connect(t.secret, wing(3))).status).toBe(503);
    wingAnswer = () => Promise.reject(new DomainError('upstream_failed', 'Coupang Wing could not verify the credentials (503 HTTP_503)'));
    expect((await connect(t.secret, wing(3))).status).toBe(502);
    expect(await list(t.secret)).toEqual([]);
  });

  it('connecting a channel again replaces its connection: one per channel, the old id gone', async () => {
    const t = await seedTenant(rt.ports);
    const first = await connect(t.secret, wing(4));
    const second = await connect(t.secret, wing(5));
    expect(second.status).toBe(201);
    expect(second.body.replacedConnectionId).toBe(first.body.connection.id);
    const items = await list(t.secret);
    expect(items.map((c) => c.id)).toEqual([second.body.connection.id]);
    expect((await rt.call('platform.deleteConnection', { headers: bearer(t.secret), path: { connectionId: first.body.connection.id } })).status).toBe(404);
    expect((await rt.ports.connections.open(t.tenant.id, 'coupang_wing')).credentials.vendorId).toBe('A00012345');
    const actions = (await rt.ports.access.audit.list(chainOf(t.tenant.id), {}, null, 10)).map((e) => e.action);
    expect(actions.slice(0, 3)).toEqual(['connection.create', 'connection.replace', 'connection.create']);
  });

  it('rejected later: listed as rejected with time and code; calls through it answer 502 saying to renew; connecting again renews', async () => {
    const t = await seedTenant(rt.ports);
    const created = await connect(t.secret, naver);
    await rt.ports.connections.markRejected(t.tenant.id, created.body.connection.id, 'GW.AUTHN');
    const [item] = await list(t.secret);
    expect(item).toMatchObject({ status: 'rejected', rejectedCode: 'GW.AUTHN' });
    expect(Date.parse(item!.rejectedAt as string)).not.toBeNaN();
    const refused = (await rt.ports.connections.open(t.tenant.id, 'naver_commerce').catch((e: unknown) => e)) as DomainError;
    expect(refused).toMatchObject({ code: 'upstream_failed', details: { renew: true, providerCode: 'GW.AUTHN' } });
    expect(refused.message).toMatch(/must be renewed.*POST \/v1\/connections/);
    const renewed = await connect(t.secret, naver);
    expect(renewed.body.replacedConnectionId).toBe(created.body.connection.id);
    expect((await list(t.secret))[0]).toMatchObject({ status: 'active', rejectedAt: null });
  });

  it('deleted: gone from the list, its row and secrets removed, calls answer 404, audited', async () => {
    const t = await seedTenant(rt.ports);
    const created = await connect(t.secret, wing(6));
    const id = created.body.connection.id as string;
    const deleted = await rt.call('platform.deleteConnection', { headers: bearer(t.secret), path: { connectionId: id.toUpperCase() } });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id, channel: 'coupang_wing' });
    expect(await list(t.secret)).toEqual([]);
    expect((await db.query('SELECT 1 FROM channel_connections WHERE id = $1', [id])).rows).toEqual([]);
    await expect(rt.ports.connections.open(t.tenant.id, 'coupang_wing')).rejects.toMatchObject({ code: 'not_found' });
    expect((await rt.call('platform.deleteConnection', { headers: bearer(t.secret), path: { connectionId: id } })).status).toBe(404);
    const log = await rt.ports.access.audit.list(chainOf(t.tenant.id), { action: 'connection.delete' }, null, 10);
    expect(log.map((e) => e.target)).toEqual([`connection:${id}`]);
  });

  it('another tenant\'s connection is not found, not listed, not opened and not rejected', async () => {
    const a = await seedTenant(rt.ports);
    const b = await seedTenant(rt.ports);
    const created = await connect(a.secret, wing(7));
    const id = created.body.connection.id as string;
    const probe = await rt.call('platform.deleteConnection', { headers: bearer(b.secret), path: { connectionId: id } });
    expect(probe.status).toBe(404);
    expect(await list(b.secret)).toEqual([]);
    await expect(rt.ports.connections.open(b.tenant.id, 'coupang_wing')).rejects.toMatchObject({ code: 'not_found' });
    await rt.ports.connections.markRejected(b.tenant.id, id, 'X');
    expect((await list(a.secret))[0]).toMatchObject({ id, status: 'active' });
  });

  it('owner only: a member key may list but not connect or delete (403, audited as denied)', async () => {
    const t = await seedTenant(rt.ports);
    const created = await connect(t.secret, wing(8));
    const member = await memberKey(t.secret);
    expect((await connect(member, wing(9))).status).toBe(403);
    expect((await rt.call('platform.deleteConnection', { headers: bearer(member), path: { connectionId: created.body.connection.id } })).status).toBe(403);
    expect((await list(member)).map((c) => c.id)).toEqual([created.body.connection.id]);
    expect(wingAsked.filter((c) => c.vendorId === 'A00012349')).toEqual([]);
  });

  it('bad input answers 400 naming each field, calls no provider, and never echoes a secret', async () => {
    const t = await seedTenant(rt.ports);
    const asked = wingAsked.length;
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{}, ['channel']],
      [{ channel: 'amazon', accessKey: 'x' }, ['channel']],
      [{ channel: 'coupang_wing', vendorId: 'A00012345', accessKey: 'ak-12345678' }, ['secretKey']],
      [{ channel: 'coupang_wing', vendorId: 'A0001 2345', accessKey: 'ak-12345678', secretKey: 'has spaces hunter2' }, ['vendorId', 'secretKey']],
      [{ channel: 'coupang_wing', vendorId: 'A00012345', accessKey: 'ak\r\nx-injected: 1', secretKey: 'wing-secret-hunter2' }, ['accessKey']],
      [{ channel: 'naver_commerce', clientId: 'client01', clientSecret: 'plain-hunter2-secret' }, ['clientSecret']],
      [{ channel: 'naver_commerce', clientId: 'client01' }, ['clientSecret']],
      [{ channel: 'naver_commerce', clientId: 42, clientSecret: naver.clientSecret }, ['clientId']],
    ];
    for (const [body, fields] of cases) {
      const res = await connect(t.secret, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(fields.sort());
      expect(JSON.stringify(res.body)).not.toContain('hunter2');
    }
    expect(wingAsked.length).toBe(asked);
    expect(await list(t.secret)).toEqual([]);
    const malformed = await rt.call('platform.deleteConnection', { headers: bearer(t.secret), path: { connectionId: 'not-a-uuid' } });
    expect(malformed.status).toBe(400);
  });

  it('an Idempotency-Key replay answers the same connection, audited as a replay; the stored answer holds no secret', async () => {
    const t = await seedTenant(rt.ports);
    const w = wing(1);
    const headers = { 'idempotency-key': 'connect-1' };
    const first = await connect(t.secret, w, headers);
    const asked = wingAsked.length;
    const replay = await connect(t.secret, w, headers);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotency-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(wingAsked.length).toBe(asked);
    const log = await rt.ports.access.audit.list(chainOf(t.tenant.id), { action: 'connection.create' }, null, 10);
    expect(log[0]!.details).toMatchObject({ replay: true, status: 201 });
    expect(log[0]!.target).toBe(`connection:${first.body.connection.id}`);
  });

  // Last: every secret sent by the tests above.
  it('no secret in any log line, access line, audit entry or stored Idempotency-Key answer', async () => {
    const t = await seedTenant(rt.ports);
    await connect(t.secret, wing(2), { 'idempotency-key': 'connect-2' });
    wingAnswer = async () => ({ ok: false, providerCode: 'HTTP_401', message: 'Invalid signature' });
    await connect(t.secret, wing(3), { 'idempotency-key': 'connect-3' });
    const stored = (await db.query<{ text: string }>('SELECT row_to_json(k)::text AS text FROM idempotency_keys k')).rows.map((r) => r.text).join('\n');
    expect(stored).toContain('connection');
    const audit = (await db.query<{ text: string }>('SELECT row_to_json(a)::text AS text FROM audit_log a')).rows.map((r) => r.text).join('\n');
    expect(audit).toContain('connection.create');
    const logs = JSON.stringify(rt.captured.logs) + JSON.stringify(rt.captured.access);
    expect(secrets.length).toBeGreaterThan(4);
    for (const s of secrets) {
      expect(stored).not.toContain(s);
      expect(audit).not.toContain(s);
      expect(logs).not.toContain(s);
    }
  });
});

describe('channel connections as wired (the sandboxes stand in for Coupang Wing and Naver Commerce)', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await testRuntime();
  });
  afterAll(async () => rt?.close());

  it('the sandboxes\' accounts connect; a wrong secret is refused with the gateway\'s answer; the port opens what was stored', async () => {
    const { COUPANG_SANDBOX_CREDENTIALS } = await import('../../sandbox/coupang/index.ts');
    const t = await seedTenant(rt.ports);
    const wingAccount = { channel: 'coupang_wing', ...COUPANG_SANDBOX_CREDENTIALS.wing };
    expect((await rt.call('platform.createConnection', { headers: bearer(t.secret), body: wingAccount })).status).toBe(201);
    expect((await rt.call('platform.createConnection', { headers: bearer(t.secret), body: naver })).status).toBe(201);
    const wrong = await rt.call('platform.createConnection', { headers: bearer(t.secret), body: { ...wingAccount, secretKey: 'not-the-wing-secret' } });
    expect(wrong.status).toBe(422);
    expect(wrong.body).toMatchObject({ channel: 'coupang_wing', providerCode: 'HTTP_401' });
    const otherVendor = await rt.call('platform.createConnection', { headers: bearer(t.secret), body: { ...wingAccount, vendorId: COUPANG_SANDBOX_CREDENTIALS.otherWing.vendorId } });
    expect(otherVendor.status).toBe(422);
    expect((await rt.ports.connections.open(t.tenant.id, 'coupang_wing')).credentials).toEqual(COUPANG_SANDBOX_CREDENTIALS.wing);
  });
});
