import * as z from 'zod';
import { ORDER_STATUSES, type OrdersQuery, type OrdersResult } from '../../core/coupang/model.ts';
import { listOrders } from '../../core/coupang/orders.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';
import { requireTenant } from '../kit/tenant.ts';
import { wingProblems } from './schemas.ts';

const moment = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$/, 'expected a day yyyy-MM-dd or a minute yyyy-MM-ddTHH:mm, in Korean time');

const ordersQuery = inputOf<OrdersQuery>()(
  z.object({
    from: moment,
    to: moment,
    status: z.enum(ORDER_STATUSES, { error: `expected one of ${ORDER_STATUSES.join(', ')}` }),
    nextToken: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected the nextToken of a previous answer').optional(),
  }),
);

const money = z.number().int().describe('Won');
const ordersResult = schemaOf<OrdersResult>()(
  z
    .object({
      mode: z.enum(['daily', 'timeFrame']).describe('Whole days (paged) or a window of minutes (one call)'),
      from: z.string(),
      to: z.string(),
      status: z.enum(ORDER_STATUSES),
      orders: z.array(
        z
          .object({
            shipmentBoxId: z.string().describe('18 digits: a string, past what a double holds'),
            orderId: z.string(),
            orderedAt: z.string().nullable(),
            paidAt: z.string().nullable(),
            status: z.string(),
            shippingPrice: money,
            remotePrice: money,
            deliveryCompanyName: z.string().nullable(),
            invoiceNumber: z.string().nullable(),
            deliveredDate: z.string().nullable(),
            items: z.array(
              z.object({
                vendorItemId: z.string(),
                vendorItemName: z.string(),
                productId: z.string().nullable(),
                sellerProductId: z.string(),
                sellerProductName: z.string(),
                sellerProductItemName: z.string().nullable(),
                externalVendorSkuCode: z.string().nullable(),
                shippingCount: z.number().int().describe('Units, net of cancels'),
                salesPrice: money,
                orderPrice: money,
                discountPrice: money,
                cancelCount: z.number().int(),
                holdCountForCancel: z.number().int(),
                confirmDate: z.string().nullable(),
                estimatedShippingDate: z.string().nullable(),
                canceled: z.boolean(),
              }),
            ),
          })
          .meta({ id: 'CoupangOrderSheet' }),
      ),
      nextToken: z.string().nullable().describe('More sheets remain: send it back as nextToken'),
    })
    .meta({ id: 'CoupangOrders' }),
);

export const listOrdersEndpoint = defineEndpoint({
  id: 'coupang.listOrders',
  method: 'GET',
  path: '/v1/coupang/orders',
  summary: "The seller's Coupang order sheets in one status over a period",
  description:
    "Through the tenant's Coupang Wing connection (404 without one). `from`/`to` are whole Korean days (`yyyy-MM-dd`, both included, at most 31; " +
    'paged, about 500 sheets an answer, then `nextToken`) or Korean minutes (`yyyy-MM-ddTHH:mm`, at most 24 hours, one answer). ' +
    "The receiver's personal data is not returned.",
  tags: ['coupang'],
  access: 'tenant',
  query: ordersQuery,
  responses: { 200: ordersResult, ...wingProblems },
  run: async ({ query }, ctx) => ({
    status: 200,
    body: await listOrders({ coupang: ctx.ports.coupang, connections: ctx.ports.connections }, requireTenant(ctx).tenantId, query, { signal: ctx.signal }),
  }),
});
