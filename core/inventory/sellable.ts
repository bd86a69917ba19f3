/**
 * What each channel may sell: pure arithmetic over stored stock, so it is tested by hand (sellable.test.ts).
 *
 * - A plain SKU's `available` is onHand - reserved: what a reservation may still take.
 * - What the channels may share of it leaves the safety stock behind: max(0, available - safetyStock).
 * - A bundle has no stock: it has as many as its scarcest component allows, min over components of
 *   floor(units / quantity), both for `available` and for what channels share.
 * - A listing sells floor(max(0, shared - bufferUnits) * allocationPercent / 100). Allocations are per listing,
 *   not split among listings: two listings at 100 % both show the whole stock (reservations keep it from being
 *   sold twice), and 50 % on one channel holds half back from that channel only.
 */
import type { BundleComponent, StockItem } from './model.ts';

export const availableOf = (item: Pick<StockItem, 'onHand' | 'reserved'>): number => Math.max(0, item.onHand - item.reserved);

/** What channels may share of a plain SKU: available less its safety stock, never below zero. */
export const channelShareOf = (item: Pick<StockItem, 'onHand' | 'reserved' | 'safetyStock'>): number => Math.max(0, availableOf(item) - item.safetyStock);

/** Units of a bundle that `unitsOf` (per component SKU) allows: min over components of floor(units / quantity). */
export const bundleUnits = (components: readonly BundleComponent[], unitsOf: (sku: string) => number): number => {
  if (components.length === 0) return 0;
  let least = Number.POSITIVE_INFINITY;
  for (const c of components) least = Math.min(least, Math.floor(unitsOf(c.sku) / c.quantity));
  return Math.max(0, least);
};

export interface SellableInput {
  /** What channels may share of the SKU or bundle (channelShareOf, or bundleUnits over channel shares). */
  shared: number;
  bufferUnits: number;
  allocationPercent: number;
}

/** The quantity one listing may sell: floor(max(0, shared - bufferUnits) * allocationPercent / 100). */
export const sellableQuantity = (input: SellableInput): number => {
  const afterBuffer = Math.max(0, input.shared - input.bufferUnits);
  // Integer arithmetic: 33 % of 10 is 3, never 3.3000000000000003 floored by luck.
  return Math.floor((afterBuffer * input.allocationPercent) / 100);
};
