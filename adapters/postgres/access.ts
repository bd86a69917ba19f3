/**
 * The access store over PostgreSQL (or PGlite): tables in migrations/0010_access.sql, 0011_audit_log.sql and
 * 0012_channel_connections.sql.
 * Every tenant-owned query has `tenant_id = $1` in its WHERE clause; the only unscoped lookup is the key
 * prefix, which authentication needs before it knows the tenant.
 */
import { randomUUID } from 'node:crypto';
import type { AccessStore, AccessUnit } from '../../core/platform/access.ts';
import type { ApiKey, AuditDraft, AuditEntry, AuditFilter, Member, TenantKey } from '../../core/platform/model.ts';
import { chainOf, GENESIS_HASH, sealEntry, type AuditRepository } from '../../core/platform/audit.ts';
import type { Role } from '../../core/platform/principal.ts';
import { postgresConnections } from './connections.ts';
import type { Database } from './database.ts';

interface KeyRow {
  id: string;
  tenant_id: string | null;
  member_id: string | null;
  role: Role | null;
  admin_id: string | null;
  name: string;
  prefix: string;
  hash: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const KEY_COLUMNS = 'id, tenant_id, member_id, role, admin_id, name, prefix, hash, created_at, last_used_at, revoked_at';

const keyFrom = (r: KeyRow): ApiKey => {
  const base = { id: r.id, name: r.name, prefix: r.prefix, hash: r.hash, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at };
  return r.tenant_id !== null
    ? { ...base, kind: 'tenant', tenantId: r.tenant_id, memberId: r.member_id!, role: r.role! }
    : { ...base, kind: 'admin', adminId: r.admin_id! };
};

interface MemberRow {
  id: string;
  tenant_id: string;
  email: string;
  name: string;
  role: Role;
  created_at: Date;
}
const memberFrom = (r: MemberRow): Member => ({ id: r.id, tenantId: r.tenant_id, email: r.email, name: r.name, role: r.role, createdAt: r.created_at });

interface AuditRow {
  chain: string;
  seq: string | number;
  id: string;
  tenant_id: string | null;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  request_id: string | null;
  source_ip: string | null;
  outcome: AuditEntry['outcome'];
  details: AuditEntry['details'];
  prev_hash: string;
  hash: string;
  credential: AuditEntry['credential'];
  client_request_id: string | null;
}
const AUDIT_COLUMNS =
  'chain, seq, id, tenant_id, at, actor, action, target, request_id, source_ip, outcome, details, prev_hash, hash, credential, client_request_id';
const auditFrom = (r: AuditRow): AuditEntry => ({
  id: r.id, seq: Number(r.seq), tenantId: r.tenant_id, at: r.at, actor: r.actor, credential: r.credential ?? null, action: r.action, target: r.target,
  requestId: r.request_id, clientRequestId: r.client_request_id ?? null, sourceIp: r.source_ip, outcome: r.outcome, details: r.details ?? {},
  prevHash: r.prev_hash, hash: r.hash,
});

/**
 * Appends under a row lock on the chain head, so writers to one chain queue there and the chain never forks.
 * The lock is held until commit, so the work done under it is two statements: the upsert that takes the lock,
 * advances seq and returns the previous hash, then the entry insert together with the head's new hash.
 */
const appendIn = async (tx: Database, draft: AuditDraft): Promise<AuditEntry> => {
  const chain = chainOf(draft.tenantId);
  const { rows } = await tx.query<{ seq: string; hash: string }>(
    `INSERT INTO audit_chain_heads (chain, seq, hash) VALUES ($1, 1, $2)
     ON CONFLICT (chain) DO UPDATE SET seq = audit_chain_heads.seq + 1
     RETURNING seq, hash`,
    [chain, GENESIS_HASH],
  );
  const seq = Number(rows[0]!.seq);
  const entry = sealEntry(draft, randomUUID(), seq === 1 ? null : { seq: seq - 1, hash: rows[0]!.hash });
  await tx.query(
    `WITH entry AS (
       INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     )
     UPDATE audit_chain_heads SET hash = $14 WHERE chain = $1`,
    [chain, entry.seq, entry.id, entry.tenantId, entry.at, entry.actor, entry.action, entry.target, entry.requestId, entry.sourceIp,
      entry.outcome, JSON.stringify(entry.details), entry.prevHash, entry.hash, entry.credential ? JSON.stringify(entry.credential) : null,
      entry.clientRequestId ?? null],
  );
  return entry;
};

const auditRepository = (db: Database, inTransaction: boolean): AuditRepository => ({
  append: (draft) => (inTransaction ? appendIn(db, draft) : db.transaction((tx) => appendIn(tx, draft))),
  list: async (chain: string, filter: AuditFilter, beforeSeq: number | null, limit: number) => {
    const where = ['chain = $1'];
    const params: unknown[] = [chain];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (beforeSeq !== null) add('seq < ?', beforeSeq);
    if (filter.action) add('action = ?', filter.action);
    if (filter.actor) add('actor = ?', filter.actor);
    if (filter.outcome) add('outcome = ?', filter.outcome);
    if (filter.since) add('at >= ?', filter.since);
    if (filter.until) add('at <= ?', filter.until);
    params.push(limit);
    const { rows } = await db.query<AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(auditFrom);
  },
  chains: async () => (await db.query<{ chain: string }>('SELECT chain FROM audit_chain_heads ORDER BY chain')).rows.map((r) => r.chain),
  scan: async (chain, afterSeq, limit) =>
    (await db.query<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [chain, afterSeq, limit])).rows.map(auditFrom),
  head: async (chain) => {
    const { rows } = await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_chain_heads WHERE chain = $1', [chain]);
    const r = rows[0];
    return r && Number(r.seq) > 0 ? { seq: Number(r.seq), hash: r.hash } : null;
  },
});

const unitOver = (db: Database, inTransaction: boolean): AccessUnit => ({
  insertTenant: async (t) => {
    await db.query('INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)', [t.id, t.name, t.createdAt]);
  },
  getTenant: async (id) => {
    const { rows } = await db.query<{ id: string; name: string; created_at: Date }>('SELECT id, name, created_at FROM tenants WHERE id = $1', [id]);
    const r = rows[0];
    return r ? { id: r.id, name: r.name, createdAt: r.created_at } : null;
  },
  insertMember: async (m) => {
    await db.query('INSERT INTO members (tenant_id, id, email, name, role, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      m.tenantId, m.id, m.email, m.name, m.role, m.createdAt,
    ]);
  },
  getMember: async (tenantId, id) => {
    const { rows } = await db.query<MemberRow>('SELECT tenant_id, id, email, name, role, created_at FROM members WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return rows[0] ? memberFrom(rows[0]) : null;
  },
  listMembers: async (tenantId) =>
    (await db.query<MemberRow>('SELECT tenant_id, id, email, name, role, created_at FROM members WHERE tenant_id = $1 ORDER BY created_at, id', [tenantId])).rows.map(memberFrom),
  insertAdmin: async (a) => {
    await db.query('INSERT INTO admins (id, name, created_at) VALUES ($1, $2, $3)', [a.id, a.name, a.createdAt]);
  },
  insertKey: async (k) => {
    const t = k.kind === 'tenant' ? k : null;
    const { rowCount } = await db.query(
      `INSERT INTO api_keys (${KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (prefix) DO NOTHING`,
      [k.id, t?.tenantId ?? null, t?.memberId ?? null, t?.role ?? null, k.kind === 'admin' ? k.adminId : null, k.name, k.prefix, k.hash, k.createdAt, k.lastUsedAt, k.revokedAt],
    );
    return rowCount === 1;
  },
  findKeyByPrefix: async (prefix) => {
    const { rows } = await db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE prefix = $1`, [prefix]);
    return rows[0] ? keyFrom(rows[0]) : null;
  },
  getTenantKey: async (tenantId, id) => {
    const { rows } = await db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return rows[0] ? (keyFrom(rows[0]) as TenantKey) : null;
  },
  listTenantKeys: async (tenantId, page = {}) => {
    const params: unknown[] = [tenantId];
    let where = 'tenant_id = $1';
    if (page.before) {
      params.push(page.before.createdAt, page.before.id);
      where += ' AND (created_at, id) < ($2, $3)';
    }
    let limit = '';
    if (page.limit !== undefined) {
      params.push(page.limit);
      limit = ` LIMIT $${params.length}`;
    }
    const { rows } = await db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE ${where} ORDER BY created_at DESC, id DESC${limit}`, params);
    return rows.map((r) => keyFrom(r) as TenantKey);
  },
  countActiveTenantKeys: async (tenantId, role) => {
    const { rows } = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL AND ($2::text IS NULL OR role = $2)',
      [tenantId, role ?? null],
    );
    return Number(rows[0]!.n);
  },
  lockTenant: async (tenantId) => {
    await db.query('SELECT id FROM tenants WHERE id = $1 FOR UPDATE', [tenantId]);
  },
  revokeTenantKey: async (tenantId, id, at) => {
    const { rows } = await db.query<KeyRow>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE tenant_id = $1 AND id = $2 RETURNING ${KEY_COLUMNS}`,
      [tenantId, id, at],
    );
    return rows[0] ? (keyFrom(rows[0]) as TenantKey) : null;
  },
  touchKey: async (id, at, olderThan) => {
    await db.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)', [id, at, olderThan]);
  },
  audit: auditRepository(db, inTransaction),
  connections: postgresConnections(db),
});

export const postgresAccessStore = (db: Database): AccessStore => ({
  ...unitOver(db, false),
  transaction: (work, options) => db.transaction((tx) => work(unitOver(tx, true)), options),
});
