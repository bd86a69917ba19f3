import * as z from 'zod';
import { planVersionOf, type PlanCatalog, type PlanVersion } from '../../core/billing/plans.ts';
import type { PaymentRecord } from '../../core/billing/ports.ts';
import type { SubscriptionView } from '../../core/billing/subscriptions.ts';
import { subscriptionStates } from '../../core/billing/subscription.ts';
import { DomainError } from '../../core/shared/errors.ts';
import type { EndpointContext } from '../kit/endpoint.ts';

const iso = z.iso.datetime();
const krw = z.number().int().nonnegative().describe('KRW, VAT included');

export const entitlementsSchema = z
  .object({
    apiCallsPerDay: z.number().int(),
    trackedKeywords: z.number().int(),
    agentRunsPerMonth: z.number().int(),
    members: z.number().int(),
  })
  .meta({ id: 'Entitlements' });

export const planSchema = z
  .object({
    id: z.string().describe('What to subscribe to, e.g. basic-monthly'),
    code: z.enum(['free', 'basic', 'pro']),
    name: z.string(),
    interval: z.enum(['month', 'year']),
    version: z.number().int().describe('Price version; a new version applies to periods starting after its effectiveFrom'),
    effectiveFrom: iso,
    priceKrw: krw,
    trialDays: z.number().int(),
    entitlements: entitlementsSchema,
  })
  .meta({ id: 'BillingPlan' });

export const planOut = (p: PlanVersion) => ({
  id: p.id, code: p.code, name: p.name, interval: p.interval, version: p.version, effectiveFrom: p.effectiveFrom.toISOString(),
  priceKrw: p.priceKrw, trialDays: p.trialDays, entitlements: p.entitlements,
});

export const subscriptionViewSchema = z
  .object({
    subscription: z
      .object({
        id: z.string(),
        state: z.enum(subscriptionStates),
        plan: z.object({ id: z.string(), code: z.enum(['free', 'basic', 'pro']), name: z.string(), interval: z.enum(['month', 'year']), version: z.number().int() }),
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
    effectivePlan: z.object({ code: z.enum(['free', 'basic', 'pro']), planId: z.string().nullable() }),
    entitlements: entitlementsSchema,
  })
  .meta({ id: 'SubscriptionView' });

export const subscriptionOut = (catalog: PlanCatalog, view: SubscriptionView) => {
  const s = view.subscription;
  const plan = s ? planVersionOf(catalog, s.planId, s.planVersion) : undefined;
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
    card: view.card ? { number: view.card.number, issuerCode: view.card.issuerCode, cardType: view.card.cardType, ownerType: view.card.ownerType } : null,
    effectivePlan: { code: view.effective.planCode, planId: view.effective.planId },
    entitlements: view.effective.entitlements,
  };
};

export const paymentSchema = z
  .object({
    paymentKey: z.string(),
    orderId: z.string(),
    kind: z.enum(['initial', 'renewal', 'upgrade', 'refund']),
    orderName: z.string(),
    status: z.string().describe('Toss payment status: DONE, CANCELED, PARTIAL_CANCELED, ...'),
    amountKrw: krw,
    balanceKrw: krw.describe('What remains after refunds'),
    card: z.string().nullable().describe('Masked card number'),
    receiptUrl: z.string().nullable(),
    approvedAt: iso.nullable(),
    subscriptionId: z.string(),
  })
  .meta({ id: 'BillingPayment' });

export const paymentOut = (p: PaymentRecord) => ({
  paymentKey: p.paymentKey, orderId: p.orderId, kind: p.kind, orderName: p.orderName, status: p.status, amountKrw: p.amountKrw, balanceKrw: p.balanceKrw,
  card: p.cardNumber, receiptUrl: p.receiptUrl, approvedAt: p.approvedAt?.toISOString() ?? null, subscriptionId: p.subscriptionId,
});

/** The billing ports with the clock, as core's use cases take them. */
export const depsOf = (ctx: EndpointContext) => ({ ...ctx.ports.billing, clock: ctx.ports.clock, rateCounter: ctx.ports.rateCounter });

/** The calling tenant; billing changes are for owners. */
export const tenantOf = (ctx: EndpointContext, opts: { owner?: boolean } = {}): string => {
  const p = ctx.principal;
  if (p.kind !== 'tenant') throw new DomainError('forbidden', 'This endpoint needs a tenant credential.');
  if (opts.owner && p.role !== 'owner') {
    throw new DomainError('forbidden', 'Only an owner of the tenant may change its billing; this credential has the member role.', { details: { requiredRole: 'owner' } });
  }
  return p.tenantId;
};

export const authKeyField = z.string().min(1, 'authKey is required').max(300).describe('One-time key from the Toss card registration window');
export const customerKeyField = z
  .string()
  .regex(/^[A-Za-z0-9_=.@-]{2,300}$/, 'expected 2..300 characters of letters, digits, - _ = . @')
  .describe('Your stable id for this customer at Toss (not an email or phone number)');
