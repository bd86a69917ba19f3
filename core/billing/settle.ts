/**
 * Applying a charge's outcome, shared by the synchronous endpoints, the renewal runner, reconciliation and
 * webhooks. Every path resolves the intent first with a conditional update, so whichever of them gets there
 * first applies the effect and the rest change nothing.
 */
import { planVersionOf, periodBounds } from './plans.ts';
import type { GatewayPayment, PaymentIntent, PaymentRecord, PlanCatalog, Subscription } from './model.ts';
import type { BillingUnit } from './ports.ts';
import { transition } from './subscription.ts';

const hex = (uuid: string): string => uuid.replaceAll('-', '');

/**
 * Order ids are deterministic per (kind, subscription, period, attempt), so a retry of the same charge can only
 * ever repeat it (Toss answers a repeated Idempotency-Key with the first response and refuses a second payment
 * of one order id). Format: `<kind>-<subscription hex>-<period>-<attempt>`, within Toss's 6..64 [A-Za-z0-9-_=].
 */
export const orderIdFor = (kind: 'rn' | 'up' | 'rf', subscriptionId: string, periodIndex: number, attempt: number): string =>
  `${kind}-${hex(subscriptionId)}-${periodIndex}-${attempt}`;
export const idempotencyKeyFor = (orderId: string): string => `sellpo-${orderId}`;

export const paymentRecordOf = (intent: PaymentIntent, payment: GatewayPayment, now: Date): PaymentRecord => ({
  paymentKey: payment.paymentKey,
  tenantId: intent.tenantId,
  subscriptionId: intent.subscriptionId,
  orderId: payment.orderId,
  kind: intent.kind,
  periodIndex: intent.periodIndex,
  orderName: payment.orderName,
  status: payment.status,
  amountKrw: payment.totalAmount,
  balanceKrw: payment.balanceAmount,
  cardNumber: payment.card?.number ?? null,
  receiptUrl: payment.receiptUrl,
  approvedAt: payment.approvedAt,
  createdAt: now,
  updatedAt: now,
});

/** The subscription a paid initial intent creates. */
export const firstSubscription = (intent: PaymentIntent, catalog: PlanCatalog, customerKey: string, anchor: Date): Subscription => {
  const plan = planVersionOf(catalog, intent.planId, intent.planVersion);
  if (!plan) throw new Error(`plan ${intent.planId} v${intent.planVersion} is not in the catalog`);
  const { start, end } = periodBounds(anchor, plan.interval, 0);
  return {
    id: intent.subscriptionId, tenantId: intent.tenantId, state: transition('trialing', 'charge_succeeded'), planId: plan.id, planVersion: plan.version,
    amountKrw: intent.amountKrw, anchor, periodIndex: 0, currentPeriodStart: start, currentPeriodEnd: end, trialEndsAt: null,
    pendingPlanId: null, billingKeyId: intent.billingKeyId, customerKey, attempt: 0, dunningStep: 0, nextActionAt: end,
    canceledAt: null, endedAt: null, createdAt: anchor, version: 1,
  };
};

/** Bounds of the period after the current one (trial periods are index 0 and do not count towards the anchor). */
export const nextPeriod = (sub: Subscription, interval: 'month' | 'year'): { index: number; start: Date; end: Date } => {
  const index = sub.periodIndex + 1;
  const paidIndex = index - (sub.trialEndsAt ? 1 : 0);
  return { index, ...periodBounds(sub.anchor, interval, paidIndex) };
};

export type SettleResult = 'applied' | 'already_settled' | 'refund_pending';

/**
 * Records a paid intent: the payment row and the effect its kind has on the subscription. Runs inside the
 * caller's transaction. A subscription that moved on (another path settled it) is left alone.
 */
export const settlePaid = async (unit: BillingUnit, catalog: PlanCatalog, intent: PaymentIntent, payment: GatewayPayment, now: Date): Promise<SettleResult> => {
  if (payment.totalAmount !== intent.amountKrw) {
    // Never silently accept a payment that is not what we asked for: leave the intent for an operator.
    throw new Error(`payment ${payment.orderId} is for ${payment.totalAmount} KRW, the intent for ${intent.amountKrw} KRW`);
  }
  if (!(await unit.resolveIntent(intent.id, { status: 'succeeded', paymentKey: payment.paymentKey, at: now }))) return 'already_settled';
  await unit.upsertPayment(paymentRecordOf(intent, payment, now));
  if (intent.kind === 'renewal') {
    const sub = await unit.lockSubscription(intent.tenantId, intent.subscriptionId);
    if (!sub || sub.periodIndex + 1 !== intent.periodIndex) return 'applied';
    const plan = planVersionOf(catalog, intent.planId, intent.planVersion);
    if (!plan) throw new Error(`plan ${intent.planId} v${intent.planVersion} is not in the catalog`);
    const next = nextPeriod(sub, plan.interval);
    const state = sub.state === 'expired' ? 'expired' : transition(sub.state, 'charge_succeeded');
    await unit.updateSubscription({
      ...sub, state, planId: plan.id, planVersion: plan.version, amountKrw: intent.amountKrw, periodIndex: next.index,
      currentPeriodStart: next.start, currentPeriodEnd: next.end, pendingPlanId: null, attempt: 0, dunningStep: 0,
      nextActionAt: state === 'expired' ? null : next.end, version: sub.version + 1,
    });
  } else if (intent.kind === 'upgrade') {
    const sub = await unit.lockSubscription(intent.tenantId, intent.subscriptionId);
    if (!sub || sub.periodIndex !== intent.periodIndex || sub.state === 'expired') return 'applied';
    const plan = planVersionOf(catalog, intent.planId, intent.planVersion);
    if (!plan) throw new Error(`plan ${intent.planId} v${intent.planVersion} is not in the catalog`);
    await unit.updateSubscription({
      ...sub, state: transition(sub.state, 'change_plan'), planId: plan.id, planVersion: plan.version, amountKrw: plan.priceKrw,
      pendingPlanId: null, version: sub.version + 1,
    });
  }
  return 'applied';
};

/** The subscription of an initial intent that was paid: created, unless the tenant got another one meanwhile. */
export const settleInitial = async (
  unit: BillingUnit, catalog: PlanCatalog, intent: PaymentIntent, payment: GatewayPayment, customerKey: string, now: Date,
): Promise<{ result: SettleResult; subscription: Subscription | null }> => {
  if (!(await unit.resolveIntent(intent.id, { status: 'succeeded', paymentKey: payment.paymentKey, at: now }))) {
    return { result: 'already_settled', subscription: await unit.getSubscription(intent.tenantId, intent.subscriptionId) };
  }
  await unit.upsertPayment(paymentRecordOf(intent, payment, now));
  const sub = firstSubscription(intent, catalog, customerKey, intent.createdAt);
  if (await unit.insertSubscription(sub)) return { result: 'applied', subscription: sub };
  // Paid, but the tenant holds another live subscription by now (reconciled late): the money goes back.
  const orderId = orderIdFor('rf', intent.subscriptionId, 0, 0);
  await unit.recordIntent({
    ...intent, id: crypto.randomUUID(), kind: 'refund', orderId, idempotencyKey: idempotencyKeyFor(orderId), targetPaymentKey: payment.paymentKey,
    status: 'pending', paymentKey: null, failureCode: null, failureMessage: null, createdAt: now, resolvedAt: null,
  });
  return { result: 'refund_pending', subscription: null };
};
