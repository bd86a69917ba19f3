/**
 * Use cases a tenant drives: subscribe, read, cancel, resume, change plan, change card, payment history.
 */
import { sha256Hex } from '../shared/hash.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { effectivePlan } from './entitlements.ts';
import { planAt, planRank, planVersionOf } from './plans.ts';
import type { CardInfo, Entitlements, GatewayPayment, PaymentIntent, PaymentRecord, PlanCode, PlanVersion, StoredBillingKey, Subscription, SubscriptionView } from './model.ts';
import type { BillingDeps, BillingUnit } from './ports.ts';
import { MINIMUM_CHARGE_KRW, unusedShare, upgradeCharge } from './proration.ts';
import { idempotencyKeyFor, orderIdFor, paymentRecordOf, settleInitial, settlePaid } from './settle.ts';
import { liveStates, transition } from './subscription.ts';


const isLive = (sub: Subscription | null): sub is Subscription => sub !== null && liveStates.includes(sub.state);

const requirePlan = (deps: BillingDeps, planId: string, at: Date, field = 'plan'): PlanVersion => {
  const plan = planAt(deps.plans, planId, at);
  if (!plan) {
    const known = [...new Set(deps.plans.map((p) => p.id))];
    throw new DomainError('invalid', `There is no plan '${planId}'; choose one of ${known.join(', ')}.`, { details: { field, known } });
  }
  return plan;
};

// ---- reading ------------------------------------------------------------------------------------------

/** What the tenant is entitled to now (entitlements.ts, where metering reads it without the use cases). */
export { effectivePlan };

export const getSubscription = async (deps: BillingDeps, tenantId: string): Promise<SubscriptionView> => {
  const [sub, budget] = await Promise.all([deps.store.latestSubscription(tenantId), deps.store.apiCallBudget(tenantId)]);
  const key = sub ? await deps.store.getBillingKey(tenantId, sub.billingKeyId) : null;
  const plan = sub ? (planVersionOf(deps.plans, sub.planId, sub.planVersion) ?? null) : null;
  const effective = effectivePlan(deps, sub, deps.clock.now());
  // An administrator's daily API-call budget stands in for the plan's (entitlements.ts, planOf).
  return { subscription: sub, plan, card: key?.card ?? null, effective: budget === null ? effective : { ...effective, entitlements: { ...effective.entitlements, apiCallsPerDay: budget } } };
};

export const listPayments = (deps: BillingDeps, tenantId: string, page: { limit: number; cursor?: string | undefined }) =>
  deps.store.listPayments(tenantId, page);

// ---- subscribing --------------------------------------------------------------------------------------

export interface SubscribeInput {
  planId: string;
  authKey: string;
  customerKey: string;
  /** Start with the plan's free trial (only a tenant's first subscription). */
  trial?: boolean;
}

const storeIssuedKey = async (deps: BillingDeps, unit: BillingUnit, tenantId: string, id: string, issued: { billingKey: string; customerKey: string; card: CardInfo }, now: Date): Promise<void> => {
  const key: StoredBillingKey = { id, tenantId, customerKey: issued.customerKey, sealed: deps.vault.seal(issued.billingKey), card: issued.card, createdAt: now, discardedAt: null };
  await unit.insertBillingKey(key);
};

const openKey = async (deps: BillingDeps, tenantId: string, id: string): Promise<string> => {
  const key = await deps.store.getBillingKey(tenantId, id);
  if (!key || key.discardedAt) throw new DomainError('unprocessable', 'The card on file was removed; register a new payment method.', { details: { reason: 'no_billing_key' } });
  return deps.vault.open(key.sealed);
};

/** A declined charge as the caller sees it: 422 with the provider's code (never a card number). */
const declined = (code: string, message: string) =>
  new DomainError('unprocessable', `The card was declined: ${message}`, { details: { reason: 'payment_declined', code } });
const unknownOutcome = () =>
  new DomainError('unavailable', 'The payment provider did not confirm the charge in time; send the same request again to learn its outcome.', { retryAfterSeconds: 5 });
/** A transient provider error (PROVIDER_ERROR and the like): nothing was charged and the same request may pay later. */
const providerUnavailable = (code: string) =>
  new DomainError('unavailable', 'The payment provider failed for a moment and nothing was charged; send the same request again shortly.', {
    retryAfterSeconds: PROVIDER_RETRY_AFTER_SECONDS,
    details: { reason: 'provider_unavailable', code, retryable: true },
  });
const PROVIDER_RETRY_AFTER_SECONDS = 10;
/** Attempts one authKey may make at a first charge before a transient failure counts as final. */
const MAX_INITIAL_ATTEMPTS = 10;
/** Attempt 0 keeps the original order id; later ones (after a transient failure) add the attempt number. */
const initialOrderId = (h: string, attempt: number): string => (attempt === 0 ? `in-${h}` : `in-${h}-${attempt}`);

/** The newest attempt of an authKey's first charge: attempts after a transient failure follow one another. */
const latestInitialIntent = async (unit: Pick<BillingUnit, 'getIntentByOrderId'>, h: string): Promise<PaymentIntent | null> => {
  let latest: PaymentIntent | null = null;
  for (let attempt = 0; attempt < MAX_INITIAL_ATTEMPTS; attempt++) {
    const intent = await unit.getIntentByOrderId(initialOrderId(h, attempt));
    if (!intent) return latest;
    latest = intent;
    if (intent.status !== 'failed') return intent;
  }
  return latest;
};

/**
 * Issues the billing key and charges the first period (or starts the trial). The order id is derived from the
 * tenant and the one-time authKey, so a retried request (same authKey) finds the same intent and reconciles it
 * instead of charging again.
 */
export const subscribe = async (deps: BillingDeps, tenantId: string, input: SubscribeInput, signal?: AbortSignal): Promise<SubscriptionView> => {
  const now = deps.clock.now();
  const plan = requirePlan(deps, input.planId, now);
  const h = sha256Hex(`${tenantId}:${input.authKey}`).slice(0, 40);
  const orderId = initialOrderId(h, 0);
  const billingKeyId = `bk-${h}`;

  const existing = await latestInitialIntent(deps.store, h);
  if (existing && existing.tenantId !== tenantId) throw new DomainError('conflict', 'This authKey was already used.');
  if (!existing) {
    const live = await deps.store.latestSubscription(tenantId);
    if (isLive(live)) throw new DomainError('conflict', `The tenant already has a ${live.state} subscription; change its plan instead.`, { details: { subscriptionId: live.id, state: live.state } });
    if (input.trial) {
      if (plan.trialDays <= 0) throw new DomainError('invalid', `Plan ${plan.id} has no trial.`, { details: { field: 'trial' } });
      if (await deps.store.hasEverSubscribed(tenantId)) throw new DomainError('unprocessable', 'The free trial is for a first subscription only.', { details: { reason: 'trial_used' } });
    }
  }

  const issued = await deps.gateway.issueBillingKey({ authKey: input.authKey, customerKey: input.customerKey, idempotencyKey: `sellpo-issue-${h}` }, signal);

  if (input.trial && !existing) {
    const trialEnd = new Date(now.getTime() + plan.trialDays * 86_400_000);
    const sub: Subscription = {
      id: crypto.randomUUID(), tenantId, state: 'trialing', planId: plan.id, planVersion: plan.version, amountKrw: 0, anchor: trialEnd,
      periodIndex: 0, currentPeriodStart: now, currentPeriodEnd: trialEnd, trialEndsAt: trialEnd, pendingPlanId: null, billingKeyId,
      customerKey: issued.customerKey, attempt: 0, dunningStep: 0, nextActionAt: trialEnd, canceledAt: null, endedAt: null, createdAt: now, version: 1,
    };
    await deps.store.transaction(async (unit) => {
      await unit.lockTenant(tenantId);
      if (isLive(await unit.latestSubscription(tenantId))) throw new DomainError('conflict', 'The tenant already has a live subscription.');
      await storeIssuedKey(deps, unit, tenantId, billingKeyId, issued, now);
      await unit.insertSubscription(sub);
    });
    return getSubscription(deps, tenantId);
  }

  const intent = await deps.store.transaction(async (unit) => {
    await unit.lockTenant(tenantId);
    const recorded = await latestInitialIntent(unit, h);
    if (recorded) return recorded;
    if (isLive(await unit.latestSubscription(tenantId))) throw new DomainError('conflict', 'The tenant already has a live subscription.');
    if ((await unit.pendingInitialIntents(tenantId)).length > 0) {
      throw new DomainError('conflict', 'Another subscription payment of this tenant is in progress; retry that request.', { retryAfterSeconds: 5 });
    }
    await storeIssuedKey(deps, unit, tenantId, billingKeyId, issued, now);
    return unit.recordIntent({
      id: crypto.randomUUID(), tenantId, subscriptionId: crypto.randomUUID(), kind: 'initial', periodIndex: 0, attempt: 0, orderId,
      idempotencyKey: idempotencyKeyFor(orderId), amountKrw: plan.priceKrw, orderName: `Sell-Po ${plan.name}`, planId: plan.id, planVersion: plan.version,
      billingKeyId, targetPaymentKey: null, status: 'pending', paymentKey: null, failureCode: null, failureMessage: null, createdAt: now, resolvedAt: null,
    });
  }, signal ? { signal } : undefined);

  if (intent.status === 'succeeded') return getSubscription(deps, tenantId);
  if (intent.status === 'failed') throw new DomainError('unprocessable', 'This card authorisation was already used for a payment that failed; authorise the card again.', { details: { reason: 'auth_key_used', code: intent.failureCode } });
  await driveInitial(deps, intent, h, issued.billingKey, issued.customerKey, signal);
  return getSubscription(deps, tenantId);
};

/**
 * Charges (or re-finds) an initial intent and settles it; throws the caller-facing error when it did not pay. A
 * transient provider error is tried again at once as a new attempt (new order id), at most `retryableAttempts`
 * times; after that the next attempt stays recorded for the caller's retry (503 with Retry-After), and the
 * runner abandons it if no retry comes.
 */
const driveInitial = async (deps: BillingDeps, first: PaymentIntent, h: string, billingKey: string, customerKey: string, signal?: AbortSignal): Promise<void> => {
  let intent = first;
  for (let tries = 0; ; tries++) {
    const found = await deps.gateway.getPaymentByOrderId(intent.orderId, signal).catch(() => null);
    const outcome = found?.status === 'DONE'
      ? ({ kind: 'paid', payment: found } as const)
      : await deps.gateway.charge({ billingKey, customerKey, amountKrw: intent.amountKrw, orderId: intent.orderId, orderName: intent.orderName, idempotencyKey: intent.idempotencyKey }, signal);
    const now = deps.clock.now();
    if (outcome.kind === 'paid') {
      const current = intent;
      const settled = await deps.store.transaction((unit) => settleInitial(unit, deps.plans, current, outcome.payment, customerKey, now));
      if (settled.result === 'applied') await deps.notifier.notify(intent.tenantId, { kind: 'receipt', subscriptionId: intent.subscriptionId, orderId: intent.orderId, amountKrw: intent.amountKrw, receiptUrl: outcome.payment.receiptUrl });
      return;
    }
    if (outcome.kind === 'unknown') throw unknownOutcome();
    const current = intent;
    const retry = outcome.retryable && current.attempt + 1 < MAX_INITIAL_ATTEMPTS;
    const next = await deps.store.transaction(async (unit) => {
      if (!(await unit.resolveIntent(current.id, { status: 'failed', failureCode: outcome.code, failureMessage: outcome.message, at: now }))) return null;
      if (!retry) {
        await unit.discardBillingKey(current.tenantId, current.billingKeyId, now);
        return null;
      }
      // Nothing was charged: the next attempt (its own order id and Idempotency-Key) is recorded before it is sent.
      const orderId = initialOrderId(h, current.attempt + 1);
      return unit.recordIntent({
        ...current, id: crypto.randomUUID(), attempt: current.attempt + 1, orderId, idempotencyKey: idempotencyKeyFor(orderId), status: 'pending',
        paymentKey: null, failureCode: null, failureMessage: null, createdAt: now, resolvedAt: null,
      });
    });
    if (!retry) throw declined(outcome.code, outcome.message);
    if (!next || tries >= deps.policy.retryableAttempts) throw providerUnavailable(outcome.code);
    intent = next;
  }
};

// ---- changing a live subscription --------------------------------------------------------------------

/** Reads the tenant's live subscription, applies `change` and writes it; a concurrent change answers 409. */
const mutate = async (deps: BillingDeps, tenantId: string, change: (sub: Subscription, now: Date) => Subscription): Promise<Subscription> => {
  const now = deps.clock.now();
  return deps.store.transaction(async (unit) => {
    const latest = await unit.latestSubscription(tenantId);
    if (!latest) throw notFound('Subscription');
    const sub = await unit.lockSubscription(tenantId, latest.id);
    if (!sub) throw notFound('Subscription');
    const next = { ...change(sub, now), version: sub.version + 1 };
    if (!(await unit.updateSubscription(next))) throw new DomainError('conflict', 'The subscription changed meanwhile; try again.');
    return next;
  });
};

export const cancelAtPeriodEnd = async (deps: BillingDeps, tenantId: string): Promise<SubscriptionView> => {
  const sub = await mutate(deps, tenantId, (s, now) => {
    const state = transition(s.state, 'cancel');
    return state === 'expired'
      ? { ...s, state, canceledAt: now, endedAt: now, nextActionAt: null }
      : { ...s, state, canceledAt: now, nextActionAt: s.currentPeriodEnd, pendingPlanId: null };
  });
  await deps.notifier.notify(tenantId, sub.state === 'expired' ? { kind: 'expired', subscriptionId: sub.id } : { kind: 'expiring', subscriptionId: sub.id, endsAt: sub.currentPeriodEnd });
  return getSubscription(deps, tenantId);
};

/**
 * Ends the subscription now and refunds the unused share of the current period. The refund intents are
 * recorded in the same transaction as the state change, with their amounts fixed, then carried out; a crash in
 * between leaves pending intents that the runner completes with the same Idempotency-Key (never a second refund).
 */
export const cancelNow = async (deps: BillingDeps, tenantId: string, reason: string, signal?: AbortSignal): Promise<SubscriptionView & { refundedKrw: number }> => {
  const now = deps.clock.now();
  const refunds = await deps.store.transaction(async (unit) => {
    const latest = await unit.latestSubscription(tenantId);
    if (!latest) throw notFound('Subscription');
    const sub = await unit.lockSubscription(tenantId, latest.id);
    if (!sub) throw notFound('Subscription');
    const state = transition(sub.state, 'cancel_now');
    // Only a paid period that has not ended leaves something to refund (not a trial, not a past-due grace).
    let owed = sub.state === 'active' || sub.state === 'canceled' ? unusedShare(sub.amountKrw, sub.currentPeriodStart, sub.currentPeriodEnd, now) : 0;
    const intents: PaymentIntent[] = [];
    let n = 0;
    for (const p of await unit.periodPayments(sub.id, sub.periodIndex)) {
      if (owed <= 0) break;
      const amount = Math.min(owed, p.balanceKrw);
      if (amount <= 0) continue;
      const orderId = orderIdFor('rf', sub.id, sub.periodIndex, n++);
      intents.push(await unit.recordIntent({
        id: crypto.randomUUID(), tenantId, subscriptionId: sub.id, kind: 'refund', periodIndex: sub.periodIndex, attempt: 0, orderId,
        idempotencyKey: idempotencyKeyFor(orderId), amountKrw: amount, orderName: reason, planId: sub.planId, planVersion: sub.planVersion,
        billingKeyId: sub.billingKeyId, targetPaymentKey: p.paymentKey, status: 'pending', paymentKey: null, failureCode: null, failureMessage: null,
        createdAt: now, resolvedAt: null,
      }));
      owed -= amount;
    }
    await unit.updateSubscription({ ...sub, state, canceledAt: sub.canceledAt ?? now, endedAt: now, nextActionAt: null, pendingPlanId: null, version: sub.version + 1 });
    return intents;
  }, signal ? { signal } : undefined);
  let refundedKrw = 0;
  for (const intent of refunds) {
    if (await executeRefund(deps, intent, signal)) refundedKrw += intent.amountKrw;
  }
  await deps.notifier.notify(tenantId, { kind: 'expired', subscriptionId: refunds[0]?.subscriptionId ?? (await deps.store.latestSubscription(tenantId))!.id });
  return { ...(await getSubscription(deps, tenantId)), refundedKrw };
};

/** Carries out a pending refund intent; true when it is done (now or before). Failures stay pending for the runner. */
export const executeRefund = async (deps: BillingDeps, intent: PaymentIntent, signal?: AbortSignal): Promise<boolean> => {
  let payment: GatewayPayment;
  try {
    payment = await deps.gateway.cancel({ paymentKey: intent.targetPaymentKey!, reason: intent.orderName, amountKrw: intent.amountKrw, idempotencyKey: intent.idempotencyKey }, signal);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'unprocessable') {
      // NOT_CANCELABLE_AMOUNT and the like: nothing moved and retrying will not help; an operator must look.
      await deps.store.resolveIntent(intent.id, { status: 'failed', failureCode: String(error.details?.code ?? 'REFUND_REFUSED'), failureMessage: error.message, at: deps.clock.now() });
      return false;
    }
    return false;
  }
  const now = deps.clock.now();
  const applied = await deps.store.transaction(async (unit) => {
    if (!(await unit.resolveIntent(intent.id, { status: 'succeeded', paymentKey: payment.paymentKey, at: now }))) return false;
    const record = await unit.findPaymentByKey(payment.paymentKey);
    if (record) await unit.upsertPayment({ ...record, status: payment.status, balanceKrw: payment.balanceAmount, updatedAt: now });
    return true;
  });
  if (applied) await deps.notifier.notify(intent.tenantId, { kind: 'refund', subscriptionId: intent.subscriptionId, paymentKey: payment.paymentKey, amountKrw: intent.amountKrw });
  return true;
};

export const resume = async (deps: BillingDeps, tenantId: string): Promise<SubscriptionView> => {
  await mutate(deps, tenantId, (s, now) => {
    if (s.state === 'canceled' && now.getTime() >= s.currentPeriodEnd.getTime()) {
      throw new DomainError('unprocessable', 'The canceled period has ended; subscribe again.', { details: { state: s.state } });
    }
    return { ...s, state: transition(s.state, 'resume'), canceledAt: null, nextActionAt: s.currentPeriodEnd };
  });
  return getSubscription(deps, tenantId);
};

/**
 * Upgrade now with a prorated charge (the unused share of the new price minus that of the old), or downgrade at
 * the period end. Switching between monthly and yearly is not a plan change (periods are anchored per interval).
 */
export const changePlan = async (deps: BillingDeps, tenantId: string, planId: string, signal?: AbortSignal): Promise<SubscriptionView & { chargedKrw: number }> => {
  const now = deps.clock.now();
  const sub = await deps.store.latestSubscription(tenantId);
  if (!sub) throw notFound('Subscription');
  transition(sub.state, 'change_plan');
  const target = requirePlan(deps, planId, now);
  const current = planVersionOf(deps.plans, sub.planId, sub.planVersion)!;
  if (target.interval !== current.interval) {
    throw new DomainError('invalid', `Plan ${target.id} bills ${target.interval}ly and the subscription ${current.interval}ly; cancel and subscribe to switch.`, { details: { field: 'plan' } });
  }
  const upgrade = planRank(target.code) > planRank(current.code) || (target.code === current.code && target.priceKrw > sub.amountKrw);
  if (target.id === current.id || !upgrade || sub.state === 'trialing') {
    await mutate(deps, tenantId, (s) => {
      if (s.id !== sub.id) throw new DomainError('conflict', 'The subscription changed meanwhile; try again.');
      const st = transition(s.state, 'change_plan');
      if (s.state === 'trialing') return { ...s, state: st, planId: target.id, planVersion: target.version, pendingPlanId: null };
      return { ...s, state: st, pendingPlanId: target.id === s.planId ? null : target.id };
    });
    return { ...(await getSubscription(deps, tenantId)), chargedKrw: 0 };
  }
  const amount = upgradeCharge(sub.amountKrw, target.priceKrw, sub.currentPeriodStart, sub.currentPeriodEnd, now);
  if (amount < MINIMUM_CHARGE_KRW) {
    await mutate(deps, tenantId, (s) => ({ ...s, state: transition(s.state, 'change_plan'), planId: target.id, planVersion: target.version, amountKrw: target.priceKrw, pendingPlanId: null }));
    return { ...(await getSubscription(deps, tenantId)), chargedKrw: 0 };
  }
  const orderId = orderIdFor('up', sub.id, sub.periodIndex, sub.version);
  const intent = await deps.store.recordIntent({
    id: crypto.randomUUID(), tenantId, subscriptionId: sub.id, kind: 'upgrade', periodIndex: sub.periodIndex, attempt: sub.version, orderId,
    idempotencyKey: idempotencyKeyFor(orderId), amountKrw: amount, orderName: `Sell-Po upgrade to ${target.name}`, planId: target.id, planVersion: target.version,
    billingKeyId: sub.billingKeyId, targetPaymentKey: null, status: 'pending', paymentKey: null, failureCode: null, failureMessage: null, createdAt: now, resolvedAt: null,
  });
  // A repeat of an upgrade whose card was declined: the same answer, never a charge reported that did not happen.
  if (intent.status === 'failed') throw declined(intent.failureCode ?? 'DECLINED', intent.failureMessage ?? 'the payment failed');
  if (intent.status === 'pending') {
    const billingKey = await openKey(deps, tenantId, sub.billingKeyId);
    const outcome = await deps.gateway.charge({ billingKey, customerKey: sub.customerKey, amountKrw: intent.amountKrw, orderId, orderName: intent.orderName, idempotencyKey: intent.idempotencyKey }, signal);
    if (outcome.kind === 'unknown') throw unknownOutcome();
    if (outcome.kind === 'declined') {
      await deps.store.transaction(async (unit) => {
        if (!(await unit.resolveIntent(intent.id, { status: 'failed', failureCode: outcome.code, failureMessage: outcome.message, at: deps.clock.now() }))) return;
        if (!outcome.retryable) return;
        // A transient failure charged nothing: a new subscription version gives the retry its own order id.
        const s = await unit.lockSubscription(tenantId, sub.id);
        if (s) await unit.updateSubscription({ ...s, version: s.version + 1 });
      });
      throw outcome.retryable ? providerUnavailable(outcome.code) : declined(outcome.code, outcome.message);
    }
    const applied = await deps.store.transaction((unit) => settlePaid(unit, deps.plans, intent, outcome.payment, deps.clock.now()));
    if (applied === 'applied') await deps.notifier.notify(tenantId, { kind: 'receipt', subscriptionId: sub.id, orderId, amountKrw: amount, receiptUrl: outcome.payment.receiptUrl });
  }
  return { ...(await getSubscription(deps, tenantId)), chargedKrw: intent.amountKrw };
};

/** New authKey -> new billing key; the old one is wiped. A past-due subscription is retried at the next run. */
export const changePaymentMethod = async (deps: BillingDeps, tenantId: string, input: { authKey: string; customerKey: string }, signal?: AbortSignal): Promise<SubscriptionView> => {
  const sub = await deps.store.latestSubscription(tenantId);
  if (!sub) throw notFound('Subscription');
  transition(sub.state, 'change_payment_method');
  const h = sha256Hex(`${tenantId}:${input.authKey}`).slice(0, 40);
  const issued = await deps.gateway.issueBillingKey({ authKey: input.authKey, customerKey: input.customerKey, idempotencyKey: `sellpo-issue-${h}` }, signal);
  const now = deps.clock.now();
  const newKeyId = `bk-${h}`;
  let oldKeyId: string | null = null;
  await deps.store.transaction(async (unit) => {
    const s = await unit.lockSubscription(tenantId, sub.id);
    if (!s) throw notFound('Subscription');
    const state = transition(s.state, 'change_payment_method');
    if (s.billingKeyId === newKeyId) return;
    await storeIssuedKey(deps, unit, tenantId, newKeyId, issued, now);
    oldKeyId = s.billingKeyId;
    await unit.updateSubscription({
      ...s, state, billingKeyId: newKeyId, customerKey: issued.customerKey, version: s.version + 1,
      ...(s.state === 'past_due' ? { nextActionAt: now } : {}),
    });
    await unit.discardBillingKey(tenantId, oldKeyId, now);
  }, signal ? { signal } : undefined);
  return getSubscription(deps, tenantId);
};
