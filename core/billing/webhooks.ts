/**
 * Toss webhooks. The event is recorded first (keyed by the sha256 of its body, so a replay is recognised) and
 * acknowledged whatever happens next; acting on it comes after and is idempotent. PAYMENT_STATUS_CHANGED is not
 * signed, so its body is never trusted: the payment is fetched from Toss and the stored copy brought to what
 * Toss says. Deliveries out of order therefore converge on the same state, and a replay changes nothing.
 */
import { sha256Hex } from '../shared/hash.ts';
import type { BillingDeps, WebhookEvent } from './ports.ts';
import { settlePaid, settleInitial } from './settle.ts';


export interface WebhookReceipt {
  id: string;
  duplicate: boolean;
  processed: boolean;
}

/** Records the delivery and tries to act on it once; failures leave it for the renewal runner's sweep. */
export const receiveWebhook = async (deps: BillingDeps, rawBody: string, body: { eventType: string }, onError?: (error: unknown) => void): Promise<WebhookReceipt> => {
  const id = sha256Hex(rawBody);
  const event: WebhookEvent = { id, eventType: body.eventType, body, receivedAt: deps.clock.now(), processedAt: null, attempts: 0, lastError: null };
  const fresh = await deps.store.recordWebhook(event);
  if (!fresh) return { id, duplicate: true, processed: false };
  try {
    await processWebhook(deps, event);
    return { id, duplicate: false, processed: true };
  } catch (error) {
    onError?.(error);
    await deps.store.markWebhook(id, { processedAt: null, error: (error as Error).message?.slice(0, 500) ?? 'failed' }).catch(() => {});
    return { id, duplicate: false, processed: false };
  }
};

export const processPendingWebhooks = async (deps: BillingDeps, limit: number, signal?: AbortSignal): Promise<number> => {
  let done = 0;
  for (const event of await deps.store.unprocessedWebhooks(limit)) {
    if (signal?.aborted) break;
    try {
      await processWebhook(deps, event);
      done++;
    } catch (error) {
      await deps.store.markWebhook(event.id, { processedAt: null, error: (error as Error).message?.slice(0, 500) ?? 'failed' });
    }
  }
  return done;
};

const processWebhook = async (deps: BillingDeps, event: WebhookEvent): Promise<void> => {
  if (event.eventType === 'PAYMENT_STATUS_CHANGED') {
    const data = (event.body as { data?: { paymentKey?: unknown } }).data;
    const paymentKey = typeof data?.paymentKey === 'string' ? data.paymentKey : null;
    if (paymentKey) await syncPayment(deps, paymentKey);
  }
  // Other event types are stored and acknowledged; nothing in billing acts on them yet.
  await deps.store.markWebhook(event.id, { processedAt: deps.clock.now(), error: null });
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
