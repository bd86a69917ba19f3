import * as z from 'zod';
import type { PlanVersion } from '../../core/billing/model.ts';
import { listPlans } from '../../core/billing/plans.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { schemaOf } from '../kit/schema.ts';
import { entitlementsSchema, interval, iso, krw, planCode } from './schemas.ts';

/** The wire shows `effectiveFrom` as an ISO string. */
const toBillingPlanBody = (p: PlanVersion) => ({
  id: p.id, code: p.code, name: p.name, interval: p.interval, version: p.version, effectiveFrom: p.effectiveFrom.toISOString(),
  priceKrw: p.priceKrw, trialDays: p.trialDays, entitlements: p.entitlements,
});

const billingPlanSchema = schemaOf<ReturnType<typeof toBillingPlanBody>>()(
  z
    .object({
      id: z.string().describe('What to subscribe to, e.g. basic-monthly'),
      code: planCode,
      name: z.string(),
      interval,
      version: z.number().int().describe('Price version; a new version applies to periods starting after its effectiveFrom'),
      effectiveFrom: iso,
      priceKrw: krw,
      trialDays: z.number().int(),
      entitlements: entitlementsSchema,
    })
    .meta({ id: 'BillingPlan' }),
);

export const listPlansEndpoint = defineEndpoint({
  id: 'billing.listPlans',
  method: 'GET',
  path: '/v1/billing/plans',
  summary: 'Plans on sale now, with prices (VAT-inclusive KRW) and entitlements',
  tags: ['billing'],
  access: 'public',
  responses: { 200: z.object({ items: z.array(billingPlanSchema), free: z.object({ entitlements: entitlementsSchema }) }) },
  run: async (_input, ctx) => {
    const offer = listPlans({ plans: ctx.ports.billing.plans, clock: ctx.ports.clock });
    return { status: 200, body: { items: offer.items.map(toBillingPlanBody), free: offer.free }, headers: { 'cache-control': 'public, max-age=300' } };
  },
});
