/**
 * The inventory store on PostgreSQL (or PGlite through the same driver). Stock rows are locked FOR UPDATE in SKU
 * order by whoever changes them, and every change updates the row and appends its ledger entry in one statement,
 * so onHand is the sum of the ledger. The table's checks (reserved <= on_hand, neither negative) are the last guard.
 */
import type { InventoryStore, InventoryUnit } from '../../core/inventory/ports.ts';
import type { BundleComponent, LedgerEntry, Listing, ListingChannel, OrderCursor, OrderEventRecord, OrderShortfall, Reservation, ReservationLine, StockItem } from '../../core/inventory/model.ts';
import { DomainError } from '../../core/shared/errors.ts';
import type { Database } from './database.ts';

type Row = Record<string, unknown>;
const d = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const dn = (v: unknown): Date | null => (v === null || v === undefined ? null : d(v));
const n = (v: unknown): number => Number(v);
const nn = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const s = (v: unknown): string => String(v);
const sn = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

const ITEM = 'tenant_id, sku, name, kind, on_hand, reserved, safety_stock, components, created_at, updated_at';
const itemOf = (r: Row): StockItem => ({
  tenantId: s(r.tenant_id), sku: s(r.sku), name: s(r.name), kind: s(r.kind) as StockItem['kind'], onHand: n(r.on_hand), reserved: n(r.reserved),
  safetyStock: n(r.safety_stock), components: json<BundleComponent[]>(r.components), createdAt: d(r.created_at), updatedAt: d(r.updated_at),
});

const entryOf = (r: Row): LedgerEntry => ({
  seq: n(r.seq), sku: s(r.sku), onHandDelta: n(r.on_hand_delta), reservedDelta: n(r.reserved_delta), reason: s(r.reason) as LedgerEntry['reason'],
  actor: s(r.actor), reference: sn(r.reference), onHandAfter: n(r.on_hand_after), reservedAfter: n(r.reserved_after), at: d(r.at),
});

const RESERVATION = 'id, tenant_id, reference, state, lines, holds, expires_at, created_at, closed_at, release_cause';
const reservationOf = (r: Row): Reservation => ({
  id: s(r.id), tenantId: s(r.tenant_id), reference: s(r.reference), state: s(r.state) as Reservation['state'], lines: json<ReservationLine[]>(r.lines),
  holds: json<ReservationLine[]>(r.holds), expiresAt: d(r.expires_at), createdAt: d(r.created_at), closedAt: dn(r.closed_at),
  releaseCause: sn(r.release_cause) as Reservation['releaseCause'],
});

const LISTING = 'tenant_id, channel, external_id, sku, buffer_units, allocation_percent, pushed_quantity, pushed_at, channel_quantity, checked_at, last_error, created_at';
const listingOf = (r: Row): Listing => ({
  tenantId: s(r.tenant_id), channel: s(r.channel) as Listing['channel'], externalId: s(r.external_id), sku: s(r.sku), bufferUnits: n(r.buffer_units),
  allocationPercent: n(r.allocation_percent), pushedQuantity: nn(r.pushed_quantity), pushedAt: dn(r.pushed_at), channelQuantity: nn(r.channel_quantity),
  checkedAt: dn(r.checked_at), lastError: sn(r.last_error), createdAt: d(r.created_at),
});

const ORDER_EVENT = 'channel, key, kind, external_id, quantity, order_id, at, outcome, sku, shortfall, note, recorded_at';
const orderEventOf = (r: Row): OrderEventRecord => ({
  channel: s(r.channel) as ListingChannel, key: s(r.key), kind: s(r.kind) as OrderEventRecord['kind'], externalId: s(r.external_id), quantity: n(r.quantity),
  orderId: s(r.order_id), at: d(r.at), outcome: s(r.outcome) as OrderEventRecord['outcome'], sku: sn(r.sku), shortfall: json<OrderShortfall[]>(r.shortfall),
  note: sn(r.note), recordedAt: d(r.recorded_at),
});

const CURSOR = 'tenant_id, channel, cursor, since, leased_by, leased_until, polled_at, last_error, blocked, blocked_marker, blocked_at';
const cursorOf = (r: Row): OrderCursor => ({
  tenantId: s(r.tenant_id), channel: s(r.channel) as ListingChannel, cursor: sn(r.cursor), since: d(r.since), leasedBy: sn(r.leased_by), leasedUntil: dn(r.leased_until),
  polledAt: dn(r.polled_at), lastError: sn(r.last_error), blocked: sn(r.blocked) as OrderCursor['blocked'], blockedMarker: sn(r.blocked_marker), blockedAt: dn(r.blocked_at),
});

/** Pages of events needing attention: the recorded time and key of the last one shown. */
const encodeEventCursor = (e: OrderEventRecord): string => Buffer.from(JSON.stringify([e.recordedAt.toISOString(), e.channel, e.key]), 'utf8').toString('base64url');
const decodeEventCursor = (cursor: string): [string, string, string] => {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'string') && !Number.isNaN(Date.parse(v[0] as string))) return v as [string, string, string];
  } catch {
    // refused below
  }
  throw new DomainError('invalid', 'cursor is not a nextCursor of this list', { details: { field: 'cursor' } });
};

/** SKU pages: the cursor is the last SKU of the page (the tenant's own value, nothing platform-wide). */
const encodeSkuCursor = (sku: string): string => Buffer.from(sku, 'utf8').toString('base64url');
const decodeSkuCursor = (cursor: string): string => {
  const sku = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!sku || encodeSkuCursor(sku) !== cursor) throw new DomainError('invalid', 'cursor is not a nextCursor of this list', { details: { field: 'cursor' } });
  return sku;
};
/** Ledger pages: the seq of the last entry shown, within the SKU. */
const decodeSeqCursor = (cursor: string): number => {
  const seq = /^[1-9]\d{0,14}$/.test(cursor) ? Number(cursor) : NaN;
  if (!Number.isSafeInteger(seq)) throw new DomainError('invalid', 'cursor is not a nextCursor of this ledger', { details: { field: 'cursor' } });
  return seq;
};

const unitOf = (db: Database): InventoryUnit => ({
  getItem: async (tenantId, sku) => (await db.query(`SELECT ${ITEM} FROM inventory_items WHERE tenant_id = $1 AND sku = $2`, [tenantId, sku])).rows.map(itemOf)[0] ?? null,
  getItems: async (tenantId, skus) =>
    skus.length ? (await db.query(`SELECT ${ITEM} FROM inventory_items WHERE tenant_id = $1 AND sku = ANY($2::text[])`, [tenantId, [...skus]])).rows.map(itemOf) : [],
  lockItems: async (tenantId, skus) =>
    skus.length
      ? (await db.query(`SELECT ${ITEM} FROM inventory_items WHERE tenant_id = $1 AND sku = ANY($2::text[]) ORDER BY sku COLLATE "C" FOR UPDATE`, [tenantId, [...skus]])).rows.map(itemOf)
      : [],
  insertItem: async (i) =>
    (
      await db.query(
        `INSERT INTO inventory_items (${ITEM}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8::jsonb,$9,$10) ON CONFLICT DO NOTHING`,
        [i.tenantId, i.sku, i.name, i.kind, i.onHand, i.reserved, i.safetyStock, JSON.stringify(i.components), i.createdAt, i.updatedAt],
      )
    ).rowCount === 1,
  applyChange: async (c) => {
    const r = await db.query(
      `WITH u AS (
         UPDATE inventory_items SET on_hand = on_hand + $3, reserved = reserved + $4, ledger_seq = ledger_seq + 1, updated_at = $8
          WHERE tenant_id = $1 AND sku = $2 AND kind = 'sku' RETURNING on_hand, reserved, ledger_seq)
       INSERT INTO inventory_ledger (tenant_id, sku, seq, on_hand_delta, reserved_delta, reason, actor, reference, on_hand_after, reserved_after, at)
       SELECT $1, $2, u.ledger_seq, $3, $4, $5, $6, $7, u.on_hand, u.reserved, $8 FROM u
       RETURNING *`,
      [c.tenantId, c.sku, c.onHandDelta, c.reservedDelta, c.reason, c.actor, c.reference, c.at],
    );
    const entry = r.rows.map(entryOf)[0];
    if (!entry) throw new Error(`inventory: no plain SKU ${c.sku} to change`);
    return entry;
  },
  listItems: async (tenantId, page) => {
    const after = page.cursor === undefined ? null : decodeSkuCursor(page.cursor);
    const r = await db.query(
      `SELECT ${ITEM} FROM inventory_items WHERE tenant_id = $1 AND ($2::text IS NULL OR sku COLLATE "C" > $2::text COLLATE "C")
        ORDER BY sku COLLATE "C" LIMIT $3`,
      [tenantId, after, page.limit + 1],
    );
    const items = r.rows.slice(0, page.limit).map(itemOf);
    return { items, nextCursor: r.rows.length > page.limit ? encodeSkuCursor(items[items.length - 1]!.sku) : null };
  },
  ledger: async (tenantId, sku, page) => {
    const before = page.cursor === undefined ? null : decodeSeqCursor(page.cursor);
    const r = await db.query(
      `SELECT * FROM inventory_ledger WHERE tenant_id = $1 AND sku = $2 AND ($3::bigint IS NULL OR seq < $3::bigint) ORDER BY seq DESC LIMIT $4`,
      [tenantId, sku, before, page.limit + 1],
    );
    const items = r.rows.slice(0, page.limit).map(entryOf);
    return { items, nextCursor: r.rows.length > page.limit ? String(items[items.length - 1]!.seq) : null };
  },

  insertReservation: async (x) =>
    (
      await db.query(
        `INSERT INTO inventory_reservations (${RESERVATION}) VALUES ($1,$2,$3,$4,$5::jsonb,$6::jsonb,$7,$8,$9,$10) ON CONFLICT (tenant_id, reference) DO NOTHING`,
        [x.id, x.tenantId, x.reference, x.state, JSON.stringify(x.lines), JSON.stringify(x.holds), x.expiresAt, x.createdAt, x.closedAt, x.releaseCause],
      )
    ).rowCount === 1,
  reservationByReference: async (tenantId, reference) =>
    (await db.query(`SELECT ${RESERVATION} FROM inventory_reservations WHERE tenant_id = $1 AND reference = $2`, [tenantId, reference])).rows.map(reservationOf)[0] ?? null,
  lockReservation: async (tenantId, id) =>
    (await db.query(`SELECT ${RESERVATION} FROM inventory_reservations WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, id])).rows.map(reservationOf)[0] ?? null,
  closeReservation: async (tenantId, id, state, cause, at) => {
    const r = await db.query(`UPDATE inventory_reservations SET state = $3, release_cause = $4, closed_at = $5 WHERE tenant_id = $1 AND id = $2 AND state = 'held'`, [
      tenantId, id, state, cause, at,
    ]);
    // The caller holds the row lock, so it is still held; if not, stop before its stock changes are committed twice.
    if (r.rowCount !== 1) throw new DomainError('conflict', 'The reservation was closed by another request; read it again', { details: { state } });
  },
  claimExpired: async (now, limit) =>
    (
      await db.query(
        `SELECT ${RESERVATION} FROM inventory_reservations WHERE state = 'held' AND expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, limit],
      )
    ).rows.map(reservationOf),

  insertListing: async (l) => {
    const r = await db.query(
      `INSERT INTO inventory_listings (${LISTING}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT DO NOTHING RETURNING ${LISTING}`,
      [l.tenantId, l.channel, l.externalId, l.sku, l.bufferUnits, l.allocationPercent, l.pushedQuantity, l.pushedAt, l.channelQuantity, l.checkedAt, l.lastError, l.createdAt],
    );
    if (r.rowCount === 1) return { created: true, listing: listingOf(r.rows[0]!) };
    const found = await db.query(`SELECT ${LISTING} FROM inventory_listings WHERE tenant_id = $1 AND channel = $2 AND external_id = $3 FOR UPDATE`, [l.tenantId, l.channel, l.externalId]);
    return { created: false, listing: listingOf(found.rows[0]!) };
  },
  updateListingSettings: async (tenantId, channel, externalId, settings) =>
    listingOf(
      (
        await db.query(
          `UPDATE inventory_listings SET buffer_units = $4, allocation_percent = $5 WHERE tenant_id = $1 AND channel = $2 AND external_id = $3 RETURNING ${LISTING}`,
          [tenantId, channel, externalId, settings.bufferUnits, settings.allocationPercent],
        )
      ).rows[0]!,
    ),
  listings: async (tenantId, filter = {}) =>
    (
      await db.query(
        `SELECT ${LISTING} FROM inventory_listings WHERE tenant_id = $1 AND ($2::text[] IS NULL OR sku = ANY($2::text[])) AND ($3::text[] IS NULL OR channel = ANY($3::text[]))
            AND ($4::text[] IS NULL OR sku = ANY($4::text[]) OR sku IN (
              SELECT b.sku FROM inventory_items b WHERE b.tenant_id = $1 AND b.kind = 'bundle'
                 AND EXISTS (SELECT 1 FROM jsonb_array_elements(b.components) c WHERE c->>'sku' = ANY($4::text[]))))
          ORDER BY channel, external_id COLLATE "C"`,
        [tenantId, filter.skus ? [...filter.skus] : null, filter.channels ? [...filter.channels] : null, filter.affectedBy ? [...filter.affectedBy] : null],
      )
    ).rows.map(listingOf),
  tenantsWithListings: async () =>
    (await db.query<{ tenant_id: string }>(`SELECT DISTINCT tenant_id FROM inventory_listings ORDER BY tenant_id`)).rows.map((r) => r.tenant_id),
  recordPush: async (tenantId, channel, externalId, quantity, at) =>
    void (await db.query(
      `UPDATE inventory_listings SET pushed_quantity = $4, pushed_at = $5, last_error = NULL WHERE tenant_id = $1 AND channel = $2 AND external_id = $3`,
      [tenantId, channel, externalId, quantity, at],
    )),
  recordCheck: async (tenantId, channel, externalId, outcome) =>
    void (await db.query(
      `UPDATE inventory_listings SET channel_quantity = $4, last_error = $5, checked_at = $6 WHERE tenant_id = $1 AND channel = $2 AND external_id = $3`,
      [tenantId, channel, externalId, outcome.channelQuantity, outcome.error, outcome.at],
    )),
  listingsByExternalId: async (tenantId, channel, externalIds) =>
    externalIds.length
      ? (await db.query(`SELECT ${LISTING} FROM inventory_listings WHERE tenant_id = $1 AND channel = $2 AND external_id = ANY($3::text[])`, [tenantId, channel, [...externalIds]])).rows.map(listingOf)
      : [],

  recordOrderEvents: async (tenantId, events) => {
    if (!events.length) return new Set();
    const col = <T>(f: (e: OrderEventRecord) => T): T[] => events.map(f);
    const r = await db.query<{ key: string }>(
      `INSERT INTO inventory_channel_orders (tenant_id, ${ORDER_EVENT})
       SELECT $1, e.channel, e.key, e.kind, e.external_id, e.quantity, e.order_id, e.at, e.outcome, e.sku, e.shortfall::jsonb, e.note, e.recorded_at
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::timestamptz[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[])
              WITH ORDINALITY AS e(channel, key, kind, external_id, quantity, order_id, at, outcome, sku, shortfall, note, recorded_at, n)
        ORDER BY e.n
       ON CONFLICT (tenant_id, channel, key) DO NOTHING RETURNING key`,
      [
        tenantId, col((e) => e.channel), col((e) => e.key), col((e) => e.kind), col((e) => e.externalId), col((e) => e.quantity), col((e) => e.orderId),
        col((e) => e.at), col((e) => e.outcome), col((e) => e.sku), col((e) => JSON.stringify(e.shortfall)), col((e) => e.note), col((e) => e.recordedAt),
      ],
    );
    return new Set(r.rows.map((row) => String(row.key)));
  },
  settleOrderEvent: async (tenantId, channel, key, o) =>
    void (await db.query(`UPDATE inventory_channel_orders SET outcome = $4, shortfall = $5::jsonb, note = $6 WHERE tenant_id = $1 AND channel = $2 AND key = $3`, [
      tenantId, channel, key, o.outcome, JSON.stringify(o.shortfall), o.note,
    ])),
  orderEventsOf: async (tenantId, channel, orderId, externalId) =>
    (
      await db.query(
        `SELECT ${ORDER_EVENT} FROM inventory_channel_orders WHERE tenant_id = $1 AND channel = $2 AND order_id = $3 AND external_id = $4 ORDER BY recorded_at, key COLLATE "C"`,
        [tenantId, channel, orderId, externalId],
      )
    ).rows.map(orderEventOf),
  orderEventsNeedingAttention: async (tenantId, page) => {
    const after = page.cursor === undefined ? null : decodeEventCursor(page.cursor);
    const r = await db.query(
      `SELECT ${ORDER_EVENT} FROM inventory_channel_orders WHERE tenant_id = $1 AND outcome <> 'applied'
          AND ($2::timestamptz IS NULL OR (recorded_at, channel, key COLLATE "C") < ($2::timestamptz, $3::text, $4::text COLLATE "C"))
        ORDER BY recorded_at DESC, channel DESC, key COLLATE "C" DESC LIMIT $5`,
      [tenantId, after?.[0] ?? null, after?.[1] ?? null, after?.[2] ?? null, page.limit + 1],
    );
    const items = r.rows.slice(0, page.limit).map(orderEventOf);
    return { items, nextCursor: r.rows.length > page.limit ? encodeEventCursor(items[items.length - 1]!) : null };
  },

  leaseOrderCursor: async (tenantId, channel, holder, now, until) => {
    await db.query(`INSERT INTO inventory_order_cursors (tenant_id, channel, since) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [tenantId, channel, now]);
    const r = await db.query(
      `UPDATE inventory_order_cursors SET leased_by = $3, leased_until = $5
        WHERE tenant_id = $1 AND channel = $2 AND (leased_by IS NULL OR leased_by = $3 OR leased_until <= $4) RETURNING ${CURSOR}`,
      [tenantId, channel, holder, now, until],
    );
    return r.rows.map(cursorOf)[0] ?? null;
  },
  advanceOrderCursor: async (tenantId, channel, from, to, holder, leaseUntil) =>
    (
      await db.query(
        `UPDATE inventory_order_cursors SET cursor = $4,
                leased_until = CASE WHEN leased_by = $5 THEN $6 ELSE leased_until END
          WHERE tenant_id = $1 AND channel = $2 AND cursor IS NOT DISTINCT FROM $3::text`,
        [tenantId, channel, from, to, holder, leaseUntil],
      )
    ).rowCount === 1,
  releaseOrderCursor: async (tenantId, channel, holder, o) =>
    void (await db.query(
      `UPDATE inventory_order_cursors SET leased_by = NULL, leased_until = NULL, polled_at = $4, last_error = $5, blocked = $6, blocked_marker = $7, blocked_at = $8
        WHERE tenant_id = $1 AND channel = $2 AND leased_by = $3`,
      [tenantId, channel, holder, o.polledAt, o.lastError, o.blocked, o.blockedMarker, o.blockedAt],
    )),
  orderCursor: async (tenantId, channel) =>
    (await db.query(`SELECT ${CURSOR} FROM inventory_order_cursors WHERE tenant_id = $1 AND channel = $2`, [tenantId, channel])).rows.map(cursorOf)[0] ?? null,
  orderPollTargets: async (channels, tenantId) =>
    channels.length
      ? (
        await db.query(`SELECT DISTINCT tenant_id, channel FROM inventory_listings WHERE channel = ANY($1::text[]) AND ($2::text IS NULL OR tenant_id = $2) ORDER BY tenant_id, channel`, [
          [...channels], tenantId ?? null,
        ])
      ).rows.map(
        (r) => ({ tenantId: s(r.tenant_id), channel: s(r.channel) as ListingChannel }),
      )
      : [],
});

export const postgresInventoryStore = (db: Database): InventoryStore => ({
  ...unitOf(db),
  transaction: (work, options) => db.transaction((tx) => work(unitOf(tx)), options),
});
