import * as z from 'zod';
import type { Entitlements, SubscriptionView } from '../../core/billing/model.ts';
import { subscriptionStates } from '../../core/billing/subscription.ts';
import type { EndpointContext } from '../kit/endpoint.ts';
import { problemSchema } from '../kit/problem.ts';
import { schemaOf } from '../kit/schema.ts';

export const iso = z.iso.datetime();
export const krw = z.number().int().nonnegative().describe('KRW, VAT included');
export const planCode = z.enum(['free', 'basic', 'pro']);
export const interval = z.enum(['month', 'year']);

export const entitlementsSchema = schemaOf<Entitlements>()(
  z
    .object({
      apiCallsPerDay: z.number().int(),
      trackedKeywords: z.number().int(),
      agentRunsPerMonth: z.number().int(),
      members: z.number().int(),
    })
    .meta({ id: 'Entitlements' }),
);

/** The wire shows instants as ISO strings, the plan by name, and `cancelAtPeriodEnd` for the canceled state. */
export const toSubscriptionViewBody = (view: SubscriptionView) => {
  const { subscription: s, plan, card } = view;
  return {
    subscription:
      s && plan
        ? {
            id: s.id, state: s.state,
            plan: { id: plan.id, code: plan.code, name: plan.name, interval: plan.interval, version: plan.version },
            amountKrw: s.amountKrw,
            currentPeriod: { start: s.currentPeriodStart.toISOString(), end: s.currentPeriodEnd.toISOString() },
            trialEndsAt: s.trialEndsAt?.toISOString() ?? null,
            cancelAtPeriodEnd: s.state === 'canceled',
            pendingPlanId: s.pendingPlanId,
            nextActionAt: s.nextActionAt?.toISOString() ?? null,
            canceledAt: s.canceledAt?.toISOString() ?? null,
            endedAt: s.endedAt?.toISOString() ?? null,
            createdAt: s.createdAt.toISOString(),
          }
        : null,
    card: card ? { number: card.number, issuerCode: card.issuerCode, cardType: card.cardType, ownerType: card.ownerType } : null,
    effectivePlan: { code: view.effective.planCode, planId: view.effective.planId },
    entitlements: view.effective.entitlements,
  };
};

export const subscriptionViewSchema = schemaOf<ReturnType<typeof toSubscriptionViewBody>>()(
  z
    .object({
      subscription: z
        .object({
          id: z.string(),
          state: z.enum(subscriptionStates),
          plan: z.object({ id: z.string(), code: planCode, name: z.string(), interval, version: z.number().int() }),
          amountKrw: krw.describe('Price of the current period'),
          currentPeriod: z.object({ start: iso, end: iso }),
          trialEndsAt: iso.nullable(),
          cancelAtPeriodEnd: z.boolean(),
          pendingPlanId: z.string().nullable().describe('A downgrade taking effect at the period end'),
          nextActionAt: iso.nullable().describe('When the next charge (or retry, or end) is due'),
          canceledAt: iso.nullable(),
          endedAt: iso.nullable(),
          createdAt: iso,
        })
        .nullable(),
      card: z
        .object({ number: z.string().describe('Masked card number'), issuerCode: z.string().nullable(), cardType: z.string().nullable(), ownerType: z.string().nullable() })
        .nullable(),
      effectivePlan: z.object({ code: planCode, planId: z.string().nullable() }),
      entitlements: entitlementsSchema,
    })
    .meta({ id: 'SubscriptionView' }),
);

export const authKeyField = z.string().min(1, 'authKey is required').max(300).describe('One-time key from the Toss card registration window');
export const customerKeyField = z
  .string()
  .regex(/^[A-Za-z0-9_=.@-]{2,300}$/, 'expected 2..300 characters of letters, digits, - _ = . @')
  .describe('Your stable id for this customer at Toss (not an email or phone number)');

export const providerFailed = { 502: problemSchema.describe('Toss failed or refused our credentials.') };

/** The billing ports with the clock, as core's use cases take them. */
export const depsOf = (ctx: EndpointContext) => ({ ...ctx.ports.billing, clock: ctx.ports.clock, rateCounter: ctx.ports.rateCounter });

/** Billing changes are for owners; requireTenant names what a member may not do. */
export const ownerOnly = { owner: 'change its billing' };
