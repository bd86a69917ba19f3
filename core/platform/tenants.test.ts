/** The tenant and API key use cases over an in-memory store that rolls back a failed transaction. */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import type { AccessStore, AccessUnit } from './access.ts';
import { encodeCursor } from './audit.ts';
import type { Admin, ApiKey, AuditDraft, AuditEntry, Member, RequestOrigin, Tenant, TenantKey } from './model.ts';
import type { Principal } from './principal.ts';
import {
  actorOf, createAdmin, createApiKey, createTenant, decodeKeyCursor, encodeKeyCursor, keyView, listApiKeys, listMembers, MAX_ACTIVE_KEYS,
  normaliseId, readAudit, revokeApiKey,
} from './tenants.ts';

const T0 = new Date('2026-02-01T09:00:00Z');
const clock = { now: () => T0 };

const memoryStore = () => {
  const data = {
    tenants: [] as Tenant[], members: [] as Member[], admins: [] as Admin[], keys: [] as ApiKey[], audit: [] as AuditDraft[],
    /** Prefixes insertKey reports as taken. */
    takenPrefixes: 0,
    listed: [] as Array<{ chain: string; filter: unknown; before: number | null; limit: number }>,
    locked: [] as string[],
  };
  const unit: AccessUnit = {
    insertTenant: async (t) => void data.tenants.push(t),
    getTenant: async (id) => data.tenants.find((t) => t.id === id) ?? null,
    insertMember: async (m) => void data.members.push(m),
    getMember: async (tenantId, id) => data.members.find((m) => m.tenantId === tenantId && m.id === id) ?? null,
    listMembers: async (tenantId) => data.members.filter((m) => m.tenantId === tenantId),
    insertAdmin: async (a) => void data.admins.push(a),
    insertKey: async (k) => {
      if (data.takenPrefixes > 0) {
        data.takenPrefixes--;
        return false;
      }
      data.keys.push(k);
      return true;
    },
    findKeyByPrefix: async (prefix) => data.keys.find((k) => k.prefix === prefix) ?? null,
    getTenantKey: async (tenantId, id) => (data.keys.find((k) => k.kind === 'tenant' && k.tenantId === tenantId && k.id === id) as TenantKey | undefined) ?? null,
    listTenantKeys: async (tenantId, page) => {
      const keys = data.keys.filter((k): k is TenantKey => k.kind === 'tenant' && k.tenantId === tenantId).reverse();
      return keys.slice(0, page?.limit ?? keys.length);
    },
    countActiveTenantKeys: async (tenantId, role) =>
      data.keys.filter((k) => k.kind === 'tenant' && k.tenantId === tenantId && !k.revokedAt && (!role || k.role === role)).length,
    lockTenant: async (tenantId) => void data.locked.push(tenantId),
    revokeTenantKey: async (tenantId, id, at) => {
      const key = data.keys.find((k) => k.kind === 'tenant' && k.tenantId === tenantId && k.id === id) as TenantKey | undefined;
      if (!key) return null;
      key.revokedAt ??= at;
      return { ...key };
    },
    touchKey: async () => {},
    audit: {
      append: async (draft) => {
        data.audit.push(draft);
        return { ...draft, id: `e${data.audit.length}`, seq: data.audit.length, prevHash: '', hash: '' };
      },
      list: async (chain, filter, before, limit) => {
        data.listed.push({ chain, filter, before, limit });
        return Array.from({ length: 3 }, (_, i): AuditEntry => ({
          tenantId: chain, at: T0, actor: 'cli', action: 'a', target: null, requestId: null, sourceIp: null, outcome: 'success', details: {},
          id: `e${10 - i}`, seq: 10 - i, prevHash: '', hash: '',
        })).slice(0, limit);
      },
      chains: async () => [],
      scan: async () => [],
      head: async () => null,
    },
    // The tenant and key use cases never touch connections (core/platform/connections.test.ts does).
    connections: new Proxy({} as AccessUnit['connections'], { get: (_, name) => () => Promise.reject(new Error(`connections.${String(name)} is not used here`)) }),
  };
  const store: AccessStore = {
    ...unit,
    transaction: async (work) => {
      const saved = { keys: data.keys.map((k) => ({ ...k })), audit: [...data.audit], tenants: [...data.tenants], members: [...data.members] };
      try {
        return await work(unit);
      } catch (error) {
        Object.assign(data, saved);
        throw error;
      }
    },
  };
  return { store, data };
};

const origin: RequestOrigin = { actor: 'admin:a1', credential: { kind: 'api_key', keyId: 'k0', keyPrefix: 'ADMINKEY' } as never, requestId: 'req-1', clientRequestId: 'client-1', sourceIp: '203.0.113.9' };
const bare: RequestOrigin = { actor: 'cli', requestId: null, sourceIp: null };

const owner = (tenantId: string, actorId = 'm1'): Extract<Principal, { kind: 'tenant' }> => ({ kind: 'tenant', tenantId, actorId, role: 'owner', via: 'api_key' });
const member = (tenantId: string): Extract<Principal, { kind: 'tenant' }> => ({ kind: 'tenant', tenantId, actorId: 'm2', role: 'member', via: 'jwt' });

const tenantKey = (tenantId: string, id: string, role: 'owner' | 'member', revokedAt: Date | null = null): TenantKey => ({
  kind: 'tenant', id, tenantId, memberId: 'm1', role, name: id, prefix: id.slice(0, 8).padEnd(8, 'x'), hash: `hash-${id}`, createdAt: T0, lastUsedAt: null, revokedAt,
});

const codeOf = async (promise: Promise<unknown>): Promise<[string, unknown, string]> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return [error.code, error.details, error.message];
    throw error;
  }
  throw new Error('expected a domain error');
};

describe('actorOf', () => {
  it('names members, administrators and anonymous callers', () => {
    expect(actorOf(owner('t1', 'u7'))).toBe('member:u7');
    expect(actorOf({ kind: 'admin', actorId: 'a3', via: 'jwt' })).toBe('admin:a3');
    expect(actorOf({ kind: 'anonymous' })).toBe('anonymous');
  });
});

describe('normaliseId and keyView', () => {
  it('lower-cases ids and never shows the hash', () => {
    expect(normaliseId('0B1C2D3E-AAAA-4BBB-8CCC-DDDDEEEEFFFF')).toBe('0b1c2d3e-aaaa-4bbb-8ccc-ddddeeeeffff');
    const view = keyView(tenantKey('t1', 'k1', 'owner'));
    expect('hash' in view).toBe(false);
    expect(view.id).toBe('k1');
  });
});

describe('createTenant', () => {
  it('creates the tenant, its owner (trimmed, e-mail lower-cased) and a first owner key, audited in both chains', async () => {
    const { store, data } = memoryStore();
    const created = await createTenant({ store, clock }, { name: '  캠핑하우스 ', owner: { email: ' Owner@Camping.Example ', name: ' 김판매 ' } }, origin);
    expect(created.tenant).toEqual({ id: expect.any(String), name: '캠핑하우스', createdAt: T0 });
    expect(created.owner).toEqual({ id: expect.any(String), tenantId: created.tenant.id, email: 'owner@camping.example', name: '김판매', role: 'owner', createdAt: T0 });
    expect(created.secret).toMatch(/^sp_live_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/);
    expect(created.apiKey).toEqual({
      kind: 'tenant', id: expect.any(String), tenantId: created.tenant.id, memberId: created.owner.id, role: 'owner', name: 'first owner key',
      prefix: created.secret.slice(8, 16), createdAt: T0, lastUsedAt: null, revokedAt: null,
    });
    expect(data.keys).toHaveLength(1);
    expect(data.audit.map((a) => [a.tenantId, a.action, a.target, a.details])).toEqual([
      [created.tenant.id, 'tenant.create', `tenant:${created.tenant.id}`, { name: '캠핑하우스' }],
      [created.tenant.id, 'member.create', `member:${created.owner.id}`, { role: 'owner' }],
      [created.tenant.id, 'api_key.create', `api_key:${created.apiKey.id}`, { prefix: created.apiKey.prefix, role: 'owner' }],
      [null, 'tenant.create', `tenant:${created.tenant.id}`, { name: '캠핑하우스' }],
    ]);
    expect(data.audit[0]).toEqual({
      tenantId: created.tenant.id, at: T0, actor: 'admin:a1', credential: origin.credential, action: 'tenant.create', target: `tenant:${created.tenant.id}`,
      requestId: 'req-1', clientRequestId: 'client-1', sourceIp: '203.0.113.9', outcome: 'success', details: { name: '캠핑하우스' },
    });
  });

  it('records a missing credential and client request id as null', async () => {
    const { store, data } = memoryStore();
    await createTenant({ store, clock }, { name: 'a', owner: { email: 'a@b.c', name: 'b' } }, bare);
    expect(data.audit[0]).toMatchObject({ actor: 'cli', credential: null, clientRequestId: null, requestId: null, sourceIp: null });
  });

  it('refuses a blank name or owner name, and a name over 200 characters', async () => {
    const { store, data } = memoryStore();
    expect(await codeOf(createTenant({ store, clock }, { name: '   ', owner: { email: 'a@b.c', name: 'b' } }, origin))).toEqual(['invalid', { field: 'name' }, 'name must not be blank']);
    expect(await codeOf(createTenant({ store, clock }, { name: 'a', owner: { email: 'a@b.c', name: ' ' } }, origin))).toEqual(['invalid', { field: 'owner.name' }, 'owner.name must not be blank']);
    expect(await codeOf(createTenant({ store, clock }, { name: 'x'.repeat(201), owner: { email: 'a@b.c', name: 'b' } }, origin)))
      .toEqual(['invalid', { field: 'name' }, 'name must be at most 200 characters']);
    await createTenant({ store, clock }, { name: ` ${'x'.repeat(200)} `, owner: { email: 'a@b.c', name: 'b' } }, origin);
    expect(data.tenants.map((t) => t.name.length)).toEqual([200]);
  });

  it('draws another key when the prefix is taken, and gives up after five draws', async () => {
    const { store, data } = memoryStore();
    data.takenPrefixes = 4;
    await createTenant({ store, clock }, { name: 'a', owner: { email: 'a@b.c', name: 'b' } }, origin);
    expect(data.keys).toHaveLength(1);
    data.takenPrefixes = 5;
    await expect(createTenant({ store, clock }, { name: 'b', owner: { email: 'a@b.c', name: 'b' } }, origin)).rejects.toThrow('could not draw a free API key prefix');
    expect(data.tenants).toHaveLength(1);
  });
});

describe('createAdmin', () => {
  it('creates the administrator and an admin key named after it, audited in the platform chain', async () => {
    const { store, data } = memoryStore();
    const created = await createAdmin({ store, clock }, { name: ' 운영자 ' }, bare);
    expect(created.admin).toEqual({ id: expect.any(String), name: '운영자', createdAt: T0 });
    expect(created.secret).toMatch(/^sp_admin_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/);
    expect(created.keyPrefix).toBe(created.secret.slice(9, 17));
    expect(data.keys).toEqual([{
      kind: 'admin', id: expect.any(String), adminId: created.admin.id, name: '운영자 key', prefix: created.keyPrefix, hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      createdAt: T0, lastUsedAt: null, revokedAt: null,
    }]);
    expect(data.audit.map((a) => [a.tenantId, a.action, a.target, a.details])).toEqual([[null, 'admin.create', `admin:${created.admin.id}`, { name: '운영자', prefix: created.keyPrefix }]]);
  });

  it('refuses a blank name', async () => {
    const { store } = memoryStore();
    expect(await codeOf(createAdmin({ store, clock }, { name: ' ' }, bare))).toEqual(['invalid', { field: 'name' }, 'name must not be blank']);
  });
});

describe('signals', () => {
  it('the changes run their transaction with the caller\'s signal', async () => {
    const { store, data } = memoryStore();
    const seen: unknown[] = [];
    const watched: AccessStore = { ...store, transaction: (work, options) => (seen.push(options), store.transaction(work, options)) };
    const signal = new AbortController().signal;
    const { tenant } = await createTenant({ store: watched, clock }, { name: 'a', owner: { email: 'a@b.c', name: 'b' } }, origin, signal);
    const { apiKey } = await createApiKey({ store: watched, clock }, owner(tenant.id), { name: 'ci', role: 'owner' }, origin, signal);
    await revokeApiKey({ store: watched, clock }, owner(tenant.id), apiKey.id, origin, signal);
    await createApiKey({ store: watched, clock }, owner(tenant.id), { name: 'ci', role: 'member' }, origin);
    expect(seen).toEqual([{ signal }, { signal }, { signal }, undefined]);
    expect(data.keys).toHaveLength(3);
  });
});

describe('createApiKey', () => {
  it('an owner creates a key acting as the owner with the role asked for, audited in the tenant chain', async () => {
    const { store, data } = memoryStore();
    const { apiKey, secret } = await createApiKey({ store, clock }, owner('t1'), { name: ' ci ', role: 'member' }, origin);
    expect(apiKey).toEqual({
      kind: 'tenant', id: expect.any(String), tenantId: 't1', memberId: 'm1', role: 'member', name: 'ci', prefix: secret.slice(8, 16),
      createdAt: T0, lastUsedAt: null, revokedAt: null,
    });
    expect(data.locked).toEqual(['t1']);
    expect(data.audit.map((a) => [a.tenantId, a.action, a.target, a.outcome, a.details])).toEqual([['t1', 'api_key.create', `api_key:${apiKey.id}`, 'success', { prefix: apiKey.prefix, role: 'member' }]]);
  });

  it('a member is refused with 403, and the refusal is audited as denied', async () => {
    const { store, data } = memoryStore();
    expect(await codeOf(createApiKey({ store, clock }, member('t1'), { name: 'ci', role: 'member' }, origin)))
      .toEqual(['forbidden', { requiredRole: 'owner' }, 'Only an owner of the tenant may create API keys; this credential has the member role.']);
    expect(data.keys).toEqual([]);
    expect(data.audit).toEqual([{
      tenantId: 't1', at: T0, actor: 'admin:a1', credential: origin.credential, action: 'api_key.create', target: null, requestId: 'req-1',
      clientRequestId: 'client-1', sourceIp: '203.0.113.9', outcome: 'denied', details: { requiredRole: 'owner' },
    }]);
  });

  it('names of at most 100 characters', async () => {
    const { store } = memoryStore();
    expect(await codeOf(createApiKey({ store, clock }, owner('t1'), { name: 'x'.repeat(101), role: 'member' }, origin)))
      .toEqual(['invalid', { field: 'name' }, 'name must be at most 100 characters']);
    await createApiKey({ store, clock }, owner('t1'), { name: 'x'.repeat(100), role: 'member' }, origin);
  });

  it('allows the 100th active key and refuses the 101st with 409; revoked keys do not count', async () => {
    const { store, data } = memoryStore();
    expect(MAX_ACTIVE_KEYS).toBe(100);
    data.keys.push(tenantKey('t1', 'revoked', 'owner', T0));
    for (let i = 0; i < 99; i++) data.keys.push(tenantKey('t1', `k${i}`, 'member'));
    await createApiKey({ store, clock }, owner('t1'), { name: 'hundredth', role: 'member' }, origin);
    const [code, details, message] = await codeOf(createApiKey({ store, clock }, owner('t1'), { name: 'one more', role: 'member' }, origin));
    expect([code, details]).toEqual(['conflict', { limit: 100, activeKeys: 100 }]);
    expect(message).toBe('The tenant already has 100 active API keys, the most it may hold (100); revoke keys it no longer uses first.');
  });
});

describe('revokeApiKey', () => {
  it('revokes a key named in any letter case, audited with its prefix', async () => {
    const { store, data } = memoryStore();
    const id = '0b1c2d3e-aaaa-4bbb-8ccc-ddddeeeeffff';
    data.keys.push(tenantKey('t1', 'owner-key', 'owner'), tenantKey('t1', id, 'member'));
    const revoked = await revokeApiKey({ store, clock }, owner('t1'), id.toUpperCase(), origin);
    expect(revoked).toMatchObject({ id, revokedAt: T0 });
    expect('hash' in revoked).toBe(false);
    expect(data.locked).toEqual(['t1']);
    expect(data.audit.map((a) => [a.tenantId, a.action, a.target, a.details])).toEqual([['t1', 'api_key.revoke', `api_key:${id}`, { prefix: '0b1c2d3e' }]]);
  });

  it('revoking twice changes nothing and records nothing', async () => {
    const { store, data } = memoryStore();
    const earlier = new Date('2026-01-01T00:00:00Z');
    data.keys.push(tenantKey('t1', 'k1', 'member', earlier));
    expect((await revokeApiKey({ store, clock }, owner('t1'), 'k1', origin)).revokedAt).toEqual(earlier);
    expect(data.audit).toEqual([]);
  });

  it('answers 404 for a key of another tenant or none', async () => {
    const { store, data } = memoryStore();
    data.keys.push(tenantKey('t2', 'k1', 'member'));
    expect(await codeOf(revokeApiKey({ store, clock }, owner('t1'), 'k1', origin))).toEqual(['not_found', { keyId: 'k1' }, 'API key was not found']);
    expect(data.keys[0]!.revokedAt).toBeNull();
  });

  it('refuses the last active owner key with 409, but not an owner key while another one is active', async () => {
    const { store, data } = memoryStore();
    data.keys.push(tenantKey('t1', 'o1', 'owner'), tenantKey('t1', 'o2', 'owner', T0), tenantKey('t1', 'm1', 'member'));
    const [code, details, message] = await codeOf(revokeApiKey({ store, clock }, owner('t1'), 'o1', origin));
    expect([code, details]).toEqual(['conflict', { keyId: 'o1', reason: 'last_owner_key' }]);
    expect(message).toBe("This is the tenant's last active owner key; create another owner key before revoking it, or the tenant could no longer manage its keys.");
    data.keys.push(tenantKey('t1', 'o3', 'owner'));
    expect((await revokeApiKey({ store, clock }, owner('t1'), 'o1', origin)).revokedAt).toEqual(T0);
    // A member key may go even when one owner key is left.
    expect((await revokeApiKey({ store, clock }, owner('t1'), 'm1', origin)).revokedAt).toEqual(T0);
  });

  it('a member is refused with 403 and audited as denied', async () => {
    const { store, data } = memoryStore();
    data.keys.push(tenantKey('t1', 'k1', 'member'));
    expect(await codeOf(revokeApiKey({ store, clock }, member('t1'), 'k1', origin)))
      .toEqual(['forbidden', { requiredRole: 'owner' }, 'Only an owner of the tenant may revoke API keys; this credential has the member role.']);
    expect(data.audit.map((a) => [a.action, a.outcome])).toEqual([['api_key.revoke', 'denied']]);
  });

  it('answers 404 when the store finds nothing to revoke', async () => {
    const { store, data } = memoryStore();
    data.keys.push(tenantKey('t1', 'k1', 'member'));
    const gone: AccessStore = { ...store, transaction: (work) => store.transaction((unit) => work({ ...unit, revokeTenantKey: async () => null })) };
    expect(await codeOf(revokeApiKey({ store: gone, clock }, owner('t1'), 'k1', origin))).toEqual(['not_found', { keyId: 'k1' }, 'API key was not found']);
    expect(data.audit).toEqual([]);
  });
});

describe('key cursors and listApiKeys', () => {
  const position = { createdAt: new Date('2026-02-01T09:00:00.123Z'), id: '0b1c2d3e-aaaa-4bbb-8ccc-ddddeeeeffff' };

  it('a cursor is base64url of the last key\'s time (ms) and id, and reads back', () => {
    const cursor = encodeKeyCursor(position);
    expect(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))).toEqual({ t: Date.parse('2026-02-01T09:00:00.123Z'), i: position.id });
    expect(decodeKeyCursor(cursor)).toEqual(position);
    expect(decodeKeyCursor(Buffer.from(JSON.stringify({ t: 0, i: position.id })).toString('base64url'))).toEqual({ createdAt: new Date(0), id: position.id });
  });

  it('refuses cursors it did not make with 400 on the cursor field', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      'not json', encode({ t: -1, i: position.id }), encode({ t: 1.5, i: position.id }), encode({ t: '1', i: position.id }), encode({ i: position.id }),
      encode({ t: 1, i: position.id.toUpperCase() }), encode({ t: 1, i: 'k1' }), encode({ t: 1, i: 7 }), encode({ t: 1 }), encode(null),
      encode({ t: 1, i: `x${position.id}` }), encode({ t: 1, i: `${position.id}x` }), encode({ t: 1, i: [position.id] }),
    ]) {
      let thrown: unknown;
      try {
        decodeKeyCursor(cursor);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, cursor).toBeInstanceOf(DomainError);
      expect(thrown).toMatchObject({ code: 'invalid', message: 'cursor is not one this API returned', details: { field: 'cursor' } });
    }
  });

  it('asks for one row more than the page to tell whether another page follows', async () => {
    const { store, data } = memoryStore();
    for (let i = 0; i < 3; i++) data.keys.push(tenantKey('t1', `k${i}`, 'member'));
    const asked: unknown[] = [];
    const watched: AccessStore = { ...store, listTenantKeys: (tenantId, page) => (asked.push([tenantId, page]), store.listTenantKeys(tenantId, page)) };
    const first = await listApiKeys({ store: watched, clock }, owner('t1'), { limit: 2 });
    expect(first.items.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect('hash' in first.items[0]!).toBe(false);
    expect(first.nextCursor).toBe(encodeKeyCursor({ createdAt: T0, id: 'k1' }));
    const whole = await listApiKeys({ store: watched, clock }, owner('t1'), { limit: 3 });
    expect(whole.nextCursor).toBeNull();
    const cursor = encodeKeyCursor(position);
    await listApiKeys({ store: watched, clock }, owner('t1'), { limit: 5, cursor });
    expect(asked).toEqual([['t1', { limit: 3 }], ['t1', { limit: 4 }], ['t1', { before: position, limit: 6 }]]);
    expect((await listApiKeys({ store: watched, clock }, owner('t2'), { limit: 2 }))).toEqual({ items: [], nextCursor: null });
  });
});

describe('listMembers', () => {
  it('lists the principal\'s tenant only', async () => {
    const { store, data } = memoryStore();
    data.members.push({ id: 'm1', tenantId: 't1', email: 'a@b.c', name: 'a', role: 'owner', createdAt: T0 }, { id: 'm2', tenantId: 't2', email: 'd@e.f', name: 'd', role: 'owner', createdAt: T0 });
    expect((await listMembers({ store, clock }, owner('t1'))).map((m) => m.id)).toEqual(['m1']);
  });
});

describe('readAudit', () => {
  it('reads the tenant\'s chain with the filter, one row more than the page, and a cursor at the last entry', async () => {
    const { store, data } = memoryStore();
    const since = new Date('2026-01-01T00:00:00Z');
    const page = await readAudit({ store, clock }, owner('t1'), { limit: 2, action: 'api_key.create', since, until: since }, origin);
    expect(page.items.map((e) => e.seq)).toEqual([10, 9]);
    expect(page.nextCursor).toBe(encodeCursor(9));
    expect(data.listed).toEqual([{ chain: 't1', filter: { action: 'api_key.create', since, until: since }, before: null, limit: 3 }]);
    const last = await readAudit({ store, clock }, owner('t1'), { limit: 3, cursor: encodeCursor(11) }, origin);
    expect(last.nextCursor).toBeNull();
    expect(data.listed[1]).toEqual({ chain: 't1', filter: {}, before: 11, limit: 4 });
    expect(data.audit).toEqual([]);
  });

  it('refuses since after until; either bound alone is fine', async () => {
    const { store } = memoryStore();
    await readAudit({ store, clock }, owner('t1'), { limit: 2, since: new Date('2026-01-02T00:00:00Z') }, origin);
    await readAudit({ store, clock }, owner('t1'), { limit: 2, until: new Date('2026-01-02T00:00:00Z') }, origin);
    const query = { limit: 2, since: new Date('2026-01-02T00:00:00Z'), until: new Date('2026-01-01T23:59:59.999Z') };
    expect(await codeOf(readAudit({ store, clock }, owner('t1'), query, origin))).toEqual(['invalid', { field: 'since' }, 'since must not be after until']);
  });

  it('a member is refused with 403 and audited as denied', async () => {
    const { store, data } = memoryStore();
    const [code, , message] = await codeOf(readAudit({ store, clock }, member('t1'), { limit: 2 }, origin));
    expect([code, message]).toEqual(['forbidden', 'Only an owner of the tenant may read the audit log; this credential has the member role.']);
    expect(data.audit.map((a) => [a.tenantId, a.action, a.outcome])).toEqual([['t1', 'audit.read', 'denied']]);
    expect(data.listed).toEqual([]);
  });
});
