/**
 * The tenant's subscription: read, cancel, resume, change plan, change card.
 */
import * as z from 'zod';
import { cancelAtPeriodEnd, cancelNow, changePaymentMethod, changePlan, getSubscription, resume } from '../../core/billing/subscriptions.ts';
import { defineEndpoint, NO_STORE } from '../kit/endpoint.ts';
import { problemSchema } from '../kit/problem.ts';
import { requireTenant } from '../kit/tenant.ts';
import { authKeyField, customerKeyField, depsOf, ownerOnly, providerFailed, subscriptionViewSchema, toSubscriptionViewBody } from './schemas.ts';

// What the subscription use cases answer besides success (the toolkit adds the common statuses).
const noSubscription = { 404: problemSchema.describe('The tenant has no subscription.') };
const changed = { 409: problemSchema.describe('The subscription (or another payment of the tenant) changed meanwhile; retry.') };
const refused = { 422: problemSchema.describe('Not possible in the subscription\'s state, or the card was declined (`code` is the Toss error code).') };

export const getSubscriptionEndpoint = defineEndpoint({
  id: 'billing.getSubscription',
  method: 'GET',
  path: '/v1/billing/subscription',
  summary: 'The current subscription: state, period, entitlements and the masked card (free plan without one)',
  tags: ['billing'],
  access: 'tenant',
  metered: false,
  responses: { 200: subscriptionViewSchema },
  run: async (_input, ctx) => ({ status: 200, body: toSubscriptionViewBody(await getSubscription(depsOf(ctx), requireTenant(ctx).tenantId)) }),
});

export const cancelEndpoint = defineEndpoint({
  id: 'billing.cancel',
  method: 'POST',
  path: '/v1/billing/subscription/cancel',
  summary: 'Cancel at the period end (default), or now with a prorated refund of the unused part',
  tags: ['billing'],
  access: 'tenant',
  role: 'owner',
  metered: false,
  body: z.object({
    when: z.enum(['period_end', 'now']).default('period_end'),
    reason: z.string().min(1).max(200).default('customer request'),
  }),
  example: { when: 'period_end' },
  responses: { 200: subscriptionViewSchema.extend({ refundedKrw: z.number().int().nonnegative() }), ...noSubscription, ...changed, ...refused, ...providerFailed },
  run: async ({ body }, ctx) => {
    const { tenantId } = requireTenant(ctx, ownerOnly);
    const deps = depsOf(ctx);
    if (body.when === 'now') {
      const { refundedKrw, ...view } = await cancelNow(deps, tenantId, body.reason, ctx.signal);
      return { status: 200, body: { ...toSubscriptionViewBody(view), refundedKrw } };
    }
    return { status: 200, body: { ...toSubscriptionViewBody(await cancelAtPeriodEnd(deps, tenantId)), refundedKrw: 0 } };
  },
});

export const resumeEndpoint = defineEndpoint({
  id: 'billing.resume',
  method: 'POST',
  path: '/v1/billing/subscription/resume',
  summary: 'Withdraw a cancellation at period end (before the period ends)',
  tags: ['billing'],
  access: 'tenant',
  role: 'owner',
  metered: false,
  responses: { 200: subscriptionViewSchema, ...noSubscription, ...changed, ...refused },
  run: async (_input, ctx) => {
    const { tenantId } = requireTenant(ctx, ownerOnly);
    return { status: 200, body: toSubscriptionViewBody(await resume(depsOf(ctx), tenantId)) };
  },
});

export const changePlanEndpoint = defineEndpoint({
  id: 'billing.changePlan',
  method: 'POST',
  path: '/v1/billing/subscription/change-plan',
  summary: 'Upgrade now (prorated charge) or downgrade at the period end',
  tags: ['billing'],
  access: 'tenant',
  role: 'owner',
  metered: false,
  body: z.object({ plan: z.string().min(1).describe('The plan id to move to (same billing interval)') }),
  example: { plan: 'pro-monthly' },
  responses: {
    200: subscriptionViewSchema.extend({ chargedKrw: z.number().int().nonnegative().describe('Prorated upgrade charge, 0 for a downgrade') }),
    ...noSubscription, ...changed, ...refused, ...providerFailed,
  },
  run: async ({ body }, ctx) => {
    const { tenantId } = requireTenant(ctx, ownerOnly);
    const { chargedKrw, ...view } = await changePlan(depsOf(ctx), tenantId, body.plan, ctx.signal);
    return { status: 200, body: { ...toSubscriptionViewBody(view), chargedKrw } };
  },
});

export const changePaymentMethodEndpoint = defineEndpoint({
  id: 'billing.changePaymentMethod',
  method: 'PUT',
  path: '/v1/billing/subscription/payment-method',
  summary: 'Replace the card: a new authKey becomes a new billing key and the old one is discarded',
  tags: ['billing'],
  access: 'tenant',
  role: 'owner',
  metered: false,
  body: z.object({ authKey: authKeyField, customerKey: customerKeyField }),
  example: { authKey: 'auth_ok_9d8e7f', customerKey: 'cust_3f9a1b2c' },
  responses: { 200: subscriptionViewSchema, ...noSubscription, ...changed, ...refused, ...providerFailed },
  run: async ({ body }, ctx) => {
    const { tenantId } = requireTenant(ctx, ownerOnly);
    return { status: 200, body: toSubscriptionViewBody(await changePaymentMethod(depsOf(ctx), tenantId, body, ctx.signal)), headers: NO_STORE };
  },
});
