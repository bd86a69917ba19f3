/**
 * The renewal runner: charges every subscription whose period has ended, retries failed ones on the dunning
 * schedule, ends canceled and exhausted ones, and finishes work a crashed process left behind.
 *
 * Exactly one charge per period rests on three things: (1) a runner claims a subscription with a lease
 * (FOR UPDATE SKIP LOCKED), so runners split the work; (2) the payment intent, with an order id and
 * Idempotency-Key deterministic per (subscription, period, attempt), is committed before Toss is called, so a
 * runner that finds a pending intent looks the order up at Toss (and, if Toss never saw it, repeats the very same
 * request) instead of starting a new one; (3) settling is a conditional update of the intent, so of two runners
 * (a slow one past its lease and its successor) only one applies the effect.
 */
import { planAt } from './plans.ts';
import type { ChargeOutcome, PaymentIntent, PlanVersion, RenewalSummary, Subscription } from './model.ts';
import type { BillingDeps } from './ports.ts';
import { idempotencyKeyFor, nextPeriod, orderIdFor, settleInitial, settlePaid } from './settle.ts';
import { transition } from './subscription.ts';
import { executeRefund } from './subscriptions.ts';
import { drainWebhooks } from './webhooks.ts';

export interface RenewalOptions {
  /** Identifies this runner's leases. */
  owner: string;
  /** Subscriptions claimed per round trip. */
  batchSize?: number;
  /** Stop after this many subscriptions (a bounded Lambda invocation). */
  maxSubscriptions?: number;
  signal?: AbortSignal;
  /** Told about failures of single subscriptions (the run goes on). */
  onError?: (subscriptionId: string, error: unknown) => void;
}

const RECHECK_UNKNOWN_MS = 60_000;
const DAY_MS = 86_400_000;

const empty = (): RenewalSummary => ({ claimed: 0, charged: 0, failed: 0, unknown: 0, expired: 0, reconciled: 0, errors: 0 });

export const renewDue = async (deps: BillingDeps, options: RenewalOptions): Promise<RenewalSummary> => {
  const summary = empty();
  const batch = options.batchSize ?? 10;
  const max = options.maxSubscriptions ?? Number.POSITIVE_INFINITY;
  // Each subscription is looked at once a run. One this run left due (and claims again) keeps its new lease and is
  // passed over, so the next claim reaches the rest and the run ends; it comes free when that lease ends.
  const seen = new Set<string>();
  await reconcileStale(deps, summary, options);
  while (summary.claimed < max && !options.signal?.aborted) {
    const now = deps.clock.now();
    const claimed = await deps.store.claimDue(now, Math.min(batch, max - summary.claimed), options.owner, new Date(now.getTime() + deps.policy.leaseSeconds * 1000));
    if (claimed.length === 0) break;
    for (const sub of claimed) {
      if (seen.has(sub.id)) continue;
      seen.add(sub.id);
      summary.claimed++;
      try {
        await renewOne(deps, sub, summary, options.signal);
      } catch (error) {
        summary.errors++;
        options.onError?.(sub.id, error);
        // Look again after a minute rather than spin on a subscription that keeps failing.
        await deferSubscription(deps, sub.id, sub.tenantId, RECHECK_UNKNOWN_MS).catch(() => {});
      } finally {
        await deps.store.releaseLease(sub.id, options.owner).catch(() => {});
      }
    }
  }
  // The webhook queue's sweep (where no worker drains it, this is what does): up to 50 events a run, rate-limited.
  await drainWebhooks(deps, { limit: 50, ...(options.signal ? { signal: options.signal } : {}), onError: (error) => options.onError?.('webhooks', error) })
    .catch((error: unknown) => options.onError?.('webhooks', error));
  return summary;
};

/**
 * Moves the next action of a claimed subscription that has nothing to do yet to when it has (its period end) or
 * clears it (an ended one), so that it is not claimed again until then; a row changed since the claim is left as is.
 */
const reschedule = async (deps: BillingDeps, claimed: Subscription, nextActionAt: Date | null): Promise<void> => {
  await deps.store.transaction(async (unit) => {
    const sub = await unit.lockSubscription(claimed.tenantId, claimed.id);
    if (!sub || sub.version !== claimed.version) return;
    await unit.updateSubscription({ ...sub, nextActionAt, version: sub.version + 1 });
  });
};

const deferSubscription = async (deps: BillingDeps, id: string, tenantId: string, ms: number): Promise<void> => {
  await deps.store.transaction(async (unit) => {
    const sub = await unit.lockSubscription(tenantId, id);
    if (!sub || sub.nextActionAt === null) return;
    await unit.updateSubscription({ ...sub, nextActionAt: new Date(deps.clock.now().getTime() + ms), version: sub.version + 1 });
  });
};

/** Finishes intents a crashed process left pending that no subscription claim will pick up (initial, upgrade, refund). */
const reconcileStale = async (deps: BillingDeps, summary: RenewalSummary, options: RenewalOptions): Promise<void> => {
  const before = new Date(deps.clock.now().getTime() - deps.policy.leaseSeconds * 1000);
  for (const intent of await deps.store.stalePendingIntents(before, 100)) {
    if (intent.kind === 'renewal') continue;
    try {
      if (intent.kind === 'refund') {
        if (await executeRefund(deps, intent, options.signal)) summary.reconciled++;
        continue;
      }
      const found = await deps.gateway.getPaymentByOrderId(intent.orderId, options.signal);
      const now = deps.clock.now();
      if (found && found.status !== 'ABORTED' && found.status !== 'EXPIRED') {
        const result = await deps.store.transaction(async (unit) => {
          if (intent.kind === 'initial') {
            const key = await unit.getBillingKey(intent.tenantId, intent.billingKeyId);
            return (await settleInitial(unit, deps.plans, intent, found, key?.customerKey ?? '', now)).result;
          }
          return settlePaid(unit, deps.plans, intent, found, now);
        });
        if (result === 'applied') {
          await deps.notifier.notify(intent.tenantId, { kind: 'receipt', subscriptionId: intent.subscriptionId, orderId: intent.orderId, amountKrw: intent.amountKrw, receiptUrl: found.receiptUrl });
        }
      } else {
        // Toss never took the order and the request that made it is long gone: nothing was charged.
        await deps.store.transaction(async (unit) => {
          if (await unit.resolveIntent(intent.id, { status: 'failed', failureCode: 'ABANDONED', failureMessage: 'the request ended before the charge was made', at: now })) {
            if (intent.kind === 'initial') await unit.discardBillingKey(intent.tenantId, intent.billingKeyId, now);
          }
        });
      }
      summary.reconciled++;
    } catch (error) {
      summary.errors++;
      options.onError?.(intent.subscriptionId, error);
    }
  }
};

const renewalPlan = (deps: BillingDeps, sub: Subscription, at: Date): PlanVersion => {
  const id = sub.pendingPlanId ?? sub.planId;
  const plan = planAt(deps.plans, id, at);
  if (!plan) throw new Error(`plan ${id} is not on sale at ${at.toISOString()}`);
  return plan;
};

const renewOne = async (deps: BillingDeps, claimed: Subscription, summary: RenewalSummary, signal?: AbortSignal): Promise<void> => {
  const now = deps.clock.now();
  const sub = claimed;

  // Work a crashed runner left: finish it before anything new.
  const pending = (await deps.store.pendingIntents(sub.id)).filter((i) => i.kind === 'renewal');
  for (const intent of pending) {
    const found = await deps.gateway.getPaymentByOrderId(intent.orderId, signal);
    if (found?.status === 'DONE') {
      await applyOutcome(deps, intent, { kind: 'paid', payment: found }, summary);
      summary.reconciled++;
      return;
    }
    // Toss has no payment for the order: repeat exactly the request that may never have arrived.
    summary.reconciled++;
    await chargeIntent(deps, intent, summary, signal);
    return;
  }

  if (sub.state === 'canceled') {
    if (now < sub.currentPeriodEnd) return reschedule(deps, sub, sub.currentPeriodEnd);
    if (await endSubscription(deps, sub, 'period_ended')) summary.expired++;
    return;
  }
  if (sub.state !== 'active' && sub.state !== 'trialing' && sub.state !== 'past_due') return reschedule(deps, sub, null);
  if (now < sub.currentPeriodEnd) return reschedule(deps, sub, sub.currentPeriodEnd); // nextActionAt moved by hand
  if (sub.state === 'past_due' && sub.nextActionAt && now < sub.nextActionAt) return;

  // A new attempt: its intent is committed before Toss hears of it.
  const next = nextPeriod(sub, renewalPlan(deps, sub, sub.currentPeriodEnd).interval);
  const plan = renewalPlan(deps, sub, next.start);
  const orderId = orderIdFor('rn', sub.id, next.index, sub.attempt);
  const intent = await deps.store.recordIntent({
    id: crypto.randomUUID(), tenantId: sub.tenantId, subscriptionId: sub.id, kind: 'renewal', periodIndex: next.index, attempt: sub.attempt, orderId,
    idempotencyKey: idempotencyKeyFor(orderId), amountKrw: plan.priceKrw, orderName: `Sell-Po ${plan.name}`, planId: plan.id, planVersion: plan.version,
    billingKeyId: sub.billingKeyId, targetPaymentKey: null, status: 'pending', paymentKey: null, failureCode: null, failureMessage: null,
    createdAt: now, resolvedAt: null,
  });
  if (intent.status !== 'pending') {
    // Settled by a webhook or another runner since the claim; the subscription row tells the rest.
    return;
  }
  await chargeIntent(deps, intent, summary, signal);
};

/** Sends the intent's charge; a retryable error is re-tried as a new attempt, at most `retryableAttempts` times. */
const chargeIntent = async (deps: BillingDeps, first: PaymentIntent, summary: RenewalSummary, signal?: AbortSignal): Promise<void> => {
  let intent = first;
  for (let tries = 0; ; tries++) {
    const key = await deps.store.getBillingKey(intent.tenantId, intent.billingKeyId);
    const outcome: ChargeOutcome = !key || key.discardedAt
      ? { kind: 'declined', code: 'NO_BILLING_KEY', message: 'no card on file', retryable: false }
      : await deps.gateway.charge({
          billingKey: deps.vault.open(key.sealed), customerKey: key.customerKey, amountKrw: intent.amountKrw, orderId: intent.orderId,
          orderName: intent.orderName, idempotencyKey: intent.idempotencyKey,
        }, signal);
    if (outcome.kind === 'declined' && outcome.retryable && tries < deps.policy.retryableAttempts) {
      const nextAttempt = await recordFailureAndNextAttempt(deps, intent, outcome.code, outcome.message);
      if (!nextAttempt) return;
      intent = nextAttempt;
      continue;
    }
    await applyOutcome(deps, intent, outcome, summary);
    return;
  }
};

/** Resolves a failed attempt and records the next one in the same transaction (a new order id). */
const recordFailureAndNextAttempt = async (deps: BillingDeps, intent: PaymentIntent, code: string, message: string): Promise<PaymentIntent | null> => {
  const now = deps.clock.now();
  return deps.store.transaction(async (unit) => {
    if (!(await unit.resolveIntent(intent.id, { status: 'failed', failureCode: code, failureMessage: message, at: now }))) return null;
    const sub = await unit.lockSubscription(intent.tenantId, intent.subscriptionId);
    if (!sub || sub.periodIndex + 1 !== intent.periodIndex) return null;
    const attempt = sub.attempt + 1;
    await unit.updateSubscription({ ...sub, attempt, version: sub.version + 1 });
    const orderId = orderIdFor('rn', sub.id, intent.periodIndex, attempt);
    return unit.recordIntent({ ...intent, id: crypto.randomUUID(), attempt, orderId, idempotencyKey: idempotencyKeyFor(orderId), createdAt: now, resolvedAt: null, status: 'pending', paymentKey: null, failureCode: null, failureMessage: null });
  });
};

const applyOutcome = async (deps: BillingDeps, intent: PaymentIntent, outcome: ChargeOutcome, summary: RenewalSummary): Promise<void> => {
  const now = deps.clock.now();
  if (outcome.kind === 'paid') {
    const result = await deps.store.transaction((unit) => settlePaid(unit, deps.plans, intent, outcome.payment, now));
    if (result === 'applied') {
      summary.charged++;
      await deps.notifier.notify(intent.tenantId, { kind: 'receipt', subscriptionId: intent.subscriptionId, orderId: intent.orderId, amountKrw: intent.amountKrw, receiptUrl: outcome.payment.receiptUrl });
    }
    return;
  }
  if (outcome.kind === 'unknown') {
    // Money may have moved: keep the intent pending and look the order up after a minute.
    summary.unknown++;
    await deferSubscription(deps, intent.subscriptionId, intent.tenantId, RECHECK_UNKNOWN_MS);
    return;
  }
  // A definite failure: past due, next try on the dunning schedule, or the end of the subscription.
  let notice: { nextAttemptAt: Date | null; expired: boolean } | null = null;
  await deps.store.transaction(async (unit) => {
    if (!(await unit.resolveIntent(intent.id, { status: 'failed', failureCode: outcome.code, failureMessage: outcome.message, at: now }))) return;
    const sub = await unit.lockSubscription(intent.tenantId, intent.subscriptionId);
    if (!sub || sub.periodIndex + 1 !== intent.periodIndex) return;
    const step = sub.state === 'past_due' ? sub.dunningStep + 1 : 0;
    const days = deps.policy.retryDays;
    if (sub.state === 'past_due' && step >= days.length) {
      await unit.updateSubscription({ ...sub, state: transition(sub.state, 'dunning_exhausted'), attempt: sub.attempt + 1, endedAt: now, nextActionAt: null, version: sub.version + 1 });
      notice = { nextAttemptAt: null, expired: true };
      return;
    }
    const nextAttemptAt = new Date(sub.currentPeriodEnd.getTime() + (days[step] ?? 0) * DAY_MS);
    await unit.updateSubscription({
      ...sub, state: transition(sub.state, 'charge_failed'), attempt: sub.attempt + 1, dunningStep: step,
      // Never before now: a late first failure must not schedule its retry in the past.
      nextActionAt: nextAttemptAt > now ? nextAttemptAt : new Date(now.getTime() + DAY_MS), version: sub.version + 1,
    });
    notice = { nextAttemptAt, expired: false };
  });
  const n = notice as { nextAttemptAt: Date | null; expired: boolean } | null;
  if (!n) return;
  summary.failed++;
  await deps.notifier.notify(intent.tenantId, { kind: 'payment_failed', subscriptionId: intent.subscriptionId, orderId: intent.orderId, code: outcome.code, nextAttemptAt: n.nextAttemptAt });
  if (n.expired) {
    summary.expired++;
    await deps.notifier.notify(intent.tenantId, { kind: 'expired', subscriptionId: intent.subscriptionId });
  }
};

/** Ends a canceled subscription; false when it is no longer canceled (resumed meanwhile). */
const endSubscription = async (deps: BillingDeps, sub: Subscription, event: 'period_ended'): Promise<boolean> => {
  const now = deps.clock.now();
  const ended = await deps.store.transaction(async (unit) => {
    const s = await unit.lockSubscription(sub.tenantId, sub.id);
    if (!s || s.state !== 'canceled') return false;
    await unit.updateSubscription({ ...s, state: transition(s.state, event), endedAt: now, nextActionAt: null, version: s.version + 1 });
    await unit.discardBillingKey(s.tenantId, s.billingKeyId, now);
    return true;
  });
  if (ended) await deps.notifier.notify(sub.tenantId, { kind: 'expired', subscriptionId: sub.id });
  return ended;
};
