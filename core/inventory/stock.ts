/**
 * SKUs, bundles, adjustments and the ledger. Every change of onHand or reserved goes through
 * `InventoryUnit.applyChange`, which appends its ledger entry in the same transaction: onHand is always the sum of
 * the SKU's ledger.
 *
 * Bundles hold no stock and may contain plain SKUs only: a bundle offered as a component is refused (400), which
 * also makes cycles impossible (a bundle naming itself is refused the same way).
 */
import { DomainError, notFound } from '../shared/errors.ts';
import type { InventoryDeps, InventoryUnit } from './ports.ts';
import type { AdjustmentInput, LedgerEntry, Listing, NewBundleInput, NewSkuInput, Page, PageRequest, StockItem, StockView } from './model.ts';
import { availableOf, bundleUnits } from './sellable.ts';

/** The actor of a change: the credential's actor id, or `system` for background work. */
export type Actor = string;

export const MAX_COMPONENTS = 20;
/** The most units one SKU may hold (the database keeps counts as 32-bit integers). */
export const MAX_ON_HAND = 1_000_000_000;

/** Builds views for `items`, reading the components of bundles and the listings in one go each. */
export const viewsOf = async (unit: InventoryUnit, tenantId: string, items: StockItem[]): Promise<StockView[]> => {
  const componentSkus = [...new Set(items.flatMap((i) => i.components.map((c) => c.sku)))];
  const components = new Map((await unit.getItems(tenantId, componentSkus)).map((i) => [i.sku, i]));
  const listings = items.length ? await unit.listings(tenantId, { skus: items.map((i) => i.sku) }) : [];
  const bySku = new Map<string, Listing[]>();
  for (const l of listings) bySku.set(l.sku, [...(bySku.get(l.sku) ?? []), l]);
  return items.map((item) => {
    const isBundle = item.kind === 'bundle';
    const available = isBundle ? bundleUnits(item.components, (sku) => availableOf(components.get(sku) ?? { onHand: 0, reserved: 0 })) : availableOf(item);
    return {
      sku: item.sku,
      name: item.name,
      kind: item.kind,
      onHand: isBundle ? null : item.onHand,
      reserved: isBundle ? null : item.reserved,
      available,
      safetyStock: item.safetyStock,
      components: isBundle ? item.components.map((c) => ({ ...c })) : null,
      channels: (bySku.get(item.sku) ?? []).map((l) => ({ channel: l.channel, externalId: l.externalId, pushedQuantity: l.pushedQuantity, pushedAt: l.pushedAt })),
      createdAt: item.createdAt,
      updatedAt: item.updatedAt,
    };
  });
};

const viewOne = async (unit: InventoryUnit, tenantId: string, item: StockItem): Promise<StockView> => (await viewsOf(unit, tenantId, [item]))[0]!;

export const createSku = async (deps: InventoryDeps, tenantId: string, actor: Actor, input: NewSkuInput): Promise<StockView> => {
  const now = deps.clock.now();
  const onHand = input.onHand ?? 0;
  const view = await deps.store.transaction(async (unit) => {
    const item: StockItem = {
      tenantId, sku: input.sku, name: input.name, kind: 'sku', onHand: 0, reserved: 0, safetyStock: input.safetyStock ?? 0, components: [], createdAt: now, updatedAt: now,
    };
    if (!(await unit.insertItem(item))) throw new DomainError('conflict', `SKU ${input.sku} already exists`, { details: { sku: input.sku } });
    // The opening stock is a receipt like any other, so the ledger explains it.
    if (onHand > 0) await unit.applyChange({ tenantId, sku: input.sku, onHandDelta: onHand, reservedDelta: 0, reason: 'receipt', actor, reference: 'opening stock', at: now });
    return viewOne(unit, tenantId, (await unit.getItem(tenantId, input.sku))!);
  });
  if (onHand > 0) deps.changes?.stockChanged(tenantId, [input.sku]);
  return view;
};

export const createBundle = async (deps: InventoryDeps, tenantId: string, input: NewBundleInput): Promise<StockView> => {
  const now = deps.clock.now();
  const seen = new Set<string>();
  for (const [i, c] of input.components.entries()) {
    if (c.sku === input.sku) throw new DomainError('invalid', 'A bundle cannot contain itself', { details: { field: `components.${i}.sku` } });
    if (seen.has(c.sku)) throw new DomainError('invalid', `Component ${c.sku} is listed twice; give it once with the total quantity`, { details: { field: `components.${i}.sku` } });
    seen.add(c.sku);
  }
  return deps.store.transaction(async (unit) => {
    const found = new Map((await unit.getItems(tenantId, [...seen])).map((i) => [i.sku, i]));
    const missing = [...seen].filter((sku) => !found.has(sku));
    if (missing.length) throw new DomainError('invalid', `Unknown component SKU: ${missing.join(', ')}; create the SKUs first`, { details: { missing } });
    const nested = [...seen].filter((sku) => found.get(sku)!.kind === 'bundle');
    if (nested.length) {
      throw new DomainError('invalid', `Bundles cannot contain bundles (${nested.join(', ')}); list their SKUs instead`, { details: { nested } });
    }
    const item: StockItem = {
      tenantId, sku: input.sku, name: input.name, kind: 'bundle', onHand: 0, reserved: 0, safetyStock: 0,
      components: input.components.map((c) => ({ sku: c.sku, quantity: c.quantity })), createdAt: now, updatedAt: now,
    };
    if (!(await unit.insertItem(item))) throw new DomainError('conflict', `SKU ${input.sku} already exists`, { details: { sku: input.sku } });
    return viewOne(unit, tenantId, item);
  });
};

export const getStock = async (deps: InventoryDeps, tenantId: string, sku: string): Promise<StockView> => {
  const item = await deps.store.getItem(tenantId, sku);
  if (!item) throw notFound(`SKU ${sku}`, { sku });
  return viewOne(deps.store, tenantId, item);
};

export const listStock = async (deps: InventoryDeps, tenantId: string, page: PageRequest): Promise<Page<StockView>> => {
  const found = await deps.store.listItems(tenantId, page);
  return { items: await viewsOf(deps.store, tenantId, found.items), nextCursor: found.nextCursor };
};

/**
 * A manual change of onHand (a receipt, a count correction, a sale or return outside reservations). Refused
 * when it would take onHand below what open reservations hold (409): held stock is promised to an order.
 */
export const adjustStock = async (deps: InventoryDeps, tenantId: string, actor: Actor, sku: string, input: AdjustmentInput): Promise<{ entry: LedgerEntry; stock: StockView }> => {
  if (input.delta === 0) throw new DomainError('invalid', 'delta must not be 0: an adjustment changes the stock', { details: { field: 'delta' } });
  const now = deps.clock.now();
  const adjusted = await deps.store.transaction(async (unit) => {
    const [item] = await unit.lockItems(tenantId, [sku]);
    if (!item) throw notFound(`SKU ${sku}`, { sku });
    if (item.kind === 'bundle') {
      throw new DomainError('invalid', `${sku} is a bundle: it has no stock of its own; adjust its components`, { details: { field: 'sku', components: item.components } });
    }
    if (item.onHand + input.delta > MAX_ON_HAND) {
      throw new DomainError('invalid', `Adjusting ${sku} by ${input.delta} would hold ${item.onHand + input.delta} units, more than the ${MAX_ON_HAND} a SKU may hold`, {
        details: { field: 'delta', onHand: item.onHand, max: MAX_ON_HAND },
      });
    }
    if (item.onHand + input.delta < item.reserved) {
      throw new DomainError('conflict', `Adjusting ${sku} by ${input.delta} would leave ${item.onHand + input.delta} on hand, below the ${item.reserved} reserved`, {
        details: { sku, onHand: item.onHand, reserved: item.reserved, delta: input.delta },
      });
    }
    const entry = await unit.applyChange({ tenantId, sku, onHandDelta: input.delta, reservedDelta: 0, reason: input.reason, actor, reference: input.reference ?? null, at: now });
    return { entry, stock: await viewOne(unit, tenantId, (await unit.getItem(tenantId, sku))!) };
  });
  deps.changes?.stockChanged(tenantId, [sku]);
  return adjusted;
};

export const readLedger = async (deps: InventoryDeps, tenantId: string, sku: string, page: PageRequest): Promise<Page<LedgerEntry>> => {
  const item = await deps.store.getItem(tenantId, sku);
  if (!item) throw notFound(`SKU ${sku}`, { sku });
  return deps.store.ledger(tenantId, sku, page);
};
