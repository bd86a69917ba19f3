import * as z from 'zod';
import type { Page, SellerProduct, SellerProductsQuery, SellerProductSummary } from '../../core/coupang/model.ts';
import { getSellerProduct, listSellerProducts } from '../../core/coupang/seller-products.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';
import { requireTenant } from '../kit/tenant.ts';
import { wingProblems } from './schemas.ts';

const summaryFields = {
  sellerProductId: z.string().describe('Kept as a string: Wing ids exceed what some JSON readers hold exactly'),
  sellerProductName: z.string(),
  productId: z.string().nullable().describe("Coupang's catalogue product, once matched"),
  displayCategoryCode: z.string().nullable(),
  brand: z.string().nullable(),
  statusName: z.string().describe("Wing's status, e.g. 승인완료"),
  createdAt: z.string().nullable(),
  saleStartedAt: z.string().nullable(),
  saleEndedAt: z.string().nullable(),
};

const sellerProductsPage = schemaOf<Page<SellerProductSummary>>()(
  z
    .object({
      items: z.array(z.object(summaryFields).meta({ id: 'CoupangSellerProductSummary' })),
      nextToken: z.string().nullable().describe('Send back as nextToken for the next page; null on the last'),
    })
    .meta({ id: 'CoupangSellerProductsPage' }),
);

const sellerProduct = schemaOf<SellerProduct>()(
  z
    .object({
      ...summaryFields,
      items: z.array(
        z.object({
          vendorItemId: z.string().describe('The option id (orders, stock and prices name it)'),
          itemName: z.string(),
          originalPrice: z.number().nullable().describe('Won'),
          salePrice: z.number().nullable().describe('Won'),
          maximumBuyCount: z.number().nullable(),
          externalVendorSku: z.string().nullable(),
        }),
      ),
    })
    .meta({ id: 'CoupangSellerProduct' }),
);

const pageQuery = inputOf<SellerProductsQuery>()(
  z.object({
    limit: z.coerce.number().int('expected an integer').min(1, 'expected 1 to 100').max(100, 'expected 1 to 100').default(50),
    nextToken: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected the nextToken of a previous page').optional(),
  }),
);

export const listSellerProductsEndpoint = defineEndpoint({
  id: 'coupang.listSellerProducts',
  method: 'GET',
  path: '/v1/coupang/seller-products',
  summary: "The seller's products on Coupang Wing, a page at a time",
  description:
    "Through the tenant's Coupang Wing connection (404 without one). `limit` 1..100 per page; send `nextToken` back for the next page. " +
    'A connection whose credentials Coupang refuses answers 502 and is marked rejected.',
  tags: ['coupang'],
  access: 'tenant',
  query: pageQuery,
  responses: { 200: sellerProductsPage, ...wingProblems },
  run: async ({ query }, ctx) => ({
    status: 200,
    body: await listSellerProducts({ coupang: ctx.ports.coupang, connections: ctx.ports.connections }, requireTenant(ctx).tenantId, query, { signal: ctx.signal }),
  }),
});

export const getSellerProductEndpoint = defineEndpoint({
  id: 'coupang.getSellerProduct',
  method: 'GET',
  path: '/v1/coupang/seller-products/{sellerProductId}',
  summary: 'One seller product with its items (options) from Coupang Wing',
  description: "Through the tenant's Coupang Wing connection (404 without one, or when the account holds no such product).",
  tags: ['coupang'],
  access: 'tenant',
  params: z.object({ sellerProductId: z.string().regex(/^\d{1,20}$/, 'expected a seller product id (digits)') }),
  responses: { 200: sellerProduct, ...wingProblems },
  run: async ({ params }, ctx) => ({
    status: 200,
    body: await getSellerProduct({ coupang: ctx.ports.coupang, connections: ctx.ports.connections }, requireTenant(ctx).tenantId, params.sellerProductId, { signal: ctx.signal }),
  }),
});
