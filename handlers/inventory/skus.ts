import * as z from 'zod';
import type { AdjustmentInput, NewSkuInput, PageRequest } from '../../core/inventory/model.ts';
import { adjustmentReasons } from '../../core/inventory/model.ts';
import { adjustStock, createSku, getStock, listStock, readLedger } from '../../core/inventory/stock.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { problemSchema } from '../kit/problem.ts';
import { inputOf } from '../kit/schema.ts';
import { requireTenant } from '../kit/tenant.ts';
import { depsOf, itemName, ledgerEntrySchema, pageQuery, skuCode, stockSchema, toLedgerEntryBody, toStockBody, units } from './schemas.ts';

const skuParams = z.object({ sku: skuCode });
const notFound = { 404: problemSchema.describe('The tenant has no SKU or bundle with this code.') };

export const createSkuEndpoint = defineEndpoint({
  id: 'inventory.createSku',
  method: 'POST',
  path: '/v1/inventory/skus',
  summary: 'Create a SKU with its opening stock (recorded in its ledger as a receipt)',
  tags: ['inventory'],
  access: 'tenant',
  body: inputOf<NewSkuInput>()(
    z.object({
      sku: skuCode,
      name: itemName.describe('What the SKU is, e.g. 캠핑의자 블랙'),
      onHand: units(10_000_000).optional().describe('Opening stock (default 0)'),
      safetyStock: units(10_000_000).optional().describe('Units kept back from every channel (default 0)'),
    }),
  ),
  example: { sku: 'TENT-001', name: '캠핑 텐트 4인용', onHand: 40, safetyStock: 2 },
  responses: { 201: stockSchema, 409: problemSchema.describe('The tenant already has a SKU or bundle with this code.') },
  run: async ({ body }, ctx) => {
    const { tenantId, actorId } = requireTenant(ctx);
    return { status: 201, body: toStockBody(await createSku(depsOf(ctx), tenantId, actorId, body)) };
  },
});

export const listSkusEndpoint = defineEndpoint({
  id: 'inventory.listSkus',
  method: 'GET',
  path: '/v1/inventory/skus',
  summary: 'SKUs and bundles with stock and availability, by SKU code (cursor-paginated)',
  tags: ['inventory'],
  access: 'tenant',
  query: inputOf<PageRequest>()(z.object(pageQuery(200))),
  responses: { 200: z.object({ items: z.array(stockSchema), nextCursor: z.string().nullable() }) },
  run: async ({ query }, ctx) => {
    const page = await listStock(depsOf(ctx), requireTenant(ctx).tenantId, query);
    return { status: 200, body: { items: page.items.map(toStockBody), nextCursor: page.nextCursor } };
  },
});

export const getSkuEndpoint = defineEndpoint({
  id: 'inventory.getSku',
  method: 'GET',
  path: '/v1/inventory/skus/{sku}',
  summary: 'One SKU or bundle: onHand, reserved, available and what each channel was last told',
  tags: ['inventory'],
  access: 'tenant',
  params: skuParams,
  responses: { 200: stockSchema, ...notFound },
  run: async ({ params }, ctx) => ({ status: 200, body: toStockBody(await getStock(depsOf(ctx), requireTenant(ctx).tenantId, params.sku)) }),
});

export const adjustStockEndpoint = defineEndpoint({
  id: 'inventory.adjustStock',
  method: 'POST',
  path: '/v1/inventory/skus/{sku}/adjustments',
  summary: 'Change a SKU\'s stock by a delta, with the reason and your reference (appended to its ledger)',
  description: 'A bundle has no stock: adjust its components. A change that would leave less on hand than is reserved answers 409.',
  tags: ['inventory'],
  access: 'tenant',
  params: skuParams,
  body: inputOf<AdjustmentInput>()(
    z.object({
      delta: z.number().int().min(-10_000_000).max(10_000_000).describe('Units added (positive) or taken (negative); not 0'),
      reason: z.enum(adjustmentReasons).describe('receipt, adjustment, sale, cancel, return or sync_correction'),
      reference: z.string().min(1).max(200).optional().describe('What it belongs to: an order id, a receipt number'),
    }),
  ),
  example: { delta: 12, reason: 'receipt', reference: 'PO-2026-0412' },
  responses: {
    201: z.object({ entry: ledgerEntrySchema, stock: stockSchema }),
    ...notFound,
    409: problemSchema.describe('The change would leave less on hand than open reservations hold.'),
  },
  run: async ({ params, body }, ctx) => {
    const { tenantId, actorId } = requireTenant(ctx);
    const { entry, stock } = await adjustStock(depsOf(ctx), tenantId, actorId, params.sku, body);
    return { status: 201, body: { entry: toLedgerEntryBody(entry), stock: toStockBody(stock) } };
  },
});

export const listLedgerEndpoint = defineEndpoint({
  id: 'inventory.listLedger',
  method: 'GET',
  path: '/v1/inventory/skus/{sku}/ledger',
  summary: 'Every change of a SKU\'s stock, newest first (cursor-paginated); onHand is the sum of its onHandDelta',
  tags: ['inventory'],
  access: 'tenant',
  params: skuParams,
  query: inputOf<PageRequest>()(z.object(pageQuery(500))),
  responses: { 200: z.object({ items: z.array(ledgerEntrySchema), nextCursor: z.string().nullable() }), ...notFound },
  run: async ({ params, query }, ctx) => {
    const page = await readLedger(depsOf(ctx), requireTenant(ctx).tenantId, params.sku, query);
    return { status: 200, body: { items: page.items.map(toLedgerEntryBody), nextCursor: page.nextCursor } };
  },
});
