/** The AccessStore contract: every adapter (memory, PGlite, PostgreSQL) passes the same suite. */
import { describe, expect, it } from 'vitest';
import type { AccessStore } from '../../core/platform/access.ts';
import type { AuditDraft, TenantKey } from '../../core/platform/model.ts';
import { generateKey } from '../../core/platform/api-keys.ts';
import { GENESIS_HASH, hashEntry, verifyChain } from '../../core/platform/audit.ts';

const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 0, 0, s));

const tenantWithOwner = async (store: AccessStore) => {
  const tenantId = crypto.randomUUID();
  const memberId = crypto.randomUUID();
  await store.insertTenant({ id: tenantId, name: `t-${tenantId.slice(0, 6)}`, createdAt: at(0) });
  await store.insertMember({ id: memberId, tenantId, email: `${memberId}@example.com`, name: 'Owner', role: 'owner', createdAt: at(0) });
  return { tenantId, memberId };
};

const tenantKey = (tenantId: string, memberId: string, s = 1): TenantKey => {
  const k = generateKey('live');
  return { kind: 'tenant', id: crypto.randomUUID(), tenantId, memberId, role: 'owner', name: 'k', prefix: k.prefix, hash: k.hash, createdAt: at(s), lastUsedAt: null, revokedAt: null };
};

const draft = (tenantId: string | null, s: number, action = 'test.event'): AuditDraft => ({
  tenantId, at: at(s), actor: 'cli', action, target: null, requestId: `r-${s}`, sourceIp: '127.0.0.1', outcome: 'success', details: { n: s, ok: true, note: '한글' },
});

export const accessStoreContract = (make: () => AccessStore) => {
  describe('AccessStore contract', () => {
    it('scopes every tenant read and write to the tenant', async () => {
      const store = make();
      const a = await tenantWithOwner(store);
      const b = await tenantWithOwner(store);
      const key = tenantKey(a.tenantId, a.memberId);
      expect(await store.insertKey(key)).toBe(true);
      expect(await store.getTenantKey(a.tenantId, key.id)).toMatchObject({ id: key.id, prefix: key.prefix });
      expect(await store.getTenantKey(b.tenantId, key.id)).toBeNull();
      expect(await store.listTenantKeys(b.tenantId)).toEqual([]);
      expect(await store.revokeTenantKey(b.tenantId, key.id, at(5))).toBeNull();
      expect((await store.getTenantKey(a.tenantId, key.id))!.revokedAt).toBeNull();
      expect(await store.getMember(b.tenantId, a.memberId)).toBeNull();
      expect((await store.listMembers(b.tenantId)).map((m) => m.id)).toEqual([b.memberId]);
    });

    it('refuses a taken prefix without writing, and revokes once', async () => {
      const store = make();
      const a = await tenantWithOwner(store);
      const key = tenantKey(a.tenantId, a.memberId);
      await store.insertKey(key);
      expect(await store.insertKey({ ...key, id: crypto.randomUUID() })).toBe(false);
      expect(await store.listTenantKeys(a.tenantId)).toHaveLength(1);
      const first = await store.revokeTenantKey(a.tenantId, key.id, at(5));
      const second = await store.revokeTenantKey(a.tenantId, key.id, at(9));
      expect(first!.revokedAt).toEqual(at(5));
      expect(second!.revokedAt).toEqual(at(5));
    });

    it('lists keys newest first and finds them by prefix', async () => {
      const store = make();
      const a = await tenantWithOwner(store);
      const k1 = tenantKey(a.tenantId, a.memberId, 1);
      const k2 = tenantKey(a.tenantId, a.memberId, 2);
      await store.insertKey(k1);
      await store.insertKey(k2);
      expect((await store.listTenantKeys(a.tenantId)).map((k) => k.id)).toEqual([k2.id, k1.id]);
      expect(await store.findKeyByPrefix(k1.prefix)).toEqual(k1);
      expect(await store.findKeyByPrefix('zzzzzzzz')).toBeNull();
    });

    it('pages keys newest first (time, then id) and counts the active ones by role', async () => {
      const store = make();
      const a = await tenantWithOwner(store);
      const b = await tenantWithOwner(store);
      // Two keys share a creation time: the id breaks the tie, descending.
      const keys = [tenantKey(a.tenantId, a.memberId, 1), tenantKey(a.tenantId, a.memberId, 2), tenantKey(a.tenantId, a.memberId, 2), tenantKey(a.tenantId, a.memberId, 3)];
      keys[1]!.role = 'member';
      for (const k of keys) await store.insertKey(k);
      await store.insertKey(tenantKey(b.tenantId, b.memberId, 9));
      const sameTime = [keys[1]!, keys[2]!].sort((x, y) => (x.id < y.id ? 1 : -1));
      const expected = [keys[3]!, ...sameTime, keys[0]!].map((k) => k.id);
      expect((await store.listTenantKeys(a.tenantId)).map((k) => k.id)).toEqual(expected);
      const first = await store.listTenantKeys(a.tenantId, { limit: 2 });
      expect(first.map((k) => k.id)).toEqual(expected.slice(0, 2));
      const last = first[first.length - 1]!;
      const rest = await store.listTenantKeys(a.tenantId, { before: { createdAt: last.createdAt, id: last.id }, limit: 10 });
      expect(rest.map((k) => k.id)).toEqual(expected.slice(2));
      expect(await store.countActiveTenantKeys(a.tenantId)).toBe(4);
      expect(await store.countActiveTenantKeys(a.tenantId, 'owner')).toBe(3);
      expect(await store.countActiveTenantKeys(a.tenantId, 'member')).toBe(1);
      await store.revokeTenantKey(a.tenantId, keys[0]!.id, at(5));
      expect(await store.countActiveTenantKeys(a.tenantId, 'owner')).toBe(2);
      expect(await store.transaction(async (unit) => { await unit.lockTenant(a.tenantId); return unit.countActiveTenantKeys(a.tenantId); })).toBe(3);
      expect(await store.countActiveTenantKeys(b.tenantId)).toBe(1);
    });

    it('writes last use only when the stored time is older than asked', async () => {
      const store = make();
      const a = await tenantWithOwner(store);
      const key = tenantKey(a.tenantId, a.memberId);
      await store.insertKey(key);
      await store.touchKey(key.id, at(100), at(40));
      await store.touchKey(key.id, at(120), at(60)); // 100 is not older than 60: skipped
      expect((await store.findKeyByPrefix(key.prefix))!.lastUsedAt).toEqual(at(100));
      await store.touchKey(key.id, at(200), at(140));
      expect((await store.findKeyByPrefix(key.prefix))!.lastUsedAt).toEqual(at(200));
    });

    it('rolls back the change and its audit entry together', async () => {
      const store = make();
      const id = crypto.randomUUID();
      await expect(
        store.transaction(async (unit) => {
          await unit.insertTenant({ id, name: 'doomed', createdAt: at(0) });
          await unit.audit.append(draft(id, 1));
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.getTenant(id)).toBeNull();
      expect(await store.audit.scan(id, 0, 10)).toEqual([]);
    });

    it('chains entries per tenant and round-trips every field', async () => {
      const store = make();
      const chain = crypto.randomUUID();
      const e1 = await store.audit.append(draft(chain, 1));
      const e2 = await store.transaction((unit) => unit.audit.append(draft(chain, 2)));
      expect(e1).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
      expect(e2).toMatchObject({ seq: 2, prevHash: e1.hash });
      expect(await store.audit.scan(chain, 0, 10)).toEqual([e1, e2]);
      expect(await store.audit.head(chain)).toEqual({ seq: 2, hash: e2.hash });
      expect(await verifyChain(store.audit, chain)).toEqual({ chain, entries: 2, break: null });
      expect(await store.audit.chains()).toContain(chain);
    });

    it('round-trips the credential and the client request id, covered by the hash', async () => {
      const store = make();
      const chain = crypto.randomUUID();
      const credential = { via: 'api_key' as const, keyId: 'key-1', keyPrefix: 'AbCd1234', role: 'member' as const };
      const e1 = await store.audit.append({ ...draft(chain, 1), actor: 'member:m-1', credential, clientRequestId: 'caller-7' });
      const e2 = await store.audit.append(draft(chain, 2));
      const [r1, r2] = await store.audit.scan(chain, 0, 10);
      expect(r1).toMatchObject({ credential, clientRequestId: 'caller-7', hash: e1.hash });
      expect(r2).toMatchObject({ credential: null, clientRequestId: null, hash: e2.hash });
      expect(await verifyChain(store.audit, chain)).toEqual({ chain, entries: 2, break: null });
      // The credential is part of what the hash covers: the same entry read as another role no longer matches.
      expect(hashEntry({ ...r1!, credential: { ...credential, role: 'owner' } })).not.toBe(e1.hash);
      expect(hashEntry({ ...r1!, clientRequestId: null })).not.toBe(e1.hash);
    });

    it('never forks a chain under concurrent appends', async () => {
      const store = make();
      const chain = crypto.randomUUID();
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.audit.append(draft(chain, i))));
      const report = await verifyChain(store.audit, chain, 7);
      expect(report).toEqual({ chain, entries: 20, break: null });
    });

    it('lists newest first with a position and filters', async () => {
      const store = make();
      const chain = crypto.randomUUID();
      for (let i = 1; i <= 6; i++) await store.audit.append({ ...draft(chain, i, i % 2 ? 'odd' : 'even'), outcome: i === 6 ? 'denied' : 'success' });
      expect((await store.audit.list(chain, {}, null, 3)).map((e) => e.seq)).toEqual([6, 5, 4]);
      expect((await store.audit.list(chain, {}, 4, 10)).map((e) => e.seq)).toEqual([3, 2, 1]);
      expect((await store.audit.list(chain, { action: 'odd' }, null, 10)).map((e) => e.seq)).toEqual([5, 3, 1]);
      expect((await store.audit.list(chain, { outcome: 'denied' }, null, 10)).map((e) => e.seq)).toEqual([6]);
      expect((await store.audit.list(chain, { since: at(2), until: at(4) }, null, 10)).map((e) => e.seq)).toEqual([4, 3, 2]);
      expect(await store.audit.list(chain, { actor: 'member:nobody' }, null, 10)).toEqual([]);
      expect(await store.audit.list(crypto.randomUUID(), {}, null, 10)).toEqual([]);
    });
  });
};
