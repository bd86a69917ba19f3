/**
 * Tenants, keys, channel connections and the audit log held in memory: for tests and for a runtime without a database. Transactions
 * are serialised by one lock and roll back by restoring a snapshot, so the contract (atomic change + audit entry,
 * one chain never forked) holds as it does over PostgreSQL.
 */
import type { AccessStore, AccessUnit } from '../../core/platform/access.ts';
import type { Admin, ApiKey, AuditEntry, Member, Tenant, TenantKey } from '../../core/platform/model.ts';
import { chainOf, sealEntry, type AuditRepository } from '../../core/platform/audit.ts';
import type { ConnectionRepository, StoredConnection } from '../../core/platform/connections.ts';

interface State {
  tenants: Map<string, Tenant>;
  members: Map<string, Member>;
  admins: Map<string, Admin>;
  keys: Map<string, ApiKey>;
  audit: Map<string, AuditEntry[]>;
  connections: Map<string, StoredConnection>;
}

const copyDates = <T extends object>(row: T): T => structuredClone(row);

export const memoryAccessStore = (): AccessStore & { /** Direct access for tests that tamper with stored rows. */ state: State } => {
  let state: State = { tenants: new Map(), members: new Map(), admins: new Map(), keys: new Map(), audit: new Map(), connections: new Map() };
  let tail: Promise<unknown> = Promise.resolve();
  const locked = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => {});
    return run;
  };

  const audit: AuditRepository = {
    append: async (draft) => {
      const chain = chainOf(draft.tenantId);
      const entries = state.audit.get(chain) ?? [];
      const last = entries[entries.length - 1];
      const entry = sealEntry(draft, crypto.randomUUID(), last ? { seq: last.seq, hash: last.hash } : null);
      entries.push(copyDates(entry));
      state.audit.set(chain, entries);
      return entry;
    },
    list: async (chain, filter, beforeSeq, limit) => {
      const out: AuditEntry[] = [];
      const entries = state.audit.get(chain) ?? [];
      for (let i = entries.length - 1; i >= 0 && out.length < limit; i--) {
        const e = entries[i]!;
        if (beforeSeq !== null && e.seq >= beforeSeq) continue;
        if (filter.action && e.action !== filter.action) continue;
        if (filter.actor && e.actor !== filter.actor) continue;
        if (filter.outcome && e.outcome !== filter.outcome) continue;
        if (filter.since && e.at < filter.since) continue;
        if (filter.until && e.at > filter.until) continue;
        out.push(copyDates(e));
      }
      return out;
    },
    chains: async () => [...state.audit.keys()].sort(),
    scan: async (chain, afterSeq, limit) => (state.audit.get(chain) ?? []).filter((e) => e.seq > afterSeq).slice(0, limit).map(copyDates),
    // The memory log has no separate head record: the last entry is the head.
    head: async (chain) => {
      const entries = state.audit.get(chain);
      const last = entries?.[entries.length - 1];
      return last ? { seq: last.seq, hash: last.hash } : null;
    },
  };

  const ownConnection = (tenantId: string, id: string): StoredConnection | undefined => {
    const c = state.connections.get(id);
    return c && c.tenantId === tenantId ? c : undefined;
  };
  const connections: ConnectionRepository = {
    insert: async (c) => {
      if (state.connections.has(c.id)) return false;
      for (const other of state.connections.values()) if (other.tenantId === c.tenantId && other.channel === c.channel) return false;
      state.connections.set(c.id, copyDates(c));
      return true;
    },
    get: async (tenantId, id) => {
      const c = ownConnection(tenantId, id);
      return c ? copyDates(c) : null;
    },
    forChannel: async (tenantId, channel) => {
      for (const c of state.connections.values()) if (c.tenantId === tenantId && c.channel === channel) return copyDates(c);
      return null;
    },
    // Oldest first by creation time, then id, as the SQL store orders them.
    list: async (tenantId) =>
      [...state.connections.values()]
        .filter((c) => c.tenantId === tenantId)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map(({ sealed: _sealed, ...view }) => copyDates(view)),
    delete: async (tenantId, id) => (ownConnection(tenantId, id) ? state.connections.delete(id) : false),
    markRejected: async (tenantId, id, at, code) => {
      const c = ownConnection(tenantId, id);
      if (!c || c.status !== 'active') return false;
      Object.assign(c, { status: 'rejected', rejectedAt: new Date(at), rejectedCode: code });
      return true;
    },
    reseal: async (tenantId, id, sealed) => {
      const c = ownConnection(tenantId, id);
      if (!c || c.status !== 'active') return false;
      c.sealed = { ...sealed };
      return true;
    },
    touch: async (tenantId, id, at, olderThan) => {
      const c = ownConnection(tenantId, id);
      if (c && (!c.lastUsedAt || c.lastUsedAt < olderThan)) c.lastUsedAt = new Date(at);
    },
  };

  const unit: AccessUnit = {
    insertTenant: async (t) => void state.tenants.set(t.id, copyDates(t)),
    getTenant: async (id) => (state.tenants.has(id) ? copyDates(state.tenants.get(id)!) : null),
    insertMember: async (m) => {
      for (const other of state.members.values()) {
        if (other.tenantId === m.tenantId && other.email === m.email) throw new Error(`member ${m.email} already exists in the tenant`);
      }
      state.members.set(m.id, copyDates(m));
    },
    getMember: async (tenantId, id) => {
      const m = state.members.get(id);
      return m && m.tenantId === tenantId ? copyDates(m) : null;
    },
    listMembers: async (tenantId) => [...state.members.values()].filter((m) => m.tenantId === tenantId).map(copyDates),
    insertAdmin: async (a) => void state.admins.set(a.id, copyDates(a)),
    insertKey: async (k) => {
      for (const other of state.keys.values()) if (other.prefix === k.prefix) return false;
      state.keys.set(k.id, copyDates(k));
      return true;
    },
    findKeyByPrefix: async (prefix) => {
      for (const k of state.keys.values()) if (k.prefix === prefix) return copyDates(k);
      return null;
    },
    getTenantKey: async (tenantId, id) => {
      const k = state.keys.get(id);
      return k && k.kind === 'tenant' && k.tenantId === tenantId ? copyDates(k) : null;
    },
    listTenantKeys: async (tenantId, page = {}) => {
      const { before, limit } = page;
      // Newest first by creation time, then id, as the SQL store orders them.
      const sorted = [...state.keys.values()]
        .filter((k): k is TenantKey => k.kind === 'tenant' && k.tenantId === tenantId)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .filter((k) => !before || k.createdAt < before.createdAt || (k.createdAt.getTime() === before.createdAt.getTime() && k.id < before.id));
      return (limit === undefined ? sorted : sorted.slice(0, limit)).map(copyDates);
    },
    countActiveTenantKeys: async (tenantId, role) =>
      [...state.keys.values()].filter((k) => k.kind === 'tenant' && k.tenantId === tenantId && !k.revokedAt && (!role || k.role === role)).length,
    // Transactions here already run one at a time.
    lockTenant: async () => {},
    revokeTenantKey: async (tenantId, id, at) => {
      const k = state.keys.get(id);
      if (!k || k.kind !== 'tenant' || k.tenantId !== tenantId) return null;
      k.revokedAt ??= new Date(at);
      return copyDates(k);
    },
    touchKey: async (id, at, olderThan) => {
      const k = state.keys.get(id);
      if (k && (!k.lastUsedAt || k.lastUsedAt < olderThan)) k.lastUsedAt = new Date(at);
    },
    audit,
    connections,
  };

  const lockedUnit = Object.fromEntries(
    Object.entries(unit).map(([name, fn]) => [name, typeof fn === 'function' ? (...args: unknown[]) => locked(() => fn(...args)) : fn]),
  ) as unknown as AccessUnit;
  const lockedAudit = Object.fromEntries(
    Object.entries(audit).map(([name, fn]) => [name, (...args: unknown[]) => locked(() => (fn as (...a: unknown[]) => Promise<unknown>)(...args))]),
  ) as unknown as AuditRepository;

  const lockedConnections = Object.fromEntries(
    Object.entries(connections).map(([name, fn]) => [name, (...args: unknown[]) => locked(() => (fn as (...a: unknown[]) => Promise<unknown>)(...args))]),
  ) as unknown as ConnectionRepository;

  return {
    ...lockedUnit,
    audit: lockedAudit,
    connections: lockedConnections,
    get state() {
      return state;
    },
    transaction: (work) =>
      locked(async () => {
        const snapshot = structuredClone(state);
        try {
          return await work(unit);
        } catch (error) {
          state = snapshot;
          throw error;
        }
      }),
  };
};
