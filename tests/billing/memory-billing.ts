/**
 * Billing ports in memory for the use-case tests: a store that keeps the port's promises (conditional intent
 * resolution, versioned subscription updates, one live subscription per tenant, leases) and rolls a failed
 * transaction back, a scripted Toss, a vault, a notifier that records, and a clock the test moves.
 */
import type { Clock } from '../../core/shared/clock.ts';
import { defaultCatalog } from '../../core/billing/plans.ts';
import {
  defaultBillingPolicy, type BillingNotice, type BillingPolicy, type ChargeOutcome, type ChargeRequest, type GatewayPayment, type PaymentIntent,
  type PaymentRecord, type PlanCatalog, type StoredBillingKey, type Subscription, type WebhookEvent,
} from '../../core/billing/model.ts';
import type { BillingDeps, BillingGateway, BillingStore, BillingUnit } from '../../core/billing/ports.ts';
import { liveStates } from '../../core/billing/subscription.ts';

export const DAY_MS = 86_400_000;

export const testClock = (start: string | Date) => {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set: (at: string | Date) => void (t = new Date(at).getTime()),
    advance: (ms: number) => void (t += ms),
  } satisfies Clock & Record<string, unknown>;
};

export interface StoreData {
  subscriptions: Subscription[];
  keys: StoredBillingKey[];
  intents: PaymentIntent[];
  payments: PaymentRecord[];
  webhooks: WebhookEvent[];
  leases: Map<string, { owner: string; until: Date }>;
  lockedTenants: string[];
  /** Order ids of released leases, in order. */
  released: string[];
}

const copy = <T>(value: T): T => structuredClone(value);

export const memoryBillingStore = () => {
  const data: StoreData = { subscriptions: [], keys: [], intents: [], payments: [], webhooks: [], leases: new Map(), lockedTenants: [], released: [] };
  const budgets = new Map<string, number>();
  const unit: BillingUnit = {
    lockTenant: async (tenantId) => void data.lockedTenants.push(tenantId),
    getSubscription: async (tenantId, id) => copy(data.subscriptions.find((s) => s.tenantId === tenantId && s.id === id) ?? null),
    latestSubscription: async (tenantId) => copy(data.subscriptions.filter((s) => s.tenantId === tenantId).at(-1) ?? null),
    lockSubscription: async (tenantId, id) => copy(data.subscriptions.find((s) => s.tenantId === tenantId && s.id === id) ?? null),
    insertSubscription: async (sub) => {
      if (data.subscriptions.some((s) => s.tenantId === sub.tenantId && liveStates.includes(s.state))) return false;
      data.subscriptions.push(copy(sub));
      return true;
    },
    updateSubscription: async (sub) => {
      const i = data.subscriptions.findIndex((s) => s.id === sub.id);
      if (i < 0 || data.subscriptions[i]!.version !== sub.version - 1) return false;
      data.subscriptions[i] = copy(sub);
      return true;
    },
    hasEverSubscribed: async (tenantId) => data.subscriptions.some((s) => s.tenantId === tenantId),
    apiCallBudget: async (tenantId) => budgets.get(tenantId) ?? null,
    setApiCallBudget: async (tenantId, callsPerDay) => {
      if (callsPerDay === null) budgets.delete(tenantId);
      else budgets.set(tenantId, callsPerDay);
      return true;
    },
    insertBillingKey: async (key) => void data.keys.push(copy(key)),
    getBillingKey: async (tenantId, id) => copy(data.keys.find((k) => k.tenantId === tenantId && k.id === id) ?? null),
    discardBillingKey: async (tenantId, id, at) => {
      const key = data.keys.find((k) => k.tenantId === tenantId && k.id === id);
      if (key && !key.discardedAt) Object.assign(key, { discardedAt: at, sealed: { keyId: key.sealed.keyId, data: '' } });
    },
    recordIntent: async (intent) => {
      const found = data.intents.find((i) => i.orderId === intent.orderId);
      if (found) return copy(found);
      data.intents.push(copy(intent));
      return copy(intent);
    },
    getIntentByOrderId: async (orderId) => copy(data.intents.find((i) => i.orderId === orderId) ?? null),
    resolveIntent: async (id, outcome) => {
      const intent = data.intents.find((i) => i.id === id);
      if (!intent || intent.status !== 'pending') return false;
      Object.assign(intent, {
        status: outcome.status, paymentKey: outcome.paymentKey ?? null, failureCode: outcome.failureCode ?? null, failureMessage: outcome.failureMessage ?? null,
        resolvedAt: outcome.at,
      });
      return true;
    },
    pendingIntents: async (subscriptionId) => copy(data.intents.filter((i) => i.subscriptionId === subscriptionId && i.status === 'pending')),
    pendingInitialIntents: async (tenantId) => copy(data.intents.filter((i) => i.tenantId === tenantId && i.kind === 'initial' && i.status === 'pending')),
    stalePendingIntents: async (before, limit) =>
      copy(data.intents.filter((i) => i.status === 'pending' && i.createdAt < before).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).slice(0, limit)),
    upsertPayment: async (payment) => {
      const found = data.payments.find((p) => p.paymentKey === payment.paymentKey);
      if (!found) {
        data.payments.push(copy(payment));
        return true;
      }
      const changed = found.status !== payment.status || found.balanceKrw !== payment.balanceKrw || found.receiptUrl !== payment.receiptUrl;
      if (changed) Object.assign(found, { status: payment.status, balanceKrw: payment.balanceKrw, receiptUrl: payment.receiptUrl, updatedAt: payment.updatedAt });
      return changed;
    },
    getPayment: async (tenantId, key) => copy(data.payments.find((p) => p.tenantId === tenantId && p.paymentKey === key) ?? null),
    periodPayments: async (subscriptionId, periodIndex) => copy(data.payments.filter((p) => p.subscriptionId === subscriptionId && p.periodIndex === periodIndex).reverse()),
    findPaymentByKey: async (key) => copy(data.payments.find((p) => p.paymentKey === key) ?? null),
    listPayments: async (tenantId, page) => ({ items: copy(data.payments.filter((p) => p.tenantId === tenantId).reverse().slice(0, page.limit)), nextCursor: null }),
    recordWebhook: async (event) => {
      if (data.webhooks.some((e) => e.id === event.id)) return false;
      data.webhooks.push(copy(event));
      return true;
    },
    pendingWebhooks: async (source, upTo) => Math.min(upTo, data.webhooks.filter((e) => e.source === source && !e.processedAt).length),
    markWebhook: async (id, outcome) => {
      const event = data.webhooks.find((e) => e.id === id)!;
      event.processedAt = outcome.processedAt;
      if (outcome.error !== null) Object.assign(event, { attempts: event.attempts + 1, lastError: outcome.error });
    },
    deferWebhooks: async (ids, until) => {
      for (const e of data.webhooks) if (ids.includes(e.id)) e.notBefore = until;
    },
    unprocessedWebhooks: async (limit, now) =>
      copy(data.webhooks.filter((e) => !e.processedAt && e.attempts < 20 && (!e.notBefore || e.notBefore <= now)).slice(0, limit)),
  };
  const store: BillingStore = {
    ...unit,
    transaction: async (work) => {
      const saved = copy({ subscriptions: data.subscriptions, keys: data.keys, intents: data.intents, payments: data.payments, webhooks: data.webhooks });
      try {
        return await work(unit);
      } catch (error) {
        Object.assign(data, saved);
        throw error;
      }
    },
    claimDue: async (now, limit, owner, leaseUntil) => {
      const due = data.subscriptions.filter((s) => s.nextActionAt && s.nextActionAt <= now && !((data.leases.get(s.id)?.until ?? new Date(0)) > now)).slice(0, limit);
      for (const s of due) data.leases.set(s.id, { owner, until: leaseUntil });
      return copy(due);
    },
    releaseLease: async (id, owner) => {
      if (data.leases.get(id)?.owner === owner) data.leases.delete(id);
      data.released.push(id);
    },
  };
  return { store, data };
};

/** A payment as Toss would report one for a charge request. */
export const paymentFor = (request: Pick<ChargeRequest, 'orderId' | 'orderName' | 'amountKrw'>, at: Date, key = `pay-${request.orderId}`): GatewayPayment => ({
  paymentKey: key, orderId: request.orderId, orderName: request.orderName, status: 'DONE', totalAmount: request.amountKrw, balanceAmount: request.amountKrw,
  approvedAt: at, receiptUrl: `https://receipt.example/${key}`, card: { number: '4330********123*' }, cancels: [],
});

/**
 * A scripted Toss: charges answer with the outcomes queued by the test (paid by default) and are remembered by
 * order id, as Toss does; cancels take the amount off the payment's balance.
 */
export const scriptedGateway = (clock: Clock) => {
  const charges: ChargeRequest[] = [];
  const outcomes: Array<ChargeOutcome | 'paid'> = [];
  const ledger = new Map<string, GatewayPayment>();
  const cancels: Array<{ paymentKey: string; reason: string; amountKrw?: number; idempotencyKey: string }> = [];
  const cancelErrors: unknown[] = [];
  const lookups: string[] = [];
  const gateway: BillingGateway = {
    issueBillingKey: async (input) => ({ billingKey: `bk-secret-${input.authKey}`, customerKey: input.customerKey, card: { number: '4330********123*', issuerCode: '11', cardType: '신용', ownerType: '개인' } }),
    charge: async (request) => {
      charges.push(request);
      const outcome = outcomes.shift() ?? 'paid';
      if (outcome !== 'paid') return outcome;
      const payment = paymentFor(request, clock.now());
      ledger.set(payment.paymentKey, payment);
      return { kind: 'paid', payment };
    },
    cancel: async (input) => {
      cancels.push(input);
      const error = cancelErrors.shift();
      if (error) throw error;
      const payment = ledger.get(input.paymentKey)!;
      const balance = payment.balanceAmount - (input.amountKrw ?? payment.balanceAmount);
      const after: GatewayPayment = { ...payment, balanceAmount: balance, status: balance === 0 ? 'CANCELED' : 'PARTIAL_CANCELED' };
      ledger.set(after.paymentKey, after);
      return after;
    },
    getPayment: async (key) => (lookups.push(key), ledger.get(key) ?? null),
    getPaymentByOrderId: async (orderId) => [...ledger.values()].find((p) => p.orderId === orderId) ?? null,
  };
  return { gateway, charges, outcomes, ledger, cancels, cancelErrors, lookups };
};

export const declined = (code: string, retryable = false): ChargeOutcome => ({ kind: 'declined', code, message: `declined: ${code}`, retryable });

export const billingTestbed = (start: string, options: { plans?: PlanCatalog; policy?: Partial<BillingPolicy> } = {}) => {
  const clock = testClock(start);
  const { store, data } = memoryBillingStore();
  const toss = scriptedGateway(clock);
  const notices: Array<{ tenantId: string; notice: BillingNotice }> = [];
  const woken: number[] = [];
  const deps: BillingDeps = {
    clock, store, gateway: toss.gateway, plans: options.plans ?? defaultCatalog, policy: { ...defaultBillingPolicy, ...options.policy },
    vault: { activeKeyId: 'v1', seal: (plain) => ({ keyId: 'v1', data: `sealed:${plain}` }), open: (sealed) => sealed.data.replace(/^sealed:/, '') },
    notifier: { notify: async (tenantId, notice) => void notices.push({ tenantId, notice }) },
    webhookQueue: { wake: () => void woken.push(1) },
  };
  return { deps, clock, data, toss, notices, woken };
};
