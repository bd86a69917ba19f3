/**
 * Channel connections over PostgreSQL (or PGlite): migrations/0012_channel_connections.sql. Part of the access
 * store, so a connection and its audit entry change in one transaction. Every query is scoped by tenant_id.
 */
import type { ChannelName, Connection, ConnectionRepository, ConnectionStatus, StoredConnection } from '../../core/platform/connections.ts';
import type { Database } from './database.ts';

interface Row {
  tenant_id: string;
  id: string;
  channel: ChannelName;
  key_hint: string;
  status: ConnectionStatus;
  key_id: string;
  sealed: string;
  verified_at: Date;
  last_used_at: Date | null;
  rejected_at: Date | null;
  rejected_code: string | null;
  created_at: Date;
}

const VIEW_COLUMNS = 'tenant_id, id, channel, key_hint, status, verified_at, last_used_at, rejected_at, rejected_code, created_at';
const COLUMNS = `${VIEW_COLUMNS}, key_id, sealed`;

const viewFrom = (r: Omit<Row, 'key_id' | 'sealed'>): Connection => ({
  id: r.id, tenantId: r.tenant_id, channel: r.channel, keyHint: r.key_hint, status: r.status, verifiedAt: r.verified_at, lastUsedAt: r.last_used_at,
  rejectedAt: r.rejected_at, rejectedCode: r.rejected_code, createdAt: r.created_at,
});
const storedFrom = (r: Row): StoredConnection => ({ ...viewFrom(r), sealed: { keyId: r.key_id, data: r.sealed } });

export const postgresConnections = (db: Database): ConnectionRepository => ({
  insert: async (c) => {
    const { rowCount } = await db.query(
      `INSERT INTO channel_connections (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
      [c.tenantId, c.id, c.channel, c.keyHint, c.status, c.verifiedAt, c.lastUsedAt, c.rejectedAt, c.rejectedCode, c.createdAt, c.sealed.keyId, c.sealed.data],
    );
    return rowCount === 1;
  },
  get: async (tenantId, id) => {
    const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM channel_connections WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return rows[0] ? storedFrom(rows[0]) : null;
  },
  forChannel: async (tenantId, channel) => {
    const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM channel_connections WHERE tenant_id = $1 AND channel = $2`, [tenantId, channel]);
    return rows[0] ? storedFrom(rows[0]) : null;
  },
  list: async (tenantId) =>
    (await db.query<Row>(`SELECT ${VIEW_COLUMNS} FROM channel_connections WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId])).rows.map(viewFrom),
  delete: async (tenantId, id) => (await db.query('DELETE FROM channel_connections WHERE tenant_id = $1 AND id = $2', [tenantId, id])).rowCount === 1,
  markRejected: async (tenantId, id, at, code) =>
    (
      await db.query(
        `UPDATE channel_connections SET status = 'rejected', rejected_at = $3, rejected_code = $4 WHERE tenant_id = $1 AND id = $2 AND status = 'active'`,
        [tenantId, id, at, code],
      )
    ).rowCount === 1,
  reseal: async (tenantId, id, sealed) =>
    (
      await db.query(`UPDATE channel_connections SET key_id = $3, sealed = $4 WHERE tenant_id = $1 AND id = $2 AND status = 'active'`, [tenantId, id, sealed.keyId, sealed.data])
    ).rowCount === 1,
  touch: async (tenantId, id, at, olderThan) => {
    await db.query('UPDATE channel_connections SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2 AND (last_used_at IS NULL OR last_used_at < $4)', [tenantId, id, at, olderThan]);
  },
});
