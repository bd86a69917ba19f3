import * as z from 'zod';
import type { ListingInput, ListingView } from '../../core/inventory/model.ts';
import { listListings, putListing } from '../../core/inventory/listings.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { problemSchema } from '../kit/problem.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';
import { requireTenant } from '../kit/tenant.ts';
import { channel, depsOf, iso, skuCode, units } from './schemas.ts';

const toListingBody = (l: ListingView) => ({
  channel: l.channel, externalId: l.externalId, sku: l.sku, bufferUnits: l.bufferUnits, allocationPercent: l.allocationPercent, sellable: l.sellable,
  pushedQuantity: l.pushedQuantity, pushedAt: l.pushedAt?.toISOString() ?? null, channelQuantity: l.channelQuantity,
  checkedAt: l.checkedAt?.toISOString() ?? null, lastError: l.lastError,
});

const listingSchema = schemaOf<ReturnType<typeof toListingBody>>()(
  z
    .object({
      channel,
      externalId: z.string(),
      sku: z.string().describe('The SKU or bundle this listing sells'),
      bufferUnits: z.number().int(),
      allocationPercent: z.number().int(),
      sellable: z.number().int().describe('floor(max(0, shared - bufferUnits) * allocationPercent / 100), shared = available - safety stock'),
      pushedQuantity: z.number().int().nullable().describe('Last quantity pushed to the channel (null: never)'),
      pushedAt: iso.nullable(),
      channelQuantity: z.number().int().nullable().describe('What the channel showed when last read back'),
      checkedAt: iso.nullable(),
      lastError: z.string().nullable().describe('The last push or read failure, until one succeeds'),
    })
    .meta({ id: 'InventoryListing' }),
);

export const putListingEndpoint = defineEndpoint({
  id: 'inventory.putListing',
  method: 'POST',
  path: '/v1/inventory/listings',
  summary: 'Map a channel listing to the SKU or bundle it sells, with its buffer and allocation',
  description:
    'externalId: Smart Store `originProductNo:optionCombinationId` (or the product number alone without options); Wing and Rocket Growth ' +
    'the vendorItemId. Posting the same listing for the same SKU updates bufferUnits and allocationPercent (200); for another SKU, 409.',
  tags: ['inventory'],
  access: 'tenant',
  body: inputOf<ListingInput>()(
    z.object({
      sku: skuCode,
      channel,
      externalId: z.string().min(1).max(41).describe('Smart Store originProductNo:optionCombinationId; Coupang vendorItemId'),
      bufferUnits: units(1_000_000).optional().describe('Units this listing never shows (default 0)'),
      allocationPercent: z.number().int().min(0).max(100).optional().describe('Share of the rest this listing shows (default 100)'),
    }),
  ),
  example: { sku: 'TENT-001', channel: 'coupang_wing', externalId: '70123456789', bufferUnits: 1, allocationPercent: 80 },
  responses: {
    201: listingSchema,
    200: listingSchema.describe('The listing existed for this SKU: its buffer and allocation were updated'),
    404: problemSchema.describe('The tenant has no SKU or bundle with this code.'),
    409: problemSchema.describe('The listing already sells another SKU or bundle.'),
  },
  run: async ({ body }, ctx) => {
    const { listing, created } = await putListing(depsOf(ctx), requireTenant(ctx).tenantId, body);
    return { status: created ? 201 : 200, body: toListingBody(listing) };
  },
});

export const listListingsEndpoint = defineEndpoint({
  id: 'inventory.listListings',
  method: 'GET',
  path: '/v1/inventory/listings',
  summary: 'Channel listings with their sellable quantity now and what was last pushed and read back',
  tags: ['inventory'],
  access: 'tenant',
  query: z.object({ sku: skuCode.optional().describe('Only the listings of this SKU or bundle') }),
  responses: { 200: z.object({ items: z.array(listingSchema) }) },
  run: async ({ query }, ctx) => ({ status: 200, body: { items: (await listListings(depsOf(ctx), requireTenant(ctx).tenantId, query)).map(toListingBody) } }),
});
