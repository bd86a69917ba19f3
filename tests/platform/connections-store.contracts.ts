/**
 * The channel connections contract: the repository on the access store, and the port other contexts use
 * (open, markRejected) with sealing by the real vault. Every adapter (memory, PGlite, PostgreSQL) passes it.
 * `stored(id)` reads what the adapter keeps for a connection, as text, to show no secret is kept in the clear.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesGcmVault } from '../../adapters/secrets/key-vault.ts';
import type { AccessStore } from '../../core/platform/access.ts';
import { chainOf } from '../../core/platform/audit.ts';
import { connectChannel, tenantConnections } from '../../core/platform/channel-connections.ts';
import type { ChannelVerifier, StoredConnection } from '../../core/platform/connections.ts';
import type { RequestOrigin } from '../../core/platform/model.ts';
import { manualClock } from '../contracts/key-value.contracts.ts';
import { DomainError } from '../../core/shared/errors.ts';

const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 0, 0, s));

export interface ConnectionsFixture {
  store: AccessStore;
  /** Everything the adapter stores for the connection, as text (null when there is no such row). */
  stored(connectionId: string): Promise<string | null>;
}

const tenant = async (store: AccessStore) => {
  const tenantId = crypto.randomUUID();
  const memberId = crypto.randomUUID();
  await store.insertTenant({ id: tenantId, name: `t-${tenantId.slice(0, 6)}`, createdAt: at(0) });
  await store.insertMember({ id: memberId, tenantId, email: `${memberId}@example.com`, name: 'Owner', role: 'owner', createdAt: at(0) });
  return { tenantId, memberId, principal: { kind: 'tenant' as const, tenantId, actorId: memberId, role: 'owner' as const, via: 'api_key' as const } };
};

const row = (tenantId: string, channel: StoredConnection['channel'], s = 1): StoredConnection => ({
  id: crypto.randomUUID(), tenantId, channel, keyHint: 'abcd', status: 'active', verifiedAt: at(s), lastUsedAt: null, rejectedAt: null, rejectedCode: null,
  createdAt: at(s), sealed: { keyId: 'k1', data: Buffer.from(`sealed-${s}`).toString('base64') },
});

const origin: RequestOrigin = { actor: 'member:test', requestId: 'req-1', sourceIp: '127.0.0.1' };
const accepting: ChannelVerifier = { verify: async () => ({ ok: true }) };
const secret = () => `S3cr3t-${randomBytes(12).toString('hex')}`;

export const connectionsContract = (make: () => ConnectionsFixture) => {
  describe('channel connections contract', () => {
    it('scopes every read and write to the tenant', async () => {
      const { store } = make();
      const a = await tenant(store);
      const b = await tenant(store);
      const c = row(a.tenantId, 'coupang_wing');
      expect(await store.connections.insert(c)).toBe(true);
      expect(await store.connections.get(a.tenantId, c.id)).toEqual(c);
      expect(await store.connections.get(b.tenantId, c.id)).toBeNull();
      expect(await store.connections.forChannel(b.tenantId, 'coupang_wing')).toBeNull();
      expect(await store.connections.list(b.tenantId)).toEqual([]);
      expect(await store.connections.delete(b.tenantId, c.id)).toBe(false);
      expect(await store.connections.markRejected(b.tenantId, c.id, at(5), 'X')).toBe(false);
      await store.connections.touch(b.tenantId, c.id, at(5), at(4));
      expect(await store.connections.get(a.tenantId, c.id)).toEqual(c);
    });

    it('holds one connection per channel per tenant, lists oldest first without the sealed value, deletes', async () => {
      const { store } = make();
      const a = await tenant(store);
      const b = await tenant(store);
      const wing = row(a.tenantId, 'coupang_wing', 1);
      const naver = row(a.tenantId, 'naver_commerce', 2);
      expect(await store.connections.insert(naver)).toBe(true);
      expect(await store.connections.insert(wing)).toBe(true);
      expect(await store.connections.insert(row(a.tenantId, 'coupang_wing', 3))).toBe(false);
      expect(await store.connections.insert({ ...row(b.tenantId, 'coupang_wing', 3), id: wing.id })).toBe(false);
      expect(await store.connections.insert(row(b.tenantId, 'coupang_wing', 3))).toBe(true);
      const listed = await store.connections.list(a.tenantId);
      expect(listed.map((c) => c.id)).toEqual([wing.id, naver.id]);
      expect(listed[0]).not.toHaveProperty('sealed');
      const { sealed: _s, ...view } = wing;
      expect(listed[0]).toEqual(view);
      expect(await store.connections.forChannel(a.tenantId, 'naver_commerce')).toEqual(naver);
      expect(await store.connections.delete(a.tenantId, wing.id)).toBe(true);
      expect(await store.connections.delete(a.tenantId, wing.id)).toBe(false);
      expect(await store.connections.forChannel(a.tenantId, 'coupang_wing')).toBeNull();
      expect(await store.connections.insert(row(a.tenantId, 'coupang_wing', 4))).toBe(true);
    });

    it('marks an active connection rejected once, keeping the first time and code; records use at most as asked', async () => {
      const { store } = make();
      const a = await tenant(store);
      const c = row(a.tenantId, 'naver_commerce');
      await store.connections.insert(c);
      await store.connections.touch(a.tenantId, c.id, at(10), at(9));
      await store.connections.touch(a.tenantId, c.id, at(11), at(9));
      expect((await store.connections.get(a.tenantId, c.id))!.lastUsedAt).toEqual(at(10));
      expect(await store.connections.markRejected(a.tenantId, c.id, at(20), 'GW.AUTHN')).toBe(true);
      expect(await store.connections.markRejected(a.tenantId, c.id, at(30), 'OTHER')).toBe(false);
      expect(await store.connections.get(a.tenantId, c.id)).toMatchObject({ status: 'rejected', rejectedAt: at(20), rejectedCode: 'GW.AUTHN' });
    });

    it('reseal replaces an active connection\'s sealed value in place, for its tenant only, never a rejected one; alibaba_1688 is a channel', async () => {
      const { store } = make();
      const a = await tenant(store);
      const b = await tenant(store);
      const c = row(a.tenantId, 'alibaba_1688');
      expect(await store.connections.insert(c)).toBe(true);
      const next = { keyId: 'k2', data: Buffer.from('resealed').toString('base64') };
      expect(await store.connections.reseal(b.tenantId, c.id, next)).toBe(false);
      expect((await store.connections.get(a.tenantId, c.id))!.sealed).toEqual(c.sealed);
      expect(await store.connections.reseal(a.tenantId, c.id, next)).toBe(true);
      expect(await store.connections.get(a.tenantId, c.id)).toEqual({ ...c, sealed: next });
      expect(await store.connections.markRejected(a.tenantId, c.id, at(5), 'invalid_grant')).toBe(true);
      expect(await store.connections.reseal(a.tenantId, c.id, c.sealed)).toBe(false);
      expect((await store.connections.get(a.tenantId, c.id))!.sealed).toEqual(next);
    });

    it('a failed transaction stores no connection', async () => {
      const { store } = make();
      const a = await tenant(store);
      const c = row(a.tenantId, 'coupang_wing');
      await expect(
        store.transaction(async (unit) => {
          await unit.connections.insert(c);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.connections.get(a.tenantId, c.id)).toBeNull();
    });

    it('connect seals the credentials (nothing stored in the clear), open returns them and records use', async () => {
      const fixture = make();
      const { store } = fixture;
      const clock = manualClock(at(100).getTime());
      const vault = aesGcmVault(new Map([['k1', randomBytes(32)]]), 'k1');
      const a = await tenant(store);
      const secretKey = secret();
      const accessKey = `AK-${randomBytes(8).toString('hex')}`;
      const { connection } = await connectChannel({ store, vault, clock, verifier: accepting }, a.principal, { channel: 'coupang_wing', vendorId: 'A00012345', accessKey, secretKey }, origin);
      expect(connection).toMatchObject({ channel: 'coupang_wing', keyHint: accessKey.slice(-4), status: 'active', verifiedAt: at(100), lastUsedAt: null });
      const text = (await fixture.stored(connection.id))!;
      expect(text).toContain(connection.id);
      expect(text).not.toContain(secretKey);
      expect(text).not.toContain(accessKey);
      expect(text).not.toContain('A00012345');

      const port = tenantConnections({ store, vault, clock });
      clock.advance(5_000);
      expect(await port.open(a.tenantId, 'coupang_wing')).toEqual({ connectionId: connection.id, channel: 'coupang_wing', credentials: { vendorId: 'A00012345', accessKey, secretKey } });
      expect((await store.connections.get(a.tenantId, connection.id))!.lastUsedAt).toEqual(at(105));
    });

    it('a sealed value moved to another tenant\'s row does not open there', async () => {
      const { store } = make();
      const clock = manualClock(at(100).getTime());
      const vault = aesGcmVault(new Map([['k1', randomBytes(32)]]), 'k1');
      const a = await tenant(store);
      const b = await tenant(store);
      await connectChannel({ store, vault, clock, verifier: accepting }, a.principal, { channel: 'naver_commerce', clientId: 'client-a', clientSecret: secret() }, origin);
      const { connection } = await connectChannel({ store, vault, clock, verifier: accepting }, b.principal, { channel: 'naver_commerce', clientId: 'client-b', clientSecret: secret() }, origin);
      const sealedOfA = (await store.connections.forChannel(a.tenantId, 'naver_commerce'))!.sealed;
      await store.connections.delete(b.tenantId, connection.id);
      await store.connections.insert({ ...row(b.tenantId, 'naver_commerce'), id: connection.id, sealed: sealedOfA });
      await expect(tenantConnections({ store, vault, clock }).open(b.tenantId, 'naver_commerce')).rejects.toThrow();
    });

    it('open: 404 without a connection, 502 naming renewal once rejected; markRejected is audited once', async () => {
      const { store } = make();
      const clock = manualClock(at(100).getTime());
      const vault = aesGcmVault(new Map([['k1', randomBytes(32)]]), 'k1');
      const a = await tenant(store);
      const port = tenantConnections({ store, vault, clock });
      const none = await port.open(a.tenantId, 'naver_commerce').catch((e: unknown) => e);
      expect(none).toBeInstanceOf(DomainError);
      expect(none).toMatchObject({ code: 'not_found', details: { channel: 'naver_commerce' } });
      const { connection } = await connectChannel({ store, vault, clock, verifier: accepting }, a.principal, { channel: 'naver_commerce', clientId: 'client-a', clientSecret: secret() }, origin);
      clock.advance(60_000);
      await port.markRejected(a.tenantId, connection.id, 'GW.AUTHN');
      await port.markRejected(a.tenantId, connection.id, 'LATER');
      const refused = (await port.open(a.tenantId, 'naver_commerce').catch((e: unknown) => e)) as DomainError;
      expect(refused).toBeInstanceOf(DomainError);
      expect(refused.code).toBe('upstream_failed');
      expect(refused.message).toMatch(/must be renewed/);
      expect(refused.message).toContain('GW.AUTHN');
      expect(refused.details).toMatchObject({ channel: 'naver_commerce', connectionId: connection.id, providerCode: 'GW.AUTHN', rejectedAt: at(160).toISOString(), renew: true });
      const log = await store.audit.list(chainOf(a.tenantId), {}, null, 10);
      expect(log.filter((e) => e.action === 'connection.reject').map((e) => e.details)).toEqual([{ channel: 'naver_commerce', providerCode: 'GW.AUTHN' }]);
      // Another tenant's connection id changes nothing.
      const b = await tenant(store);
      await port.markRejected(b.tenantId, connection.id, 'X');
      expect((await store.connections.get(a.tenantId, connection.id))!.rejectedCode).toBe('GW.AUTHN');
    });
  });
};
