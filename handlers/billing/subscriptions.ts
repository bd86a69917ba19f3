import * as z from 'zod';
import { subscribe } from '../../core/billing/subscriptions.ts';
import { defineEndpoint, NO_STORE } from '../kit/endpoint.ts';
import { problemSchema } from '../kit/problem.ts';
import { requireTenant } from '../kit/tenant.ts';
import { authKeyField, customerKeyField, depsOf, ownerOnly, providerFailed, subscriptionViewSchema, toSubscriptionViewBody } from './schemas.ts';

export const subscribeEndpoint = defineEndpoint({
  id: 'billing.subscribe',
  method: 'POST',
  path: '/v1/billing/subscriptions',
  summary: 'Subscribe: register the card (authKey -> billing key) and pay the first period, or start the trial',
  description:
    'Repeat the same request (same authKey) to learn the outcome of one that timed out: it never charges twice. ' +
    'A declined card answers 422 with the Toss error code.',
  tags: ['billing'],
  access: 'tenant',
  role: 'owner',
  metered: false,
  body: z.object({
    plan: z.string().min(1).describe('A plan id from GET /v1/billing/plans, e.g. basic-monthly'),
    authKey: authKeyField,
    customerKey: customerKeyField,
    trial: z.boolean().optional().describe('Start with the plan\'s free trial (first subscription only)'),
  }),
  example: { plan: 'basic-monthly', authKey: 'auth_ok_4f1c2a', customerKey: 'cust_3f9a1b2c' },
  responses: {
    201: subscriptionViewSchema,
    409: problemSchema.describe('The tenant already has a live subscription, the authKey was used, or another payment is running.'),
    422: problemSchema.describe('The card was declined (`code` is the Toss error code), the trial was used, or the authKey was refused.'),
    ...providerFailed,
  },
  run: async ({ body }, ctx) => {
    const { tenantId } = requireTenant(ctx, ownerOnly);
    const { plan: planId, ...card } = body;
    const view = await subscribe(depsOf(ctx), tenantId, { planId, ...card }, ctx.signal);
    return { status: 201, body: toSubscriptionViewBody(view), headers: NO_STORE };
  },
});
