/**
 * Verified API keys kept in memory (adapters/auth/key-cache.ts): a revoked key is refused by every process within
 * a second, through the database's change feed; a notification that never arrives is bounded by the TTL.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessAuthenticator } from '../../adapters/auth/authenticator.ts';
import { parseKeyChange, verifiedKeys } from '../../adapters/auth/key-cache.ts';
import { memoryAccessStore } from '../../adapters/memory/access.ts';
import { pgDatabase } from '../../adapters/postgres/pg.ts';
import type { ApiKey } from '../../core/platform/model.ts';
import type { Database } from '../../adapters/postgres/database.ts';
import { postgresUnavailable, TEST_POSTGRES_URL, withPglite, withPostgres, type TestDatabase } from '../helpers/database.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { bearer, seedTenant } from './fixtures.ts';

const key = (over: Partial<ApiKey> = {}): ApiKey =>
  ({ kind: 'tenant', id: 'k1', tenantId: 't1', memberId: 'm1', role: 'owner', name: 'k', prefix: 'AAAAAAAA', hash: '0'.repeat(64), createdAt: new Date(0), lastUsedAt: null, revokedAt: null, ...over }) as ApiKey;

/** Rejects when `promise` has not settled within `ms` (the promise under test: revocation within 1 s). */
const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} not within ${ms} ms`)), ms).unref())]);

describe('the verified-key cache', () => {
  it('serves nothing until its change feed is live, and nothing again once the feed is lost', () => {
    const keys = verifiedKeys({ ttlMs: 5_000, now: () => 0 });
    keys.put('token', key(), keys.generation);
    expect(keys.get('token')).toBeUndefined();
    keys.resume();
    keys.put('token', key(), keys.generation);
    expect(keys.get('token')?.id).toBe('k1');
    keys.suspend();
    expect(keys.get('token')).toBeUndefined();
    keys.put('token', key(), keys.generation);
    expect(keys.size).toBe(0);
  });

  it('drops a key, or every key of a tenant, when told; an unreadable message drops everything', () => {
    const keys = verifiedKeys({ ttlMs: 5_000, now: () => 0 });
    keys.resume();
    keys.put('a', key({ id: 'ka', tenantId: 't1' } as Partial<ApiKey>), keys.generation);
    keys.put('b', key({ id: 'kb', tenantId: 't1' } as Partial<ApiKey>), keys.generation);
    keys.put('c', key({ id: 'kc', tenantId: 't2' } as Partial<ApiKey>), keys.generation);
    keys.forget(parseKeyChange('{"keyId":"ka","tenantId":"t1"}'));
    expect([keys.get('a'), keys.get('b')?.id, keys.get('c')?.id]).toEqual([undefined, 'kb', 'kc']);
    keys.forget(parseKeyChange('{"tenantId":"t1"}'));
    expect([keys.get('b'), keys.get('c')?.id]).toEqual([undefined, 'kc']);
    keys.forget(parseKeyChange('not json'));
    expect(keys.size).toBe(0);
  });

  it('does not keep a lookup that raced a change (read before the change, stored after it)', () => {
    const keys = verifiedKeys({ ttlMs: 5_000, now: () => 0 });
    keys.resume();
    const readAt = keys.generation;
    keys.forget({ keyId: 'k1' });
    keys.put('token', key(), readAt);
    expect(keys.get('token')).toBeUndefined();
  });

  it('a revocation whose notification is lost is still refused once the TTL has passed (fake clock)', async () => {
    let now = 1_000_000;
    const store = memoryAccessStore();
    const clock = { now: () => new Date(now) };
    const t = await (await import('../../core/platform/tenants.ts')).createTenant({ store, clock }, { name: 'ttl', owner: { email: 'o@example.com', name: 'o' } }, { actor: 'cli', requestId: null, sourceIp: null });
    const keys = verifiedKeys({ ttlMs: 5_000, now: () => now });
    keys.resume();
    let lookups = 0;
    const counting = { ...store, findKeyByPrefix: (prefix: string) => (lookups++, store.findKeyByPrefix(prefix)) };
    const auth = accessAuthenticator({ store: counting, clock, keys });
    const credentials = { authorization: `Bearer ${t.secret}`, sourceIp: '', requestId: 'r1' };
    expect((await auth.authenticate(credentials))?.kind).toBe('tenant');
    expect((await auth.authenticate(credentials))?.kind).toBe('tenant');
    expect(lookups).toBe(1);
    // Revoked in the store; the notification never comes.
    await store.revokeTenantKey(t.tenant.id, t.apiKey.id, new Date(now));
    now += 4_999;
    expect((await auth.authenticate(credentials))?.kind).toBe('tenant');
    now += 1;
    expect(await auth.authenticate(credentials)).toBeNull();
    expect(lookups).toBe(2);
  });
});

describe('on the embedded database (one process)', () => {
  let db: TestDatabase;
  let rt: TestRuntime;
  beforeAll(async () => {
    db = await withPglite();
    rt = await testRuntime({ database: db, verifiedKeyCache: true });
    await rt.keyCache!.changes.ready;
  });
  afterAll(async () => {
    await rt?.close();
    await db?.close();
  });

  it('a key revoked through the API is refused on the very next request', async () => {
    const t = await seedTenant(rt.ports);
    const created = await rt.call('platform.createApiKey', { headers: bearer(t.secret), body: { name: 'sync', role: 'member' } });
    const other = created.body.key as string;
    expect((await rt.call('platform.listMembers', { headers: bearer(other) })).status).toBe(200);
    expect(rt.keyCache!.keys.get(other)?.id).toBe(created.body.apiKey.id);
    expect((await rt.call('platform.revokeApiKey', { headers: bearer(t.secret), path: { keyId: created.body.apiKey.id } })).status).toBe(200);
    expect((await rt.call('platform.listMembers', { headers: bearer(other) })).status).toBe(401);
  });
});

/** The next change a runtime's key cache hears that `match` accepts. */
const nextMatching = async (rt: TestRuntime, match: (change: object) => boolean): Promise<object> => {
  for (;;) {
    const change = await rt.keyCache!.keys.nextChange();
    if (match(change)) return change;
  }
};

describe.skipIf((await postgresUnavailable()) !== null)('two processes on one PostgreSQL database', () => {
  const NAME = `sellpo-test-${randomBytes(4).toString('hex')}`;
  let db: TestDatabase;
  let second: Database;
  let a: TestRuntime;
  let b: TestRuntime;
  beforeAll(async () => {
    db = await withPostgres();
    // The second runtime's own pool and listening connection on the same schema, as another server would have.
    second = pgDatabase({ engine: 'postgres', connectionString: TEST_POSTGRES_URL, max: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000, schema: db.schema, applicationName: NAME });
    a = await testRuntime({ database: db, verifiedKeyCache: true });
    b = await testRuntime({ database: second, verifiedKeyCache: true });
    await Promise.all([a.keyCache!.changes.ready, b.keyCache!.changes.ready]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await second?.close();
    await db?.close();
  });

  it('a key revoked through one is refused by the other within a second, and its lookups stop while cached', async () => {
    const t = await seedTenant(a.ports);
    const created = await a.call('platform.createApiKey', { headers: bearer(t.secret), body: { name: 'integration', role: 'member' } });
    const doomed = created.body.key as string;
    expect((await b.call('platform.listMembers', { headers: bearer(doomed) })).status).toBe(200);
    expect(b.keyCache!.keys.get(doomed)?.id).toBe(created.body.apiKey.id);

    // The channel is the database's: test files running beside this one on the same database are heard too, so
    // wait for changes until this key is gone (checked after each, so one heard in the same turn is not missed).
    const keys = b.keyCache!.keys;
    const forgotten = (async () => {
      while (keys.get(doomed)) await keys.nextChange();
    })();
    const started = performance.now();
    expect((await a.call('platform.revokeApiKey', { headers: bearer(t.secret), path: { keyId: created.body.apiKey.id } })).status).toBe(200);
    await within(forgotten, 1_000, 'the other process hearing the revocation');
    expect(keys.get(doomed)).toBeUndefined();
    expect((await b.call('platform.listMembers', { headers: bearer(doomed) })).status).toBe(401);
    expect(performance.now() - started).toBeLessThan(1_000);
    // The owner's key, untouched, is still served.
    expect((await b.call('platform.listMembers', { headers: bearer(t.secret) })).status).toBe(200);
  });

  it('a lost listening connection drops the cache and it comes back by itself', async () => {
    const t = await seedTenant(a.ports);
    expect((await b.call('platform.listMembers', { headers: bearer(t.secret) })).status).toBe(200);
    expect(b.keyCache!.keys.get(t.secret)).toBeDefined();
    // Terminate the other process's listening backend, as a database restart or a network cut would.
    // Changes other test files make on the same database are heard too: wait for the kind each step expects.
    const everything = (c: object) => Object.keys(c).length === 0;
    const lost = nextMatching(b, everything);
    await db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`${NAME}-listen`]);
    expect(await within(lost, 10_000, 'the loss of the listening connection')).toEqual({});
    expect(b.keyCache!.keys.get(t.secret)).toBeUndefined();
    expect((await b.call('platform.listMembers', { headers: bearer(t.secret) })).status).toBe(200);
    expect(b.keyCache!.keys.size).toBe(0); // not kept while the feed is down
    // It listens again by itself (the next thing heard), then hears a revocation made now.
    expect(await within(nextMatching(b, everything), 10_000, 'listening again')).toEqual({});
    const created = await a.call('platform.createApiKey', { headers: bearer(t.secret), body: { name: 'later', role: 'member' } });
    const heard = nextMatching(b, (c) => (c as { keyId?: string }).keyId === created.body.apiKey.id);
    await a.call('platform.revokeApiKey', { headers: bearer(t.secret), path: { keyId: created.body.apiKey.id } });
    expect(await within(heard, 1_000, 'the reconnected listener hearing a revocation')).toMatchObject({ keyId: created.body.apiKey.id });
  });
});
