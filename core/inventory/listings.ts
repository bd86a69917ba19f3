/**
 * Channel listings: which listing on which channel sells which SKU or bundle. A listing (channel, externalId) is
 * mapped to exactly one SKU or bundle: mapping it again to the same one updates its buffer and allocation,
 * mapping it to another is refused (409).
 */
import { DomainError } from '../shared/errors.ts';
import type { InventoryDeps, InventoryUnit } from './ports.ts';
import type { Listing, ListingChannel, ListingInput, ListingView, StockItem } from './model.ts';
import { bundleUnits, channelShareOf, sellableQuantity } from './sellable.ts';

/** What channels may share of each listed SKU or bundle, read in two queries. */
export const sharesOf = async (unit: InventoryUnit, tenantId: string, skus: readonly string[]): Promise<Map<string, number>> => {
  const items = await unit.getItems(tenantId, [...new Set(skus)]);
  const componentSkus = [...new Set(items.flatMap((i) => i.components.map((c) => c.sku)))];
  const plain = new Map<string, StockItem>([...items, ...(await unit.getItems(tenantId, componentSkus))].map((i) => [i.sku, i]));
  const share = (sku: string): number => {
    const item = plain.get(sku);
    return item ? channelShareOf(item) : 0;
  };
  return new Map(items.map((i) => [i.sku, i.kind === 'bundle' ? bundleUnits(i.components, share) : channelShareOf(i)]));
};

export const toListingView = (l: Listing, shared: number): ListingView => ({
  channel: l.channel, externalId: l.externalId, sku: l.sku, bufferUnits: l.bufferUnits, allocationPercent: l.allocationPercent,
  sellable: sellableQuantity({ shared, bufferUnits: l.bufferUnits, allocationPercent: l.allocationPercent }),
  pushedQuantity: l.pushedQuantity, pushedAt: l.pushedAt, channelQuantity: l.channelQuantity, checkedAt: l.checkedAt, lastError: l.lastError,
});

/**
 * How each channel names a listing: Smart Store an origin product number and its option combination id
 * (`originProductNo:optionCombinationId`, or the product number alone for a product without options); Wing and
 * Rocket Growth the vendorItemId (the option id).
 */
export const externalIdFormats: Record<ListingChannel, { pattern: RegExp; example: string }> = {
  // The ids are positive integers the channels number from 1; no zero, no leading zeros (`0123` would be a second
  // name for listing 123).
  naver_smart_store: { pattern: /^[1-9]\d{0,19}(:[1-9]\d{0,19})?$/, example: '8123456789:51234567' },
  coupang_wing: { pattern: /^[1-9]\d{0,19}$/, example: '70123456789' },
  coupang_rocket_growth: { pattern: /^[1-9]\d{0,19}$/, example: '70123456789' },
};

export const putListing = async (deps: InventoryDeps, tenantId: string, input: ListingInput): Promise<{ listing: ListingView; created: boolean }> => {
  const format = externalIdFormats[input.channel];
  if (!format.pattern.test(input.externalId)) {
    const what = input.channel === 'naver_smart_store' ? 'originProductNo:optionCombinationId (positive whole numbers)' : 'the vendorItemId (a positive whole number)';
    throw new DomainError('invalid', `externalId for ${input.channel} is ${what}, e.g. ${format.example}`, { details: { field: 'externalId' } });
  }
  const now = deps.clock.now();
  const settings = { bufferUnits: input.bufferUnits ?? 0, allocationPercent: input.allocationPercent ?? 100 };
  const outcome = await deps.store.transaction(async (unit) => {
    if (!(await unit.getItem(tenantId, input.sku))) throw new DomainError('not_found', `SKU ${input.sku} was not found`, { details: { sku: input.sku } });
    const { created, listing } = await unit.insertListing({
      tenantId, channel: input.channel, externalId: input.externalId, sku: input.sku, ...settings,
      pushedQuantity: null, pushedAt: null, channelQuantity: null, checkedAt: null, lastError: null, createdAt: now,
    });
    let stored = listing;
    if (!created) {
      if (listing.sku !== input.sku) {
        throw new DomainError('conflict', `${input.channel} listing ${input.externalId} already sells ${listing.sku}; a listing sells exactly one SKU or bundle`, {
          details: { channel: input.channel, externalId: input.externalId, sku: listing.sku },
        });
      }
      stored = await unit.updateListingSettings(tenantId, input.channel, input.externalId, settings);
    }
    const shares = await sharesOf(unit, tenantId, [stored.sku]);
    return { listing: toListingView(stored, shares.get(stored.sku) ?? 0), created };
  });
  // A new listing, or a new buffer or allocation, changes what the channel may sell.
  deps.changes?.stockChanged(tenantId, [input.sku]);
  return outcome;
};

export const listListings = async (deps: InventoryDeps, tenantId: string, filter: { sku?: string | undefined } = {}): Promise<ListingView[]> => {
  const listings = await deps.store.listings(tenantId, filter.sku ? { skus: [filter.sku] } : {});
  const shares = await sharesOf(deps.store, tenantId, listings.map((l) => l.sku));
  return listings.map((l) => toListingView(l, shares.get(l.sku) ?? 0));
};
