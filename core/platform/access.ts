/**
 * The store of tenants, their members, platform administrators, API keys and channel connections (model.ts and
 * connections.ts have their shapes).
 * Every tenant-owned read takes the tenant id and filters by it, so a caller can never name another tenant's row.
 */
import type { Role } from './principal.ts';
import type { AuditRepository } from './audit.ts';
import type { ConnectionRepository } from './connections.ts';
import type { Admin, ApiKey, KeyPosition, Member, Tenant, TenantKey } from './model.ts';

/** Whether a credential with role `held` may do what needs `required`: an owner may do everything a member may. */
export const hasRole = (held: Role, required: Role): boolean => required === 'member' || held === 'owner';

/** Repositories bound to one transaction (or to autocommit outside one). */
export interface AccessUnit {
  insertTenant(tenant: Tenant): Promise<void>;
  getTenant(tenantId: string): Promise<Tenant | null>;
  insertMember(member: Member): Promise<void>;
  getMember(tenantId: string, memberId: string): Promise<Member | null>;
  /** Ordered by creation, oldest first. */
  listMembers(tenantId: string): Promise<Member[]>;
  insertAdmin(admin: Admin): Promise<void>;
  /** False (nothing written) when the prefix is taken; the caller draws a new key. */
  insertKey(key: ApiKey): Promise<boolean>;
  /** The key with this prefix, of any tenant: used by authentication only. */
  findKeyByPrefix(prefix: string): Promise<ApiKey | null>;
  getTenantKey(tenantId: string, keyId: string): Promise<TenantKey | null>;
  /**
   * Newest first (creation time, then id, both descending): every key, or with `limit` at most that many, and
   * with `before` only keys that sort after that position (the next page).
   */
  listTenantKeys(tenantId: string, page?: { before?: KeyPosition; limit?: number }): Promise<TenantKey[]>;
  /** Keys of the tenant not revoked, of one role when given. */
  countActiveTenantKeys(tenantId: string, role?: Role): Promise<number>;
  /**
   * Inside a transaction: holds the tenant's row until commit, so checks over the tenant's keys (the cap, the last
   * owner key) and the change they allow are not interleaved with another transaction's.
   */
  lockTenant(tenantId: string): Promise<void>;
  /** Sets revoked_at once; returns the key as stored afterwards, or null when the tenant has no such key. */
  revokeTenantKey(tenantId: string, keyId: string, at: Date): Promise<TenantKey | null>;
  /** Records use; implementations skip the write when the stored time is newer than `olderThan`. */
  touchKey(keyId: string, at: Date, olderThan: Date): Promise<void>;
  audit: AuditRepository;
  /** The tenants' channel connections (sealed credentials), changed together with their audit entries. */
  connections: ConnectionRepository;
}

export interface AccessStore extends AccessUnit {
  /** Runs `work` atomically: the change and its audit entry commit together or not at all. */
  transaction<T>(work: (unit: AccessUnit) => Promise<T>, options?: { signal?: AbortSignal }): Promise<T>;
}
