/**
 * Idempotency-Key replays of the access endpoints, over the real stores (PGlite and PostgreSQL): a replay is
 * only for the caller who made the first request and only after its role is checked, it is audited, and the
 * stored answer never holds the key that the first answer showed once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../core/platform/api-keys.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { databaseEngines, type TestDatabase } from '../helpers/database.ts';
import { bearer, seedAdmin, seedTenant } from './fixtures.ts';

const idem = (key: string, secret: string) => ({ ...bearer(secret), 'idempotency-key': key });

/** The stored row of an Idempotency-Key, as the table holds it. */
const storedRow = async (db: TestDatabase, operation: string, key: string) => {
  const { rows } = await db.query<{ response: unknown; state: string }>('SELECT response, state FROM idempotency_keys WHERE operation = $1 AND key = $2', [operation, key]);
  expect(rows).toHaveLength(1);
  return { state: rows[0]!.state, text: JSON.stringify(rows[0]!.response) };
};

for (const engine of await databaseEngines()) {
  describe.skipIf(engine.skip !== null)(`Idempotency-Key replays of access endpoints on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : ''}`, () => {
    let db: TestDatabase;
    let rt: TestRuntime;
    beforeAll(async () => {
      db = await engine.open();
      rt = await testRuntime({ database: db });
    });
    afterAll(async () => { await rt?.close(); await db?.close(); });

    const memberKeyOf = async (ownerSecret: string) => {
      const res = await rt.call('platform.createApiKey', { headers: bearer(ownerSecret), body: { name: 'sync', role: 'member' } });
      expect(res.status).toBe(201);
      return res.body.key as string;
    };

    it('a member key repeating an owner\'s key creation gets 403, not the stored answer, and the denial is audited', async () => {
      const t = await seedTenant(rt.ports);
      const memberKey = await memberKeyOf(t.secret);
      const body = { name: 'deploy', role: 'owner' };
      const first = await rt.call('platform.createApiKey', { headers: idem('owner-create-1', t.secret), body });
      expect(first.status).toBe(201);

      const replayed = await rt.call('platform.createApiKey', { headers: idem('owner-create-1', memberKey), body });
      expect(replayed.status).toBe(403);
      expect(replayed.body).toMatchObject({ type: 'urn:sellpo:problem:forbidden', requiredRole: 'owner' });
      expect(replayed.headers['idempotency-replayed']).toBeUndefined();
      expect(JSON.stringify(replayed.body)).not.toContain(first.body.apiKey.prefix);

      const denied = await rt.ports.access.audit.list(t.tenant.id, { outcome: 'denied' }, null, 10);
      expect(denied).toEqual([expect.objectContaining({ action: 'auth.forbidden', target: 'platform.createApiKey', requestId: replayed.headers['x-request-id'] })]);
    });

    it('a member key is turned away from owner-only endpoints before its body is even read', async () => {
      const t = await seedTenant(rt.ports);
      const memberKey = await memberKeyOf(t.secret);
      // An invalid body would be a 400 if validation ran first; the role decides before that.
      expect((await rt.call('platform.createApiKey', { headers: bearer(memberKey), body: { name: '' } })).status).toBe(403);
      expect((await rt.call('platform.revokeApiKey', { headers: bearer(memberKey), path: { keyId: 'not-a-uuid' } })).status).toBe(403);
      expect((await rt.call('platform.readAudit', { headers: bearer(memberKey), query: { limit: '0' } })).status).toBe(403);
      // Billing changes are for owners too, declared the same way.
      expect((await rt.call('billing.subscribe', { headers: bearer(memberKey), body: {} })).status).toBe(403);
      expect((await rt.call('billing.changePlan', { headers: bearer(memberKey), body: {} })).status).toBe(403);
    });

    it('another owner of the same tenant cannot replay an owner\'s answer: 422, and nothing is created', async () => {
      const t = await seedTenant(rt.ports);
      const second = { id: crypto.randomUUID(), tenantId: t.tenant.id, email: `second-${t.tenant.id}@example.com`, name: 'Second owner', role: 'owner' as const, createdAt: new Date() };
      await rt.ports.access.insertMember(second);
      const fresh = generateKey('live');
      await rt.ports.access.insertKey({
        kind: 'tenant', id: crypto.randomUUID(), tenantId: t.tenant.id, memberId: second.id, role: 'owner', name: 'second',
        prefix: fresh.prefix, hash: fresh.hash, createdAt: new Date(), lastUsedAt: null, revokedAt: null,
      });
      const body = { name: 'ci', role: 'member' };
      const first = await rt.call('platform.createApiKey', { headers: idem('shared-key', t.secret), body });
      expect(first.status).toBe(201);
      const other = await rt.call('platform.createApiKey', { headers: idem('shared-key', fresh.key), body });
      expect(other.status).toBe(422);
      expect(other.body).toMatchObject({ type: 'urn:sellpo:problem:unprocessable', idempotencyKey: 'shared-key' });
      expect(JSON.stringify(other.body)).not.toContain(first.body.apiKey.id);
      // The same owner (same member and role, here through the same key) still gets the replay.
      const same = await rt.call('platform.createApiKey', { headers: idem('shared-key', t.secret), body });
      expect(same.status).toBe(201);
      expect(same.headers['idempotency-replayed']).toBe('true');
    });

    it('a replay is audited like the first answer, marked as a replay', async () => {
      const t = await seedTenant(rt.ports);
      const body = { name: 'warehouse', role: 'member' };
      const first = await rt.call('platform.createApiKey', { headers: idem('audited', t.secret), body });
      const again = await rt.call('platform.createApiKey', { headers: idem('audited', t.secret), body });
      expect(again.status).toBe(201);
      expect(again.headers['idempotency-replayed']).toBe('true');
      const entries = await rt.ports.access.audit.list(t.tenant.id, { action: 'api_key.create' }, null, 10);
      const target = `api_key:${first.body.apiKey.id}`;
      expect(entries.filter((e) => e.target === target).map((e) => ({ requestId: e.requestId, replay: e.details.replay ?? false, outcome: e.outcome }))).toEqual([
        { requestId: again.headers['x-request-id'], replay: true, outcome: 'success' },
        { requestId: first.headers['x-request-id'], replay: false, outcome: 'success' },
      ]);
      expect(entries[0]!.actor).toBe(`member:${t.owner.id}`);
      // The replay names the credential that asked for it, as every entry does.
      expect(entries[0]!.credential).toEqual({ via: 'api_key', keyId: t.apiKey.id, keyPrefix: t.apiKey.prefix, role: 'owner' });
    });

    it('the stored answer of POST /v1/api-keys holds no key; a replay gives the metadata and a note', async () => {
      const t = await seedTenant(rt.ports);
      const body = { name: 'shop sync', role: 'member' };
      const first = await rt.call('platform.createApiKey', { headers: idem('no-secret', t.secret), body });
      expect(first.status).toBe(201);
      const secret = first.body.key as string;
      expect(secret).toMatch(/^sp_live_/);
      const row = await storedRow(db, 'platform.createApiKey', 'no-secret');
      expect(row.state).toBe('completed');
      expect(row.text).not.toContain(secret.slice(-32));
      expect(row.text).toContain(first.body.apiKey.id);

      const replay = await rt.call('platform.createApiKey', { headers: idem('no-secret', t.secret), body });
      expect(replay.status).toBe(201);
      expect(replay.headers['cache-control']).toBe('no-store');
      expect(replay.body.key).toBeUndefined();
      expect(replay.body.apiKey).toEqual(first.body.apiKey);
      expect(replay.body.note).toMatch(/shown only in the first answer/);
      // The key of the first answer works; the replay did not make another.
      expect((await rt.call('platform.listMembers', { headers: bearer(secret) })).status).toBe(200);
      const listed = await rt.call('platform.listApiKeys', { headers: bearer(t.secret) });
      expect(listed.body.items.filter((k: { name: string }) => k.name === 'shop sync')).toHaveLength(1);
    });

    it('the stored answer of POST /v1/admin/tenants holds no key either', async () => {
      const admin = await seedAdmin(rt.ports);
      const body = { name: '낚시마트', owner: { email: `fish-${crypto.randomUUID()}@example.com`, name: '박판매' } };
      const first = await rt.call('platform.createTenant', { headers: idem('tenant-1', admin.secret), body });
      expect(first.status).toBe(201);
      const row = await storedRow(db, 'platform.createTenant', 'tenant-1');
      expect(row.text).not.toContain((first.body.key as string).slice(-32));
      const replay = await rt.call('platform.createTenant', { headers: idem('tenant-1', admin.secret), body });
      expect(replay.status).toBe(201);
      expect(replay.body).toMatchObject({ tenant: first.body.tenant, apiKey: first.body.apiKey, note: expect.stringMatching(/not stored/) });
      expect(replay.body.key).toBeUndefined();
      const platform = await rt.ports.access.audit.list('platform', { action: 'tenant.create' }, null, 10);
      expect(platform[0]).toMatchObject({ actor: `admin:${admin.admin.id}`, target: `tenant:${first.body.tenant.id}`, requestId: replay.headers['x-request-id'], details: { replay: true, status: 201 } });
    });
  });
}
