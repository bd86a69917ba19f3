/**
 * Toss Payments over HTTP (providers.md section 5): Basic auth with the secret key, an Idempotency-Key on every
 * POST, a timeout per call, and error bodies {code, message} mapped to what billing needs to know: declined by
 * the card (retry only on the dunning schedule), retryable (PROVIDER_ERROR), or unknown (a timeout, a 5xx, an
 * order Toss already holds), which billing reconciles by order id. Billing keys and card numbers never reach a
 * log line or an error message from here.
 */
import { DomainError } from '../../core/shared/errors.ts';
import { providerHttp } from '../providers/http.ts';
import type { BillingGateway } from '../../core/billing/ports.ts';
import type { ChargeOutcome, GatewayPayment, IssuedBillingKey, PaymentStatus } from '../../core/billing/model.ts';

export interface TossClientOptions {
  baseUrl: string;
  secretKey: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** Errors after which a later attempt may pay (nothing was charged). */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['PROVIDER_ERROR', 'FAILED_INTERNAL_SYSTEM_PROCESSING', 'FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING', 'FAILED_CARD_COMPANY_RESPONSE']);
/** Errors that mean "this order may already exist at Toss": look it up instead of guessing. */
const AMBIGUOUS_CODES: ReadonlySet<string> = new Set(['DUPLICATED_ORDER_ID', 'ALREADY_PROCESSED_PAYMENT', 'IDEMPOTENT_REQUEST_PROCESSING']);

interface TossError {
  code: string;
  message: string;
}

type Answer = { ok: true; status: number; body: Record<string, unknown> } | { ok: false; status: number; error: TossError } | { ok: false; status: 0; error: TossError; transport: true };

const toDate = (v: unknown): Date | null => (typeof v === 'string' && v ? new Date(v) : null);

export const paymentFrom = (body: Record<string, unknown>): GatewayPayment => {
  const card = body.card as { number?: unknown } | null | undefined;
  const receipt = body.receipt as { url?: unknown } | null | undefined;
  const cancels = Array.isArray(body.cancels) ? (body.cancels as Record<string, unknown>[]) : [];
  return {
    paymentKey: String(body.paymentKey),
    orderId: String(body.orderId),
    orderName: String(body.orderName ?? ''),
    status: String(body.status) as PaymentStatus,
    totalAmount: Number(body.totalAmount),
    balanceAmount: Number(body.balanceAmount),
    approvedAt: toDate(body.approvedAt),
    receiptUrl: typeof receipt?.url === 'string' ? receipt.url : null,
    card: card && typeof card.number === 'string' ? { number: card.number } : null,
    cancels: cancels.map((c) => ({ cancelAmount: Number(c.cancelAmount), canceledAt: toDate(c.canceledAt) ?? new Date(0), reason: String(c.cancelReason ?? '') })),
  };
};

export const tossClient = (options: TossClientOptions): BillingGateway => {
  const authorization = `Basic ${Buffer.from(`${options.secretKey}:`).toString('base64')}`;
  // One attempt per call: billing retries on its own schedule, by idempotency key or by looking the order up.
  const http = providerHttp({
    provider: 'toss',
    label: 'Toss Payments',
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    sign: () => ({ authorization, accept: 'application/json' }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  /** `api` names the operation; paths carry billing keys, which must not reach an error or a log. */
  const call = async (api: string, method: 'GET' | 'POST', path: string, body: unknown, idempotencyKey: string | null, signal?: AbortSignal): Promise<Answer> => {
    let response;
    try {
      ({ response } = await http.send({
        api,
        method,
        path,
        ...(body === undefined ? {} : { json: body }),
        ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
        ...(signal ? { signal } : {}),
      }));
    } catch (error) {
      // No answer (our timeout, the caller's, a cut connection): whether Toss acted is unknown.
      const timedOut = (error instanceof DomainError && error.details?.timedOut === true) || (error as Error)?.name === 'TimeoutError';
      return { ok: false, status: 0, transport: true, error: { code: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR', message: timedOut ? `no answer within ${options.timeoutMs} ms` : 'the connection to Toss failed' } };
    }
    let parsed: unknown = null;
    try {
      parsed = response.text ? JSON.parse(response.text) : null;
    } catch {
      parsed = null;
    }
    const ok = response.status >= 200 && response.status < 300;
    if (ok && parsed && typeof parsed === 'object') return { ok: true, status: response.status, body: parsed as Record<string, unknown> };
    const e = (parsed ?? {}) as Partial<TossError>;
    return { ok: false, status: response.status, error: { code: typeof e.code === 'string' ? e.code : `HTTP_${response.status}`, message: typeof e.message === 'string' ? e.message : `Toss answered ${response.status}` } };
  };

  const upstream = (a: Extract<Answer, { ok: false }>, what: string) =>
    new DomainError('upstream_failed', `Toss Payments failed to ${what} (${a.error.code}).`, { details: { provider: 'toss', code: a.error.code } });
  /** A transient Toss error: nothing happened and the same request may succeed shortly (503, never a refusal). */
  const transient = (a: Extract<Answer, { ok: false }>, what: string) =>
    new DomainError('unavailable', `Toss Payments failed for a moment to ${what}; send the same request again shortly.`, {
      retryAfterSeconds: 10,
      details: { provider: 'toss', reason: 'provider_unavailable', code: a.error.code, retryable: true },
    });

  const lookup = async (path: string, signal?: AbortSignal): Promise<GatewayPayment | null> => {
    const a = await call('payment', 'GET', path, undefined, null, signal);
    if (a.ok) return paymentFrom(a.body);
    if (a.status === 404) return null;
    throw upstream(a, 'look up a payment');
  };

  return {
    issueBillingKey: async ({ authKey, customerKey, idempotencyKey }, signal): Promise<IssuedBillingKey> => {
      const a = await call('issue-billing-key', 'POST', '/v1/billing/authorizations/issue', { authKey, customerKey }, idempotencyKey, signal);
      if (a.ok) {
        const card = (a.body.card ?? {}) as Record<string, unknown>;
        const str = (v: unknown) => (typeof v === 'string' ? v : null);
        return {
          billingKey: String(a.body.billingKey),
          customerKey: String(a.body.customerKey ?? customerKey),
          card: { number: str(card.number) ?? '', issuerCode: str(card.issuerCode), cardType: str(card.cardType), ownerType: str(card.ownerType) },
        };
      }
      if (RETRYABLE_CODES.has(a.error.code)) throw transient(a, 'issue a billing key');
      if (a.status >= 400 && a.status < 500 && a.status !== 401 && a.status !== 403) {
        throw new DomainError('unprocessable', `Toss did not issue a billing key: ${a.error.message}`, { details: { reason: 'billing_key_refused', code: a.error.code } });
      }
      throw upstream(a, 'issue a billing key');
    },

    charge: async (request, signal): Promise<ChargeOutcome> => {
      const a = await call(
        'charge', 'POST', `/v1/billing/${encodeURIComponent(request.billingKey)}`,
        { customerKey: request.customerKey, amount: request.amountKrw, orderId: request.orderId, orderName: request.orderName },
        request.idempotencyKey, signal,
      );
      if (a.ok) {
        const payment = paymentFrom(a.body);
        return payment.status === 'DONE' ? { kind: 'paid', payment } : { kind: 'unknown', reason: `payment status ${payment.status}` };
      }
      if ('transport' in a || a.status >= 500 || AMBIGUOUS_CODES.has(a.error.code)) return { kind: 'unknown', reason: a.error.code };
      if (a.status === 401 || a.status === 403) throw upstream(a, 'charge (check TOSS_SECRET_KEY)');
      return { kind: 'declined', code: a.error.code, message: a.error.message, retryable: RETRYABLE_CODES.has(a.error.code) };
    },

    cancel: async ({ paymentKey, reason, amountKrw, idempotencyKey }, signal) => {
      const a = await call('cancel', 'POST', `/v1/payments/${encodeURIComponent(paymentKey)}/cancel`, { cancelReason: reason, ...(amountKrw === undefined ? {} : { cancelAmount: amountKrw }) }, idempotencyKey, signal);
      if (a.ok) return paymentFrom(a.body);
      // Transient: the refund stays pending and is tried again, never recorded as refused.
      if (RETRYABLE_CODES.has(a.error.code)) throw transient(a, 'cancel a payment');
      if (a.status >= 400 && a.status < 500 && a.status !== 401 && a.status !== 409) {
        throw new DomainError('unprocessable', `Toss refused the cancel: ${a.error.message}`, { details: { reason: 'cancel_refused', code: a.error.code } });
      }
      throw upstream(a, 'cancel a payment');
    },

    getPayment: (paymentKey, signal) => lookup(`/v1/payments/${encodeURIComponent(paymentKey)}`, signal),
    getPaymentByOrderId: (orderId, signal) => lookup(`/v1/payments/orders/${encodeURIComponent(orderId)}`, signal),
  };
};
