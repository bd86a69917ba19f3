/**
 * Toss webhooks, a queue. The endpoint is anonymous and PAYMENT_STATUS_CHANGED is not signed, so a delivery
 * costs as little as possible until proven worth more: its body is capped, it is recorded under an id that
 * makes a replay the same event (payment key, status and last transaction; the body for other types), and the
 * answer goes back at once. Acting on it is a drain of the queue (the server's worker, or the renewal runner's
 * sweep): an event that names neither a payment nor a pending order of ours is closed without asking Toss; the
 * others are re-fetched from Toss (the body is never trusted), one look-up per payment however many events name
 * it, under a rate per source and a rate overall, so a flood of forged events costs at most those rates in Toss
 * calls. Deliveries out of order converge on what Toss says, and a replay changes nothing.
 */
import type { RateCounter } from '../platform/ports.ts';
import { DomainError } from '../shared/errors.ts';
import { sha256Hex } from '../shared/hash.ts';
import type { BillingDeps } from './ports.ts';
import type { WebhookEvent, WebhookPolicy, WebhookReceipt } from './model.ts';
import { settlePaid, settleInitial } from './settle.ts';

const DAY_MS = 86_400_000;
const PAYMENT_STATUS_CHANGED = 'PAYMENT_STATUS_CHANGED';
/** After this many failed tries an event is left for an operator (and the purge). */
export const WEBHOOK_MAX_ATTEMPTS = 20;

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : null);
const dataOf = (body: unknown): Record<string, unknown> => {
  const data = (body as { data?: unknown } | null)?.data;
  return data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
};

/**
 * The event's identity: a status change is the same event whenever it names the same payment, status and last
 * transaction (Toss's retries, and replays with another `createdAt`); any other event is its body.
 */
export const webhookIdentity = (eventType: string, body: unknown, text: string): { id: string; paymentKey: string | null } => {
  if (eventType === PAYMENT_STATUS_CHANGED) {
    const data = dataOf(body);
    const paymentKey = str(data.paymentKey);
    if (paymentKey) {
      return { id: sha256Hex(`${PAYMENT_STATUS_CHANGED}\n${paymentKey}\n${str(data.status) ?? ''}\n${str(data.lastTransactionKey) ?? ''}`), paymentKey };
    }
  }
  return { id: sha256Hex(text), paymentKey: null };
};

/**
 * Records a delivery and nothing else (no Toss call): 413 above the size cap, 429 when its source already has
 * `maxPendingPerSource` events waiting (Toss retries a delivery that was not answered 200).
 */
export const receiveWebhook = async (deps: BillingDeps, input: { body: { eventType: string }; source: string }): Promise<WebhookReceipt> => {
  const policy = deps.policy.webhooks;
  const text = JSON.stringify(input.body);
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > policy.maxBodyBytes) {
    throw new DomainError('payload_too_large', `A webhook body may hold at most ${policy.maxBodyBytes} bytes; this one holds ${bytes}.`, { details: { limitBytes: policy.maxBodyBytes } });
  }
  const { id, paymentKey } = webhookIdentity(input.body.eventType, input.body, text);
  if ((await deps.store.pendingWebhooks(input.source, policy.maxPendingPerSource)) >= policy.maxPendingPerSource) {
    throw new DomainError('rate_limited', `This source has ${policy.maxPendingPerSource} webhook events waiting; send again later.`, { retryAfterSeconds: 60 });
  }
  const now = deps.clock.now();
  const fresh = await deps.store.recordWebhook({
    id, eventType: input.body.eventType, body: input.body, source: input.source, paymentKey, receivedAt: now, processedAt: null, attempts: 0,
    lastError: null, notBefore: null, expiresAt: new Date(now.getTime() + policy.retentionDays * DAY_MS),
  });
  if (fresh) deps.webhookQueue?.wake();
  return { id, duplicate: !fresh };
};

export interface DrainSummary {
  /** Events closed (acted on, or found to need nothing). */
  processed: number;
  /** Toss look-ups made. */
  lookups: number;
  /** Events left for later because their source (or all webhooks) was over its rate. */
  deferred: number;
  failed: number;
  /** When the earliest deferred event may be tried again; null when none was deferred. */
  retryAt: Date | null;
}

/** A rate check per call when no shared counter is given: each drain then allows one window's worth per source. */
const localCounter = (clock: { now(): Date }): RateCounter => {
  const counts = new Map<string, number>();
  return {
    consume: async ({ name, limit, amount = 1 }) => {
      const count = (counts.get(name) ?? 0) + amount;
      const allowed = count <= limit;
      if (allowed) counts.set(name, count);
      return { allowed, count: allowed ? count : count - amount, limit, resetAt: new Date(clock.now().getTime() + 1_000) };
    },
    peek: async (name) => ({ count: counts.get(name) ?? 0, resetAt: new Date(clock.now().getTime() + 1_000) }),
  };
};

/** Takes one Toss look-up from the source's rate and from the overall rate; the time to wait when either is spent. */
const takeLookup = async (counter: RateCounter, policy: WebhookPolicy, source: string): Promise<{ until: Date; sourceSpent: boolean } | null> => {
  const second = { sizeMs: 1_000 };
  const mine = await counter.consume({ name: `billing:webhook-lookups:source:${source}`, limit: policy.perSourcePerSecond, window: second });
  if (!mine.allowed) return { until: mine.resetAt, sourceSpent: true };
  const all = await counter.consume({ name: 'billing:webhook-lookups:all', limit: policy.perSecond, window: second });
  return all.allowed ? null : { until: all.resetAt, sourceSpent: false };
};

/**
 * Works through up to `limit` queued events with at most `policy.concurrency` Toss look-ups in flight. Events of
 * one payment share one look-up; an event whose source is over its rate waits (not an attempt) until the window
 * ends.
 */
export const drainWebhooks = async (deps: BillingDeps, options: { limit: number; signal?: AbortSignal; onError?: (error: unknown) => void }): Promise<DrainSummary> => {
  const policy = deps.policy.webhooks;
  const counter = deps.rateCounter ?? localCounter(deps.clock);
  const summary: DrainSummary = { processed: 0, lookups: 0, deferred: 0, failed: 0, retryAt: null };
  const events = await deps.store.unprocessedWebhooks(options.limit, deps.clock.now());

  // One unit of work per payment named (in arrival order); events naming none stand alone.
  const groups = new Map<string, WebhookEvent[]>();
  for (const event of events) {
    const key = event.eventType === PAYMENT_STATUS_CHANGED && event.paymentKey ? `p:${event.paymentKey}` : `e:${event.id}`;
    const group = groups.get(key);
    if (group) group.push(event);
    else groups.set(key, [event]);
  }
  const close = async (group: WebhookEvent[]) => {
    const now = deps.clock.now();
    for (const e of group) await deps.store.markWebhook(e.id, { processedAt: now, error: null });
    summary.processed += group.length;
  };

  // Once a source (or the overall rate) is spent, the rest of its events wait without another counter call.
  const spent = new Map<string, Date>();
  let allSpent: Date | null = null;
  const deferred = new Map<string, string[]>();
  const defer = (group: WebhookEvent[], until: Date) => {
    const key = until.toISOString();
    deferred.set(key, [...(deferred.get(key) ?? []), ...group.map((e) => e.id)]);
    summary.deferred += group.length;
    if (!summary.retryAt || until < summary.retryAt) summary.retryAt = until;
  };

  const work = async (group: WebhookEvent[]): Promise<void> => {
    const first = group[0]!;
    const paymentKey = first.eventType === PAYMENT_STATUS_CHANGED ? first.paymentKey : null;
    // Other event types are stored and acknowledged; nothing in billing acts on them yet.
    if (!paymentKey) return close(group);
    const waiting = allSpent ?? spent.get(first.source);
    if (waiting) return defer(group, waiting);
    if (!(await worthLookingUp(deps, paymentKey, group))) return close(group);
    const wait = await takeLookup(counter, policy, first.source);
    if (wait) {
      if (wait.sourceSpent) spent.set(first.source, wait.until);
      else allSpent = wait.until;
      return defer(group, wait.until);
    }
    summary.lookups++;
    try {
      await syncPayment(deps, paymentKey, options.signal);
    } catch (error) {
      options.onError?.(error);
      summary.failed += group.length;
      const message = (error as Error).message?.slice(0, 500) ?? 'failed';
      for (const e of group) await deps.store.markWebhook(e.id, { processedAt: null, error: message });
      return;
    }
    await close(group);
  };

  const queue = [...groups.values()];
  const lanes = Array.from({ length: Math.max(1, Math.min(policy.concurrency, queue.length)) }, async () => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      if (options.signal?.aborted) return;
      await work(group);
    }
  });
  await Promise.all(lanes);
  for (const [until, ids] of deferred) await deps.store.deferWebhooks(ids, new Date(until));
  return summary;
};

/**
 * Whether Toss must be asked: only when the payment is one of ours, or the event names an order of ours still
 * waiting to settle. An event naming neither cannot change anything here, forged or foreign alike. Toss sends the
 * whole Payment (its orderId included); an event without an orderId is looked up to be safe.
 */
const worthLookingUp = async (deps: BillingDeps, paymentKey: string, group: WebhookEvent[]): Promise<boolean> => {
  if (await deps.store.findPaymentByKey(paymentKey)) return true;
  for (const event of group) {
    const orderId = str(dataOf(event.body).orderId);
    if (!orderId) return true;
    const intent = await deps.store.getIntentByOrderId(orderId);
    if (intent?.status === 'pending') return true;
  }
  return false;
};

/** Brings our copy of a payment to what Toss reports now; settles a pending intent the payment belongs to. */
export const syncPayment = async (deps: BillingDeps, paymentKey: string, signal?: AbortSignal): Promise<void> => {
  const payment = await deps.gateway.getPayment(paymentKey, signal);
  if (!payment) return; // not a payment Toss knows under our key: a forged or foreign event
  const now = deps.clock.now();
  const known = await deps.store.findPaymentByKey(paymentKey);
  if (known) {
    const changed = await deps.store.upsertPayment({ ...known, status: payment.status, balanceKrw: payment.balanceAmount, receiptUrl: payment.receiptUrl ?? known.receiptUrl, updatedAt: now });
    if (changed) await deps.notifier.notify(known.tenantId, { kind: 'payment_status', paymentKey, status: payment.status });
    return;
  }
  // A charge whose process died before recording it: the webhook settles the intent.
  const intent = await deps.store.getIntentByOrderId(payment.orderId);
  if (!intent || intent.status !== 'pending' || payment.status !== 'DONE') return;
  const result = await deps.store.transaction(async (unit) => {
    if (intent.kind === 'initial') {
      const key = await unit.getBillingKey(intent.tenantId, intent.billingKeyId);
      return (await settleInitial(unit, deps.plans, intent, payment, key?.customerKey ?? '', now)).result;
    }
    return intent.kind === 'refund' ? 'already_settled' : settlePaid(unit, deps.plans, intent, payment, now);
  });
  if (result === 'applied') {
    await deps.notifier.notify(intent.tenantId, { kind: 'receipt', subscriptionId: intent.subscriptionId, orderId: intent.orderId, amountKrw: intent.amountKrw, receiptUrl: payment.receiptUrl });
  }
};
