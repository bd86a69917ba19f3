import * as z from 'zod';
import { plansOnSale } from '../../core/billing/plans.ts';
import { listPayments } from '../../core/billing/subscriptions.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { depsOf, paymentOut, paymentSchema, planOut, planSchema, tenantOf } from './schemas.ts';

export const listPaymentsEndpoint = defineEndpoint({
  id: 'billing.listPayments',
  method: 'GET',
  path: '/v1/billing/payments',
  summary: 'Payment history, newest first, with receipt links (cursor-paginated)',
  tags: ['billing'],
  access: 'tenant',
  metered: false,
  query: z.object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(400).regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'expected the nextCursor of a previous page').optional().describe('The nextCursor of the previous page (opaque; bound to the tenant)'),
  }),
  responses: { 200: z.object({ items: z.array(paymentSchema), nextCursor: z.string().nullable() }) },
  run: async ({ query }, ctx) => {
    const tenantId = tenantOf(ctx);
    const page = await listPayments(depsOf(ctx), tenantId, { limit: query.limit, cursor: query.cursor });
    return { status: 200, body: { items: page.items.map(paymentOut), nextCursor: page.nextCursor } };
  },
});

export const listPlansEndpoint = defineEndpoint({
  id: 'billing.listPlans',
  method: 'GET',
  path: '/v1/billing/plans',
  summary: 'Plans on sale now, with prices (VAT-inclusive KRW) and entitlements',
  tags: ['billing'],
  access: 'public',
  responses: { 200: z.object({ items: z.array(planSchema), free: z.object({ entitlements: planSchema.shape.entitlements }) }) },
  run: async (_input, ctx) => {
    const { FREE_PLAN } = await import('../../core/billing/plans.ts');
    return {
      status: 200,
      body: { items: plansOnSale(ctx.ports.billing.plans, ctx.ports.clock.now()).map(planOut), free: { entitlements: FREE_PLAN.entitlements } },
      headers: { 'cache-control': 'public, max-age=300' },
    };
  },
});
