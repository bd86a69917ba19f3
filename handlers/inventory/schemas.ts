import * as z from 'zod';
import type { LedgerEntry, StockView } from '../../core/inventory/model.ts';
import { listingChannels } from '../../core/inventory/model.ts';
import type { EndpointContext } from '../kit/endpoint.ts';
import { schemaOf } from '../kit/schema.ts';

export const iso = z.iso.datetime();

/** Letters, digits and . _ - (no slash: a SKU is a path segment), as sellers write seller codes. */
export const skuCode = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1..64 letters, digits, . _ - starting with a letter or digit')
  .describe('Your SKU code (seller management code), e.g. TENT-001');

/** An order id or any reference of yours: printable ASCII without spaces or slashes. */
export const referenceCode = z
  .string()
  .regex(/^[A-Za-z0-9._:@#-]{1,128}$/, 'expected 1..128 letters, digits or . _ : @ # -')
  .describe('Your reference: an order id, a receipt number');

/** What a SKU or bundle is called: trimmed like every other name, so one of spaces only is blank. */
export const itemName = z.string().trim().min(1, 'must not be blank').max(200, 'expected at most 200 characters');

export const channel = z.enum(listingChannels).describe('naver_smart_store, coupang_wing or coupang_rocket_growth');

export const units = (max: number) => z.number().int().min(0).max(max);

/** The wire shows instants as ISO strings. */
export const toStockBody = (v: StockView) => ({
  sku: v.sku, name: v.name, kind: v.kind, onHand: v.onHand, reserved: v.reserved, available: v.available, safetyStock: v.safetyStock,
  components: v.components,
  channels: v.channels.map((c) => ({ channel: c.channel, externalId: c.externalId, pushedQuantity: c.pushedQuantity, pushedAt: c.pushedAt?.toISOString() ?? null })),
  createdAt: v.createdAt.toISOString(), updatedAt: v.updatedAt.toISOString(),
});

export const stockSchema = schemaOf<ReturnType<typeof toStockBody>>()(
  z
    .object({
      sku: z.string(),
      name: z.string(),
      kind: z.enum(['sku', 'bundle']),
      onHand: z.number().int().nullable().describe('Units in stock (null for a bundle: it has no stock of its own)'),
      reserved: z.number().int().nullable().describe('Units held by open reservations (null for a bundle)'),
      available: z.number().int().describe('onHand - reserved; for a bundle, min over components of floor(available / quantity)'),
      safetyStock: z.number().int().describe('Units kept back from every channel'),
      components: z.array(z.object({ sku: z.string(), quantity: z.number().int() })).nullable().describe('A bundle\'s components (null for a plain SKU)'),
      channels: z
        .array(z.object({ channel, externalId: z.string(), pushedQuantity: z.number().int().nullable(), pushedAt: iso.nullable() }))
        .describe('Each listing of this SKU and the quantity last pushed to its channel'),
      createdAt: iso,
      updatedAt: iso,
    })
    .meta({ id: 'InventoryStock' }),
);

export const toLedgerEntryBody = (e: LedgerEntry) => ({
  seq: e.seq, sku: e.sku, onHandDelta: e.onHandDelta, reservedDelta: e.reservedDelta, reason: e.reason, actor: e.actor, reference: e.reference,
  onHandAfter: e.onHandAfter, reservedAfter: e.reservedAfter, at: e.at.toISOString(),
});

export const ledgerEntrySchema = schemaOf<ReturnType<typeof toLedgerEntryBody>>()(
  z
    .object({
      seq: z.number().int().describe('1, 2, 3, ... within the SKU'),
      sku: z.string(),
      onHandDelta: z.number().int(),
      reservedDelta: z.number().int(),
      reason: z.enum(['receipt', 'adjustment', 'sale', 'cancel', 'return', 'reservation', 'release', 'sync_correction']),
      actor: z.string().describe('Who made the change (the credential\'s actor id; `system` for expiry)'),
      reference: z.string().nullable(),
      onHandAfter: z.number().int(),
      reservedAfter: z.number().int(),
      at: iso,
    })
    .meta({ id: 'InventoryLedgerEntry' }),
);

export const pageQuery = (max: number) => ({
  limit: z.coerce.number().int().min(1).max(max).default(50),
  cursor: z.string().max(400).regex(/^[A-Za-z0-9_-]+$/, 'expected the nextCursor of a previous page').optional().describe('The nextCursor of the previous page'),
});

/** The inventory ports with the clock, as core's use cases take them. */
export const depsOf = (ctx: EndpointContext) => ({ ...ctx.ports.inventory, clock: ctx.ports.clock });
