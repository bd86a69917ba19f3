/** Shared support for the inventory suites: use-case deps over a database, and the ledger reconciliation check. */
import { expect } from 'vitest';
import type { InventoryDeps, ChannelStock, OrderFeed } from '../../core/inventory/ports.ts';
import type { ListingChannel } from '../../core/inventory/model.ts';
import { postgresInventoryStore } from '../../adapters/postgres/inventory.ts';
import type { Database } from '../../adapters/postgres/database.ts';
import { manualClock, type ManualClock } from '../contracts/key-value.contracts.ts';

export const policy = { defaultReservationSeconds: 900, maxReservationSeconds: 86_400 };

export const inventoryDeps = (
  db: Database,
  options: { clock?: ManualClock; channels?: Partial<Record<ListingChannel, ChannelStock>>; orderFeeds?: Partial<Record<ListingChannel, OrderFeed>> } = {},
): InventoryDeps & { clock: ManualClock } => ({
  store: postgresInventoryStore(db),
  channels: options.channels ?? {},
  ...(options.orderFeeds ? { orderFeeds: options.orderFeeds } : {}),
  policy,
  clock: options.clock ?? manualClock(),
});

/**
 * The ledger explains every SKU of the tenant: onHand = sum(onHandDelta), reserved = sum(reservedDelta), the last
 * entry's after-values are the row's, and reserved equals what the tenant's held reservations hold.
 */
export const expectLedgerReconciles = async (db: Database, tenantId: string): Promise<void> => {
  const rows = await db.query<{ sku: string; on_hand: number; reserved: number; ledger_on_hand: string | null; ledger_reserved: string | null; entries: string; last_on_hand: number | null; last_reserved: number | null }>(
    `SELECT i.sku, i.on_hand, i.reserved,
            (SELECT sum(on_hand_delta) FROM inventory_ledger l WHERE l.tenant_id = i.tenant_id AND l.sku = i.sku) AS ledger_on_hand,
            (SELECT sum(reserved_delta) FROM inventory_ledger l WHERE l.tenant_id = i.tenant_id AND l.sku = i.sku) AS ledger_reserved,
            (SELECT count(*) FROM inventory_ledger l WHERE l.tenant_id = i.tenant_id AND l.sku = i.sku) AS entries,
            (SELECT on_hand_after FROM inventory_ledger l WHERE l.tenant_id = i.tenant_id AND l.sku = i.sku ORDER BY seq DESC LIMIT 1) AS last_on_hand,
            (SELECT reserved_after FROM inventory_ledger l WHERE l.tenant_id = i.tenant_id AND l.sku = i.sku ORDER BY seq DESC LIMIT 1) AS last_reserved
       FROM inventory_items i WHERE i.tenant_id = $1 AND i.kind = 'sku'`,
    [tenantId],
  );
  const held = await db.query<{ holds: { sku: string; quantity: number }[] | string }>(`SELECT holds FROM inventory_reservations WHERE tenant_id = $1 AND state = 'held'`, [tenantId]);
  const heldBySku = new Map<string, number>();
  for (const r of held.rows) {
    const holds = typeof r.holds === 'string' ? JSON.parse(r.holds) : r.holds;
    for (const h of holds as { sku: string; quantity: number }[]) heldBySku.set(h.sku, (heldBySku.get(h.sku) ?? 0) + h.quantity);
  }
  for (const r of rows.rows) {
    expect(Number(r.ledger_on_hand ?? 0), `${r.sku}: onHand = sum of its ledger`).toBe(Number(r.on_hand));
    expect(Number(r.ledger_reserved ?? 0), `${r.sku}: reserved = sum of its ledger`).toBe(Number(r.reserved));
    if (Number(r.entries) > 0) expect([Number(r.last_on_hand), Number(r.last_reserved)], `${r.sku}: the last entry's after-values`).toEqual([Number(r.on_hand), Number(r.reserved)]);
    expect(Number(r.reserved), `${r.sku}: reserved = what held reservations hold`).toBe(heldBySku.get(r.sku) ?? 0);
    expect(Number(r.reserved)).toBeLessThanOrEqual(Number(r.on_hand));
  }
};
