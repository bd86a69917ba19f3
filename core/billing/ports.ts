/**
 * Ports of the billing context: the payment gateway (Toss), the store, the billing-key vault and the notifier.
 * `Entitlement` is the one port other contexts may use, to ask what a tenant's plan allows.
 */
import type { RateCounter } from '../platform/rate-counter.ts';
import type { Clock } from '../shared/clock.ts';
import type { Entitlements, PlanCatalog, PlanCode } from './plans.ts';
import type { SubscriptionState } from './subscription.ts';

// ---- models ----------------------------------------------------------------------------------------------

export interface Subscription {
  id: string;
  tenantId: string;
  state: SubscriptionState;
  planId: string;
  planVersion: number;
  /** KRW paid (or due) for the current period: the price of the version in force when the period started. */
  amountKrw: number;
  /** First period's start; every period is computed from it. */
  anchor: Date;
  periodIndex: number;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  trialEndsAt: Date | null;
  /** A downgrade waiting for the period end. */
  pendingPlanId: string | null;
  billingKeyId: string;
  customerKey: string;
  /** Charge attempt number within the period being charged (bumped after each definite failure). */
  attempt: number;
  /** Failed scheduled attempts of the current dunning (0 when in good standing). */
  dunningStep: number;
  /** When the runner should next act (charge, retry, end a canceled or past-due subscription); null = never. */
  nextActionAt: Date | null;
  canceledAt: Date | null;
  endedAt: Date | null;
  createdAt: Date;
  /** Optimistic concurrency: every update bumps it and names the one it read. */
  version: number;
}

export interface CardInfo {
  /** Masked as Toss returns it, e.g. `4330********123*`; never the full number. */
  number: string;
  issuerCode: string | null;
  cardType: string | null;
  ownerType: string | null;
}

export interface StoredBillingKey {
  id: string;
  tenantId: string;
  customerKey: string;
  /** AES-256-GCM sealed billing key and the id of the key that sealed it. */
  sealed: SealedSecret;
  card: CardInfo;
  createdAt: Date;
  discardedAt: Date | null;
}

export interface SealedSecret {
  keyId: string;
  /** base64 of iv | ciphertext | tag. */
  data: string;
}

/** `refund` intents cancel (part of) `targetPaymentKey`; the others charge the billing key. */
export type IntentKind = 'initial' | 'renewal' | 'upgrade' | 'refund';
export type IntentStatus = 'pending' | 'succeeded' | 'failed';

/** A charge we are about to make, recorded before the call so a crash in between is reconciled by order id. */
export interface PaymentIntent {
  id: string;
  tenantId: string;
  subscriptionId: string;
  kind: IntentKind;
  periodIndex: number;
  attempt: number;
  orderId: string;
  idempotencyKey: string;
  amountKrw: number;
  orderName: string;
  planId: string;
  planVersion: number;
  billingKeyId: string;
  /** The payment a refund intent cancels; null for charges. */
  targetPaymentKey: string | null;
  status: IntentStatus;
  paymentKey: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  createdAt: Date;
  resolvedAt: Date | null;
}

export type PaymentStatus = 'READY' | 'IN_PROGRESS' | 'WAITING_FOR_DEPOSIT' | 'DONE' | 'CANCELED' | 'PARTIAL_CANCELED' | 'ABORTED' | 'EXPIRED';

/** A payment as Toss reports it (only the fields billing uses). */
export interface GatewayPayment {
  paymentKey: string;
  orderId: string;
  orderName: string;
  status: PaymentStatus;
  totalAmount: number;
  balanceAmount: number;
  approvedAt: Date | null;
  receiptUrl: string | null;
  card: { number: string } | null;
  cancels: { cancelAmount: number; canceledAt: Date; reason: string }[];
}

/** A payment in the tenant's history. */
export interface PaymentRecord {
  paymentKey: string;
  tenantId: string;
  subscriptionId: string;
  orderId: string;
  kind: IntentKind;
  periodIndex: number;
  orderName: string;
  status: PaymentStatus;
  amountKrw: number;
  balanceKrw: number;
  cardNumber: string | null;
  receiptUrl: string | null;
  approvedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookEvent {
  /** sha256 of what makes the event itself (payment key, status, last transaction; else the body): a replay is the same event. */
  id: string;
  eventType: string;
  body: unknown;
  /** Who sent it (the client address): re-fetches are rate-limited per source. */
  source: string;
  /** The payment a PAYMENT_STATUS_CHANGED names (unverified until Toss is asked). */
  paymentKey: string | null;
  receivedAt: Date;
  processedAt: Date | null;
  attempts: number;
  lastError: string | null;
  /** Not tried before this (its source was over its rate); null = now. */
  notBefore: Date | null;
  /** When the periodic purge deletes it (received + the retention period). */
  expiresAt: Date;
}

// ---- gateway ------------------------------------------------------------------------------------------

export interface IssuedBillingKey {
  billingKey: string;
  customerKey: string;
  card: CardInfo;
}

/** Outcome of one charge call. `unknown` means we cannot tell whether money moved: reconcile by order id. */
export type ChargeOutcome =
  | { kind: 'paid'; payment: GatewayPayment }
  | { kind: 'declined'; code: string; message: string; retryable: boolean }
  | { kind: 'unknown'; reason: string };

export interface ChargeRequest {
  billingKey: string;
  customerKey: string;
  amountKrw: number;
  orderId: string;
  orderName: string;
  idempotencyKey: string;
}

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

// ---- secrets ------------------------------------------------------------------------------------------

/** Seals billing keys (AES-256-GCM); opens any key id still configured, seals with the active one. */
export interface KeyVault {
  seal(plain: string): SealedSecret;
  open(sealed: SealedSecret): string;
  activeKeyId: string;
}

// ---- notifier -----------------------------------------------------------------------------------------

export type BillingNotice =
  | { kind: 'receipt'; subscriptionId: string; orderId: string; amountKrw: number; receiptUrl: string | null }
  | { kind: 'payment_failed'; subscriptionId: string; orderId: string; code: string; nextAttemptAt: Date | null }
  | { kind: 'expiring'; subscriptionId: string; endsAt: Date }
  | { kind: 'expired'; subscriptionId: string }
  | { kind: 'refund'; subscriptionId: string; paymentKey: string; amountKrw: number }
  | { kind: 'payment_status'; paymentKey: string; status: PaymentStatus };

export interface Notifier {
  notify(tenantId: string, notice: BillingNotice): Promise<void>;
}

// ---- store --------------------------------------------------------------------------------------------

export interface PageRequest {
  limit: number;
  /** Opaque cursor from the previous page. */
  cursor?: string | undefined;
}

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

// ---- policy and the context's port set ----------------------------------------------------------------

export interface BillingPolicy {
  /** Days after the period end on which a failed renewal is retried, e.g. [1, 3, 5]; expiry follows the last. */
  retryDays: readonly number[];
  /** Immediate re-tries of a retryable provider error (PROVIDER_ERROR, timeouts) within one run. */
  retryableAttempts: number;
  /** How long a runner holds a claimed subscription. */
  leaseSeconds: number;
  /** Notice before a canceled subscription ends. */
  expiryNoticeDays: number;
  webhooks: WebhookPolicy;
}

/** What the anonymous Toss webhook may cost (docs/billing.md, Webhooks). */
export interface WebhookPolicy {
  /** Larger bodies are refused (413) and never stored. */
  maxBodyBytes: number;
  /** Raw bodies are deleted this many days after they arrived. */
  retentionDays: number;
  /** Toss look-ups per second on behalf of one source's events. */
  perSourcePerSecond: number;
  /** Toss look-ups per second on behalf of all webhook events. */
  perSecond: number;
  /** Look-ups in flight at once while draining. */
  concurrency: number;
  /** Unprocessed events one source may have queued; more answer 429 (Toss retries later). */
  maxPendingPerSource: number;
}

export const defaultWebhookPolicy: WebhookPolicy = {
  maxBodyBytes: 32 * 1024, retentionDays: 30, perSourcePerSecond: 5, perSecond: 20, concurrency: 4, maxPendingPerSource: 1_000,
};

export const defaultBillingPolicy: BillingPolicy = { retryDays: [1, 3, 5], retryableAttempts: 2, leaseSeconds: 120, expiryNoticeDays: 3, webhooks: defaultWebhookPolicy };

/** What other contexts may ask billing. */
export interface Entitlement {
  /** The plan and limits a tenant has now (free without a subscription). */
  of(tenantId: string, signal?: AbortSignal): Promise<{ planCode: PlanCode; planId: string | null; entitlements: Entitlements }>;
}

/** The webhook queue's worker, where one runs (the long-running server): told when an event was queued. */
export interface WebhookQueue {
  wake(): void;
}

export interface BillingPorts {
  store: BillingStore;
  gateway: BillingGateway;
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

/** The billing context's share of `Ports`. */

