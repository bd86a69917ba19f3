/**
 * Ports of the billing context: the payment gateway (Toss), the store, the billing-key vault and the notifier.
 * The data they carry is in model.ts.
 */
import type { KeyVault, RateCounter } from '../platform/ports.ts';
import type { Clock } from '../shared/clock.ts';
import type {
  BillingNotice, BillingPolicy, ChargeOutcome, ChargeRequest, GatewayPayment, IssuedBillingKey, PageRequest, PaymentIntent, PaymentRecord,
  PlanCatalog, StoredBillingKey, Subscription, WebhookEvent,
} from './model.ts';

// ---- gateway ------------------------------------------------------------------------------------------

export interface BillingGateway {
  /** Throws DomainError('unprocessable') when Toss rejects the authKey/card, 'upstream_failed' when Toss fails. */
  issueBillingKey(input: { authKey: string; customerKey: string; idempotencyKey: string }, signal?: AbortSignal): Promise<IssuedBillingKey>;
  charge(request: ChargeRequest, signal?: AbortSignal): Promise<ChargeOutcome>;
  /** Cancels all (amount omitted) or part of a payment; returns the payment afterwards. */
  cancel(input: { paymentKey: string; reason: string; amountKrw?: number; idempotencyKey: string }, signal?: AbortSignal): Promise<GatewayPayment>;
  /** null when Toss has no such payment (NOT_FOUND_PAYMENT). */
  getPayment(paymentKey: string, signal?: AbortSignal): Promise<GatewayPayment | null>;
  getPaymentByOrderId(orderId: string, signal?: AbortSignal): Promise<GatewayPayment | null>;
}

// ---- notifier -----------------------------------------------------------------------------------------

export interface Notifier {
  notify(tenantId: string, notice: BillingNotice): Promise<void>;
}

// ---- store --------------------------------------------------------------------------------------------

/** Reads and writes of one transaction (or autocommit outside one). */
export interface BillingUnit {
  /** Serialises billing changes of one tenant until the transaction ends (a subscribe racing another). */
  lockTenant(tenantId: string): Promise<void>;
  getSubscription(tenantId: string, id: string): Promise<Subscription | null>;
  /** The tenant's newest subscription (live or not). */
  latestSubscription(tenantId: string): Promise<Subscription | null>;
  /** The tenant's subscription row, locked for this transaction (FOR UPDATE). */
  lockSubscription(tenantId: string, id: string): Promise<Subscription | null>;
  /** False when the tenant already has a live subscription (one per tenant). */
  insertSubscription(sub: Subscription): Promise<boolean>;
  /** Writes `sub` when the stored version is `sub.version - 1`; false when someone changed it first. */
  updateSubscription(sub: Subscription): Promise<boolean>;
  hasEverSubscribed(tenantId: string): Promise<boolean>;
  /** The daily API-call budget an administrator set for the tenant in place of its plan's; null: the plan's. */
  apiCallBudget(tenantId: string): Promise<number | null>;
  /** Sets (a number) or clears (null) that budget; false when there is no such tenant. */
  setApiCallBudget(tenantId: string, callsPerDay: number | null, at: Date): Promise<boolean>;

  insertBillingKey(key: StoredBillingKey): Promise<void>;
  getBillingKey(tenantId: string, id: string): Promise<StoredBillingKey | null>;
  /** Wipes the sealed key, keeping the masked card for history. */
  discardBillingKey(tenantId: string, id: string, at: Date): Promise<void>;

  /** Inserts the intent, or returns the one already recorded with its order id (a retry). */
  recordIntent(intent: PaymentIntent): Promise<PaymentIntent>;
  getIntentByOrderId(orderId: string): Promise<PaymentIntent | null>;
  /** Resolves a pending intent; false when it was already resolved (by another runner or a webhook). */
  resolveIntent(id: string, outcome: { status: 'succeeded' | 'failed'; paymentKey?: string | null; failureCode?: string | null; failureMessage?: string | null; at: Date }): Promise<boolean>;
  pendingIntents(subscriptionId: string): Promise<PaymentIntent[]>;
  /** Pending intents of a tenant's initial charges (at most one may be in flight). */
  pendingInitialIntents(tenantId: string): Promise<PaymentIntent[]>;
  /** Pending intents older than `before`, oldest first (crashed work to reconcile). */
  stalePendingIntents(before: Date, limit: number): Promise<PaymentIntent[]>;

  /** Inserts the payment or, when its key is known, updates status, balance and receipt; true when anything changed. */
  upsertPayment(payment: PaymentRecord): Promise<boolean>;
  getPayment(tenantId: string, paymentKey: string): Promise<PaymentRecord | null>;
  /** Payments of one subscription period, newest first (what a prorated refund draws on). */
  periodPayments(subscriptionId: string, periodIndex: number): Promise<PaymentRecord[]>;
  findPaymentByKey(paymentKey: string): Promise<PaymentRecord | null>;
  /** Newest first. */
  listPayments(tenantId: string, page: PageRequest): Promise<{ items: PaymentRecord[]; nextCursor: string | null }>;

  /** True when the event is new (false for a replay). */
  recordWebhook(event: WebhookEvent): Promise<boolean>;
  /** Unprocessed events of one source, counted up to `upTo` (the queue's cap per source). */
  pendingWebhooks(source: string, upTo: number): Promise<number>;
  markWebhook(id: string, outcome: { processedAt: Date | null; error: string | null }): Promise<void>;
  /** Leaves the events for later without counting an attempt (their source was over its rate). */
  deferWebhooks(ids: readonly string[], until: Date): Promise<void>;
  /** Unprocessed events due at `now`, oldest first (events that failed 20 times are left for an operator). */
  unprocessedWebhooks(limit: number, now: Date): Promise<WebhookEvent[]>;
}

export interface BillingStore extends BillingUnit {
  transaction<T>(work: (unit: BillingUnit) => Promise<T>, options?: { signal?: AbortSignal }): Promise<T>;
  /**
   * Claims up to `limit` subscriptions whose next action is due at `now` and which no other runner holds:
   * selected FOR UPDATE SKIP LOCKED and leased to `owner` until `leaseUntil`, so concurrent runners split the
   * work and a runner that dies releases its share when the lease runs out.
   */
  claimDue(now: Date, limit: number, owner: string, leaseUntil: Date): Promise<Subscription[]>;
  /** Ends `owner`'s lease on the subscription (after its work is recorded). */
  releaseLease(subscriptionId: string, owner: string): Promise<void>;
}

// ---- the context's port set ----------------------------------------------------------------------------

/** The webhook queue's worker, where one runs (the long-running server): told when an event was queued. */
export interface WebhookQueue {
  wake(): void;
}

export interface BillingPorts {
  store: BillingStore;
  gateway: BillingGateway;
  /** The platform's vault (ports.vault), which seals billing keys. */
  vault: KeyVault;
  notifier: Notifier;
  plans: PlanCatalog;
  policy: BillingPolicy;
  /** Absent where no worker runs (Lambda, CLI): the renewal runner's sweep drains the queue. */
  webhookQueue?: WebhookQueue;
}

export interface BillingDeps extends BillingPorts {
  clock: Clock;
  /** Shared counters for the webhook re-fetch rate; without them a drain limits itself per call. */
  rateCounter?: RateCounter;
}

