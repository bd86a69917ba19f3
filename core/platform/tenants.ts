/**
 * Use cases of tenants and access. Each state change appends its audit entry inside the same transaction.
 */
import type { Clock } from '../shared/clock.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { hasRole, type AccessStore, type AccessUnit } from './access.ts';
import type { Admin, AdminKey, AuditCredential, AuditDraft, AuditEntry, AuditFilter, CreatedTenant, KeyPosition, KeyView, Member, Page, RequestOrigin, Tenant, TenantKey } from './model.ts';
import { generateKey, type KeyKind, type NewKey } from './api-keys.ts';
import { chainOf, decodeCursor, encodeCursor } from './audit.ts';
import type { Principal, Role } from './principal.ts';

export const actorOf = (principal: Principal): string =>
  principal.kind === 'tenant' ? `member:${principal.actorId}` : principal.kind === 'admin' ? `admin:${principal.actorId}` : 'anonymous';

export interface AccessDeps {
  store: AccessStore;
  clock: Clock;
}

const newId = (): string => crypto.randomUUID();

/** Active (not revoked) API keys a tenant may hold at once; past it, creating a key answers 409. */
export const MAX_ACTIVE_KEYS = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Ids are lower-case UUIDs as made here; one given in upper or mixed case names the same row. */
export const normaliseId = (id: string): string => id.toLowerCase();

export const keyView = ({ hash: _hash, ...rest }: TenantKey): KeyView => rest;

const draft = (origin: RequestOrigin, at: Date, tenantId: string | null, action: string, target: string | null, details: AuditDraft['details'] = {}): AuditDraft => ({
  tenantId,
  at,
  actor: origin.actor,
  credential: origin.credential ?? null,
  action,
  target,
  requestId: origin.requestId,
  clientRequestId: origin.clientRequestId ?? null,
  sourceIp: origin.sourceIp,
  outcome: 'success',
  details,
});

/** Draws keys until the prefix is free; a collision of 8 base62 characters is ~1 in 2e14, so one try is the rule. */
const insertFreshKey = async <K extends TenantKey | AdminKey>(unit: AccessUnit, kind: KeyKind, build: (k: NewKey) => K): Promise<{ key: string; record: K }> => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const fresh = generateKey(kind);
    const record = build(fresh);
    if (await unit.insertKey(record)) return { key: fresh.key, record };
  }
  throw new Error('could not draw a free API key prefix');
};

const cleanName = (value: string, field: string, max = 200): string => {
  const v = value.trim();
  if (!v) throw new DomainError('invalid', `${field} must not be blank`, { details: { field } });
  if (v.length > max) throw new DomainError('invalid', `${field} must be at most ${max} characters`, { details: { field } });
  return v;
};

export const createTenant = async (
  { store, clock }: AccessDeps,
  input: { name: string; owner: { email: string; name: string } },
  origin: RequestOrigin,
  signal?: AbortSignal,
): Promise<CreatedTenant> => {
  const now = clock.now();
  const tenant: Tenant = { id: newId(), name: cleanName(input.name, 'name'), createdAt: now };
  const owner: Member = {
    id: newId(),
    tenantId: tenant.id,
    email: input.owner.email.trim().toLowerCase(),
    name: cleanName(input.owner.name, 'owner.name'),
    role: 'owner',
    createdAt: now,
  };
  return store.transaction(async (unit) => {
    await unit.insertTenant(tenant);
    await unit.insertMember(owner);
    const { key, record } = await insertFreshKey(unit, 'live', (k) => ({
      kind: 'tenant' as const, id: newId(), tenantId: tenant.id, memberId: owner.id, role: 'owner' as Role,
      name: 'first owner key', prefix: k.prefix, hash: k.hash, createdAt: now, lastUsedAt: null, revokedAt: null,
    }));
    // Recorded in the new tenant's chain (its owner sees it) and, for the operator, in the platform chain.
    await unit.audit.append(draft(origin, now, tenant.id, 'tenant.create', `tenant:${tenant.id}`, { name: tenant.name }));
    await unit.audit.append(draft(origin, now, tenant.id, 'member.create', `member:${owner.id}`, { role: 'owner' }));
    await unit.audit.append(draft(origin, now, tenant.id, 'api_key.create', `api_key:${record.id}`, { prefix: record.prefix, role: 'owner' }));
    await unit.audit.append(draft(origin, now, null, 'tenant.create', `tenant:${tenant.id}`, { name: tenant.name }));
    return { tenant, owner, apiKey: keyView(record), secret: key };
  }, signal ? { signal } : undefined);
};

export const createAdmin = async ({ store, clock }: AccessDeps, input: { name: string }, origin: RequestOrigin): Promise<{ admin: Admin; keyPrefix: string; secret: string }> => {
  const now = clock.now();
  const admin: Admin = { id: newId(), name: cleanName(input.name, 'name'), createdAt: now };
  return store.transaction(async (unit) => {
    await unit.insertAdmin(admin);
    const { key, record } = await insertFreshKey(unit, 'admin', (k) => ({
      kind: 'admin' as const, id: newId(), adminId: admin.id, name: `${admin.name} key`, prefix: k.prefix, hash: k.hash,
      createdAt: now, lastUsedAt: null, revokedAt: null,
    }));
    await unit.audit.append(draft(origin, now, null, 'admin.create', `admin:${admin.id}`, { name: admin.name, prefix: record.prefix }));
    return { admin, keyPrefix: record.prefix, secret: key };
  });
};

export type TenantPrincipal = Extract<Principal, { kind: 'tenant' }>;

/** A member turned away is an authorisation failure: audited (outside any transaction, which would roll it back), then 403. */
export const requireOwner = async (store: AccessStore, clock: Clock, principal: TenantPrincipal, what: string, action: string, origin: RequestOrigin): Promise<void> => {
  if (!hasRole(principal.role, 'owner')) {
    await store.audit.append({ ...draft(origin, clock.now(), principal.tenantId, action, null, { requiredRole: 'owner' }), outcome: 'denied' });
    throw new DomainError('forbidden', `Only an owner of the tenant may ${what}; this credential has the member role.`, { details: { requiredRole: 'owner' } });
  }
};

// Key cursor: opaque to callers; the last key's creation time (ms) and id.
export const encodeKeyCursor = (p: KeyPosition): string => Buffer.from(JSON.stringify({ t: p.createdAt.getTime(), i: p.id })).toString('base64url');

export const decodeKeyCursor = (cursor: string): KeyPosition => {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { t?: unknown; i?: unknown };
    if (typeof value.t === 'number' && Number.isSafeInteger(value.t) && value.t >= 0 && typeof value.i === 'string' && UUID.test(value.i)) {
      return { createdAt: new Date(value.t), id: value.i };
    }
  } catch {
    // fall through
  }
  throw new DomainError('invalid', 'cursor is not one this API returned', { details: { field: 'cursor' } });
};

/** The tenant's keys, newest first, a page at a time. */
export const listApiKeys = async ({ store }: AccessDeps, principal: TenantPrincipal, query: { limit: number; cursor?: string }): Promise<Page<KeyView>> => {
  const before = query.cursor ? decodeKeyCursor(query.cursor) : undefined;
  // One extra row tells whether another page exists without a count query.
  const rows = await store.listTenantKeys(principal.tenantId, { ...(before ? { before } : {}), limit: query.limit + 1 });
  const items = rows.slice(0, query.limit);
  const last = items[items.length - 1];
  return { items: items.map(keyView), nextCursor: rows.length > query.limit && last ? encodeKeyCursor(last) : null };
};

export const createApiKey = async (
  { store, clock }: AccessDeps,
  principal: TenantPrincipal,
  input: { name: string; role: Role },
  origin: RequestOrigin,
  signal?: AbortSignal,
): Promise<{ apiKey: KeyView; secret: string }> => {
  await requireOwner(store, clock, principal, 'create API keys', 'api_key.create', origin);
  const name = cleanName(input.name, 'name', 100);
  const now = clock.now();
  return store.transaction(async (unit) => {
    await unit.lockTenant(principal.tenantId);
    const active = await unit.countActiveTenantKeys(principal.tenantId);
    if (active >= MAX_ACTIVE_KEYS) {
      throw new DomainError('conflict', `The tenant already has ${active} active API keys, the most it may hold (${MAX_ACTIVE_KEYS}); revoke keys it no longer uses first.`, {
        details: { limit: MAX_ACTIVE_KEYS, activeKeys: active },
      });
    }
    const { key, record } = await insertFreshKey(unit, 'live', (k) => ({
      kind: 'tenant' as const, id: newId(), tenantId: principal.tenantId, memberId: principal.actorId, role: input.role,
      name, prefix: k.prefix, hash: k.hash, createdAt: now, lastUsedAt: null, revokedAt: null,
    }));
    await unit.audit.append(draft(origin, now, principal.tenantId, 'api_key.create', `api_key:${record.id}`, { prefix: record.prefix, role: input.role }));
    return { apiKey: keyView(record), secret: key };
  }, signal ? { signal } : undefined);
};

export const revokeApiKey = async (
  { store, clock }: AccessDeps,
  principal: TenantPrincipal,
  keyId: string,
  origin: RequestOrigin,
  signal?: AbortSignal,
): Promise<KeyView> => {
  await requireOwner(store, clock, principal, 'revoke API keys', 'api_key.revoke', origin);
  const now = clock.now();
  keyId = normaliseId(keyId);
  return store.transaction(async (unit) => {
    await unit.lockTenant(principal.tenantId);
    const existing = await unit.getTenantKey(principal.tenantId, keyId);
    if (!existing) throw notFound('API key', { keyId });
    if (existing.revokedAt) return keyView(existing); // revoking twice changes nothing and records nothing
    // Without an active owner key nobody could create or revoke keys again (or read the audit log) by API key.
    if (existing.role === 'owner' && (await unit.countActiveTenantKeys(principal.tenantId, 'owner')) <= 1) {
      throw new DomainError('conflict', 'This is the tenant\'s last active owner key; create another owner key before revoking it, or the tenant could no longer manage its keys.', {
        details: { keyId, reason: 'last_owner_key' },
      });
    }
    const revoked = await unit.revokeTenantKey(principal.tenantId, keyId, now);
    if (!revoked) throw notFound('API key', { keyId });
    await unit.audit.append(draft(origin, now, principal.tenantId, 'api_key.revoke', `api_key:${keyId}`, { prefix: revoked.prefix }));
    return keyView(revoked);
  }, signal ? { signal } : undefined);
};

export const listMembers = ({ store }: AccessDeps, principal: TenantPrincipal): Promise<Member[]> => store.listMembers(principal.tenantId);

export const readAudit = async (
  { store, clock }: AccessDeps,
  principal: TenantPrincipal,
  query: AuditFilter & { cursor?: string; limit: number },
  origin: RequestOrigin,
): Promise<Page<AuditEntry>> => {
  await requireOwner(store, clock, principal, 'read the audit log', 'audit.read', origin);
  if (query.since && query.until && query.since > query.until) {
    throw new DomainError('invalid', 'since must not be after until', { details: { field: 'since' } });
  }
  const before = query.cursor ? decodeCursor(query.cursor) : null;
  const { cursor: _c, limit, ...filter } = query;
  // One extra row tells whether another page exists without a count query.
  const rows = await store.audit.list(chainOf(principal.tenantId), filter, before, limit + 1);
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!.seq) : null };
};

/** For the other use cases of the platform (connections): the audit entry of a change made by `origin`. */
export { draft as auditDraft };
