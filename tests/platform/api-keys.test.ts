/**
 * API key management over the memory store, PGlite and PostgreSQL: key ids in any letter case, the paginated
 * listing, the cap on active keys and the last owner key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../core/platform/api-keys.ts';
import { MAX_ACTIVE_KEYS } from '../../core/platform/tenants.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { databaseEngines, type TestDatabase } from '../helpers/database.ts';
import { bearer, seedTenant } from './fixtures.ts';

const engines = [
  { name: 'memory', skip: null as string | null, open: async (): Promise<TestDatabase | null> => null },
  ...(await databaseEngines()).map((e) => ({ name: e.name, skip: e.skip, open: (): Promise<TestDatabase | null> => e.open() })),
];

for (const engine of engines) {
  describe.skipIf(engine.skip !== null)(`API keys on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : ''}`, () => {
    let db: TestDatabase | null;
    let rt: TestRuntime;
    beforeAll(async () => {
      db = await engine.open();
      rt = await testRuntime(db ? { database: db } : {});
    });
    afterAll(async () => { await rt?.close(); await db?.close(); });

    const create = (secret: string, name: string, role = 'member') => rt.call('platform.createApiKey', { headers: bearer(secret), body: { name, role } });
    const revoke = (secret: string, keyId: string) => rt.call('platform.revokeApiKey', { headers: bearer(secret), path: { keyId } });

    it('revokes a key named by its id in upper case', async () => {
      const t = await seedTenant(rt.ports);
      const made = await create(t.secret, 'upper');
      const res = await revoke(t.secret, (made.body.apiKey.id as string).toUpperCase());
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: made.body.apiKey.id, revokedAt: expect.any(String) });
      expect((await rt.call('platform.listMembers', { headers: bearer(made.body.key) })).status).toBe(401);
    });

    it('lists keys a page at a time, newest first, with an opaque cursor', async () => {
      const t = await seedTenant(rt.ports);
      // Keys made in one millisecond tie on createdAt (then order by id): let the clock pass the seed key's time
      // first, so "the seed's key is the oldest" holds by the clock rather than by luck.
      const seededAt = rt.ports.clock.now().getTime();
      while (rt.ports.clock.now().getTime() <= seededAt) await new Promise((resolve) => setImmediate(resolve));
      const made: string[] = [t.apiKey.id];
      for (let i = 0; i < 4; i++) made.push((await create(t.secret, `k${i}`)).body.apiKey.id);
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof create>> = await rt.call('platform.listApiKeys', { headers: bearer(t.secret), query: { limit: '2', ...(cursor ? { cursor } : {}) } });
        expect(page.status).toBe(200);
        sizes.push(page.body.items.length);
        seen.push(...page.body.items.map((k: { id: string }) => k.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(sizes).toEqual([2, 2, 1]);
      expect(new Set(seen)).toEqual(new Set(made));
      // Newest first: the seed's key was made first.
      expect(seen[seen.length - 1]).toBe(t.apiKey.id);
      const all = await rt.call('platform.listApiKeys', { headers: bearer(t.secret) });
      expect(all.body).toMatchObject({ nextCursor: null });
      expect(all.body.items.map((k: { id: string }) => k.id)).toEqual(seen);
      const bad = await rt.call('platform.listApiKeys', { headers: bearer(t.secret), query: { cursor: 'garbage', limit: '101' } });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['limit']);
      // Given twice, as on every endpoint: one error saying so (the last value used to win here).
      const twice = await rt.call('platform.listApiKeys', { headers: bearer(t.secret), query: { limit: ['1', '2'] } });
      expect([twice.status, twice.body.errors]).toEqual([400, [{ in: 'query', field: 'limit', code: 'repeated', message: 'given 2 times; expected one value' }]]);
      const garbage = await rt.call('platform.listApiKeys', { headers: bearer(t.secret), query: { cursor: 'garbage' } });
      expect(garbage.status).toBe(400);
      expect(garbage.body.detail).toMatch(/cursor/);
    });

    it(`refuses a key past ${MAX_ACTIVE_KEYS} active ones with 409; revoked keys do not count`, async () => {
      const t = await seedTenant(rt.ports);
      // The seed's key and 99 more, inserted directly: 100 active keys.
      for (let i = 1; i < MAX_ACTIVE_KEYS; i++) {
        const k = generateKey('live');
        await rt.ports.access.insertKey({
          kind: 'tenant', id: crypto.randomUUID(), tenantId: t.tenant.id, memberId: t.owner.id, role: 'member', name: `bulk ${i}`,
          prefix: k.prefix, hash: k.hash, createdAt: new Date(), lastUsedAt: null, revokedAt: null,
        });
      }
      const refused = await create(t.secret, 'one too many');
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ type: 'urn:sellpo:problem:conflict', limit: MAX_ACTIVE_KEYS, activeKeys: MAX_ACTIVE_KEYS });
      expect(refused.body.detail).toMatch(/revoke/);
      const page = await rt.call('platform.listApiKeys', { headers: bearer(t.secret), query: { limit: '1' } });
      expect((await revoke(t.secret, page.body.items[0].id)).status).toBe(200);
      expect((await create(t.secret, 'fits again')).status).toBe(201);
    });

    it('refuses to revoke the last active owner key with 409 saying why', async () => {
      const t = await seedTenant(rt.ports);
      await create(t.secret, 'a member key');
      const last = await revoke(t.secret, t.apiKey.id);
      expect(last.status).toBe(409);
      expect(last.body).toMatchObject({ type: 'urn:sellpo:problem:conflict', reason: 'last_owner_key' });
      expect(last.body.detail).toMatch(/last active owner key/);
      expect((await rt.call('platform.listMembers', { headers: bearer(t.secret) })).status).toBe(200);

      const second = await create(t.secret, 'second owner', 'owner');
      expect((await revoke(second.body.key, t.apiKey.id)).status).toBe(200);
      expect((await revoke(second.body.key, second.body.apiKey.id)).status).toBe(409);
    });

    it('of two owner keys revoked at once, one stays', async () => {
      const t = await seedTenant(rt.ports);
      const a = await create(t.secret, 'owner a', 'owner');
      const b = await create(t.secret, 'owner b', 'owner');
      expect((await revoke(a.body.key, t.apiKey.id)).status).toBe(200);
      const answers = await Promise.all([revoke(a.body.key, b.body.apiKey.id), revoke(b.body.key, a.body.apiKey.id)]);
      const statuses = answers.map((r) => r.status).sort();
      // The loser either sees the last-owner refusal or, when its own key went first, is no longer authenticated.
      expect(statuses[0]).toBe(200);
      expect([401, 409]).toContain(statuses[1]);
      expect(await rt.ports.access.countActiveTenantKeys(t.tenant.id, 'owner')).toBe(1);
    });
  });
}
