/**
 * The billing context's vocabulary: plans, subscriptions, payments and their intents, billing keys, webhook
 * events, the policy that paces renewals and webhooks, and what a tenant is entitled to.
 */
import type { SealedSecret } from '../platform/ports.ts';
import type { SubscriptionState } from './subscription.ts';


// ---- plans ------------------------------------------------------------------------------------------------

export type PlanCode = 'free' | 'basic' | 'pro';
export type BillingInterval = 'month' | 'year';

export interface Entitlements {
  apiCallsPerDay: number;
  trackedKeywords: number;
  agentRunsPerMonth: number;
  members: number;
}

export interface PlanVersion {
  /** `basic-monthly`, `pro-yearly`, ...: what a customer subscribes to. */
  id: string;
  code: PlanCode;
  name: string;
  interval: BillingInterval;
  version: number;
  /** The version is sold for periods starting at or after this instant. */
  effectiveFrom: Date;
  /** VAT-inclusive KRW per period. */
  priceKrw: number;
  /** Days of free trial offered to a tenant's first subscription (0 = none). */
  trialDays: number;
  entitlements: Entitlements;
}

export type PlanCatalog = readonly PlanVersion[];

// ---- subscriptions, keys and payments ------------------------------------------------------------------

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

// ---- what the gateway and the notifier carry ------------------------------------------------------------

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

export type BillingNotice =
  | { kind: 'receipt'; subscriptionId: string; orderId: string; amountKrw: number; receiptUrl: string | null }
  | { kind: 'payment_failed'; subscriptionId: string; orderId: string; code: string; nextAttemptAt: Date | null }
  | { kind: 'expiring'; subscriptionId: string; endsAt: Date }
  | { kind: 'expired'; subscriptionId: string }
  | { kind: 'refund'; subscriptionId: string; paymentKey: string; amountKrw: number }
  | { kind: 'payment_status'; paymentKey: string; status: PaymentStatus };

export interface PageRequest {
  limit: number;
  /** Opaque cursor from the previous page. */
  cursor?: string | undefined;
}

// ---- policy -------------------------------------------------------------------------------------------

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

// ---- what the use cases answer ------------------------------------------------------------------------

export interface EffectivePlan {
  planCode: PlanCode;
  planId: string | null;
  entitlements: Entitlements;
}

export interface SubscriptionView {
  subscription: Subscription | null;
  /** The plan version the subscription was bought at; null without a subscription (or one the catalogue lost). */
  plan: PlanVersion | null;
  card: CardInfo | null;
  effective: EffectivePlan;
}

/** The plans on sale now, and what a tenant without a subscription gets. */
export interface PlanOffer {
  items: PlanVersion[];
  free: { entitlements: Entitlements };
}

export interface RenewalSummary {
  claimed: number;
  charged: number;
  failed: number;
  /** Charges whose outcome Toss did not confirm; looked up again at a later run. */
  unknown: number;
  expired: number;
  reconciled: number;
  errors: number;
}

export interface WebhookReceipt {
  id: string;
  duplicate: boolean;
}

