import * as z from 'zod';
import type { NewBundleInput } from '../../core/inventory/model.ts';
import { MAX_COMPONENTS, createBundle } from '../../core/inventory/stock.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { problemSchema } from '../kit/problem.ts';
import { inputOf } from '../kit/schema.ts';
import { requireTenant } from '../kit/tenant.ts';
import { depsOf, itemName, skuCode, stockSchema, toStockBody } from './schemas.ts';

export const createBundleEndpoint = defineEndpoint({
  id: 'inventory.createBundle',
  method: 'POST',
  path: '/v1/inventory/bundles',
  summary: 'Create a bundle (kit, 1+1 set) drawn from plain SKUs; it has no stock of its own',
  description:
    'Its availability is min over components of floor(available / quantity); reserving or selling it draws its components. ' +
    'Components must be plain SKUs: a bundle inside a bundle is refused (400), so cycles cannot arise.',
  tags: ['inventory'],
  access: 'tenant',
  body: inputOf<NewBundleInput>()(
    z.object({
      sku: skuCode,
      name: itemName,
      components: z.array(z.object({ sku: skuCode, quantity: z.number().int().min(1).max(1_000) })).min(1).max(MAX_COMPONENTS),
    }),
  ),
  example: { sku: 'TENT-SET-2', name: '텐트 1+1 세트', components: [{ sku: 'TENT-001', quantity: 2 }] },
  responses: {
    201: stockSchema,
    409: problemSchema.describe('The tenant already has a SKU or bundle with this code.'),
  },
  run: async ({ body }, ctx) => ({ status: 201, body: toStockBody(await createBundle(depsOf(ctx), requireTenant(ctx).tenantId, body)) }),
});
