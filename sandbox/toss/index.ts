/**
 * Toss Payments sandbox (card billing, payments, cancels, webhooks), following providers.md section 5: Basic
 * auth with the secret key, Idempotency-Key semantics on POST (a repeat returns the first response without
 * running again; the same key with another body is refused), DUPLICATED_ORDER_ID, partial cancels, lookups by
 * payment key and by order id, and PAYMENT_STATUS_CHANGED webhooks delivered with Toss's retry schedule (its
 * minutes compressed to `webhookMinuteMs`). Its ledger of every payment is readable at /__sandbox/ledger.
 *
 * Test authKeys pick the card behind the billing key:
 *   auth_ok_*        a card that pays
 *   auth_stopped_*   charges fail with INVALID_STOPPED_CARD
 *   auth_reject_*    charges fail with INVALID_REJECT_CARD
 *   auth_provider_*  charges fail with PROVIDER_ERROR (retryable)
 *   auth_flaky_*     the first charge fails with PROVIDER_ERROR, later ones pay
 *   anything else    the issue call fails with INVALID_AUTH_KEY
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SandboxProvider, SandboxRequest, SandboxResponse } from '../types.ts';

export const TOSS_SANDBOX_SECRET_KEY = 'test_sk_sellpo_sandbox_0000000000';
export const TOSS_SANDBOX_NAME = 'toss';

type Behaviour = 'ok' | 'stopped' | 'reject' | 'provider' | 'flaky';

interface BillingAuth {
  billingKey: string;
  customerKey: string;
  behaviour: Behaviour;
  cardNumber: string;
  charges: number;
}

export interface LedgerPayment {
  paymentKey: string;
  type: 'BILLING';
  orderId: string;
  orderName: string;
  mId: string;
  currency: 'KRW';
  method: '카드';
  status: 'DONE' | 'CANCELED' | 'PARTIAL_CANCELED';
  requestedAt: string;
  approvedAt: string;
  totalAmount: number;
  balanceAmount: number;
  suppliedAmount: number;
  vat: number;
  taxFreeAmount: number;
  card: { issuerCode: string; acquirerCode: string; number: string; cardType: string; ownerType: string; approveNo: string; installmentPlanMonths: number; amount: number };
  cancels: { cancelAmount: number; cancelReason: string; canceledAt: string; transactionKey: string }[];
  receipt: { url: string };
  failure: null;
  customerKey: string;
  /** The newest transaction on the payment (the approval, then each cancel). */
  lastTransactionKey: string;
}

interface IdempotencyEntry {
  fingerprint: string;
  response: SandboxResponse | null; // null while the first request runs
}

export interface WebhookDelivery {
  eventType: string;
  paymentKey: string;
  attempt: number;
  status: number | null;
  at: string;
}

const json = (status: number, body: unknown): SandboxResponse => ({ status, body });
const error = (status: number, code: string, message: string): SandboxResponse => json(status, { code, message });
const kstIso = (d: Date): string => new Date(d.getTime() + 9 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, '+09:00');
const ORDER_ID = /^[A-Za-z0-9_=-]{6,64}$/;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const CARDS: Record<Behaviour, string> = { ok: '43301234****123*', stopped: '53651234****456*', reject: '94101234****789*', provider: '37001234****012*', flaky: '43301234****345*' };
/** Toss's retry schedule in minutes after a delivery that was not answered 200. */
const RETRY_MINUTES = [1, 4, 16, 64, 256, 1024, 4096];

export interface TossSandboxOptions {
  secretKey?: string;
  /** Where PAYMENT_STATUS_CHANGED events go; also settable at /__sandbox/configure. */
  webhookUrl?: string;
  /** One "minute" of the retry schedule, in ms (compressed for tests). Default 60_000. */
  webhookMinuteMs?: number;
}

export interface TossSandbox extends SandboxProvider {
  ledger(): LedgerPayment[];
  /** Resolves once a charge is held after committing (configure `holdAfterCommit`); at once if one is held now. */
  whenHeld(): Promise<void>;
  /** Lets every held charge answer. */
  release(): void;
  /** Resolves once the delivery log holds `count` entries (each logged when its answer, or failure, is in). */
  whenDelivered(count: number): Promise<WebhookDelivery[]>;
}

export const tossSandbox = (options: TossSandboxOptions = {}): TossSandbox => {
  const secretKey = options.secretKey ?? TOSS_SANDBOX_SECRET_KEY;
  const expectedAuth = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
  let webhookUrl = options.webhookUrl ?? null;
  let minuteMs = options.webhookMinuteMs ?? 60_000;
  let auths = new Map<string, BillingAuth>(); // by billingKey
  let usedAuthKeys = new Set<string>();
  let payments = new Map<string, LedgerPayment>(); // by paymentKey
  let byOrder = new Map<string, string>(); // orderId -> paymentKey
  let idempotency = new Map<string, IdempotencyEntry>();
  let failNext: { code: string; status: number; count: number } | null = null;
  let delayMs = 0;
  let delayAfterCommitMs = 0;
  // A barrier for tests: the next `holdAfterCommit` charges commit and then wait for `release` before answering.
  let holdAfterCommit = 0;
  let held: (() => void)[] = [];
  let heldWaiters: (() => void)[] = [];
  const releaseHeld = () => {
    for (const release of held.splice(0)) release();
  };
  let deliveries: WebhookDelivery[] = [];
  const deliveryWaiters = new Set<{ count: number; resolve: () => void }>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const deliver = (paymentKey: string, attempt: number): void => {
    const url = webhookUrl;
    const payment = payments.get(paymentKey);
    if (!url || !payment || closed) return;
    const body = JSON.stringify({
      eventType: 'PAYMENT_STATUS_CHANGED', createdAt: kstIso(new Date()),
      data: { paymentKey, orderId: payment.orderId, status: payment.status, lastTransactionKey: payment.lastTransactionKey },
    });
    void fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) })
      .then(async (r) => { await r.arrayBuffer(); return r.status; }, () => null)
      .then((status) => {
        deliveries.push({ eventType: 'PAYMENT_STATUS_CHANGED', paymentKey, attempt, status, at: new Date().toISOString() });
        for (const waiter of [...deliveryWaiters]) if (deliveries.length >= waiter.count) {
          deliveryWaiters.delete(waiter);
          waiter.resolve();
        }
        if (status === 200 || attempt > RETRY_MINUTES.length || closed) return;
        const t = setTimeout(() => { timers.delete(t); deliver(paymentKey, attempt + 1); }, RETRY_MINUTES[attempt - 1]! * minuteMs);
        t.unref();
        timers.add(t);
      });
  };

  const receiptUrl = (req: SandboxRequest, paymentKey: string) => `http://${req.headers.host ?? 'sandbox'}/receipt/${paymentKey}`;

  const issue = (req: SandboxRequest, body: Record<string, unknown>): SandboxResponse => {
    const { authKey, customerKey } = body;
    if (typeof authKey !== 'string' || !authKey) return error(400, 'INVALID_REQUEST', 'authKey is required.');
    if (typeof customerKey !== 'string' || !/^[A-Za-z0-9_=.@-]{2,300}$/.test(customerKey)) return error(400, 'INVALID_REQUEST', 'customerKey must be 2..300 characters of letters, digits, - _ = . @');
    const match = /^auth_(ok|stopped|reject|provider|flaky)_/.exec(authKey);
    if (!match) return error(400, 'INVALID_AUTH_KEY', '인증키가 유효하지 않습니다.');
    if (usedAuthKeys.has(authKey)) return error(400, 'INVALID_AUTH_KEY', '이미 사용된 인증키입니다.');
    usedAuthKeys.add(authKey);
    const behaviour = match[1] as Behaviour;
    const billingKey = `bk_${randomBytes(24).toString('base64url')}`;
    auths.set(billingKey, { billingKey, customerKey, behaviour, cardNumber: CARDS[behaviour], charges: 0 });
    void req;
    return json(200, {
      mId: 'tvivarepublica4', customerKey, authenticatedAt: kstIso(new Date()), method: '카드', billingKey,
      card: { issuerCode: '61', acquirerCode: '31', number: CARDS[behaviour], cardType: '신용', ownerType: '개인' },
    });
  };

  const charge = async (req: SandboxRequest, billingKey: string, body: Record<string, unknown>): Promise<SandboxResponse> => {
    const auth = auths.get(billingKey);
    if (!auth) return error(404, 'NOT_FOUND_BILLING', '존재하지 않는 빌링키입니다.');
    const { customerKey, amount, orderId, orderName } = body;
    if (customerKey !== auth.customerKey) return error(400, 'NOT_MATCHES_CUSTOMER_KEY', '빌링키의 customerKey와 일치하지 않습니다.');
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 1) return error(400, 'INVALID_REQUEST', 'amount must be an integer >= 1.');
    if (amount < 100) return error(400, 'BELOW_MINIMUM_AMOUNT', '최소 결제 금액은 100원입니다.');
    if (typeof orderId !== 'string' || !ORDER_ID.test(orderId)) return error(400, 'INVALID_REQUEST', 'orderId must be 6..64 of [A-Za-z0-9-_=].');
    if (typeof orderName !== 'string' || orderName.length < 1 || orderName.length > 100) return error(400, 'INVALID_REQUEST', 'orderName must be 1..100 characters.');
    if (delayMs) await sleep(delayMs);
    if (byOrder.has(orderId)) return error(400, 'DUPLICATED_ORDER_ID', '이미 승인 및 취소가 진행된 중복된 주문번호 입니다.');
    if (failNext && failNext.count > 0) {
      failNext.count--;
      const f = failNext;
      if (f.count === 0) failNext = null;
      return error(f.status, f.code, 'injected failure');
    }
    auth.charges++;
    if (auth.behaviour === 'stopped') return error(400, 'INVALID_STOPPED_CARD', '정지된 카드 입니다.');
    if (auth.behaviour === 'reject') return error(400, 'INVALID_REJECT_CARD', '카드 사용이 거절되었습니다. 카드사 문의가 필요합니다.');
    if (auth.behaviour === 'provider' || (auth.behaviour === 'flaky' && auth.charges === 1)) return error(400, 'PROVIDER_ERROR', '일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.');
    const now = new Date();
    const paymentKey = `tpk_${randomBytes(16).toString('hex')}`;
    const vat = Math.round(amount / 11);
    const payment: LedgerPayment = {
      paymentKey, type: 'BILLING', orderId, orderName, mId: 'tvivarepublica4', currency: 'KRW', method: '카드', status: 'DONE',
      requestedAt: kstIso(now), approvedAt: kstIso(now), totalAmount: amount, balanceAmount: amount, suppliedAmount: amount - vat, vat, taxFreeAmount: 0,
      card: { issuerCode: '61', acquirerCode: '31', number: auth.cardNumber, cardType: '신용', ownerType: '개인', approveNo: String(10_000_000 + payments.size), installmentPlanMonths: 0, amount },
      cancels: [], receipt: { url: receiptUrl(req, paymentKey) }, failure: null, customerKey: auth.customerKey,
      lastTransactionKey: randomBytes(16).toString('hex'),
    };
    payments.set(paymentKey, payment);
    byOrder.set(orderId, paymentKey);
    deliver(paymentKey, 1);
    // The payment is committed; a slow answer here is how a client ends up not knowing whether it paid.
    if (delayAfterCommitMs) await sleep(delayAfterCommitMs);
    if (holdAfterCommit > 0) {
      holdAfterCommit--;
      await new Promise<void>((release) => {
        held.push(release);
        for (const waiter of heldWaiters.splice(0)) waiter();
      });
    }
    return json(200, payment);
  };

  const cancel = (paymentKey: string, body: Record<string, unknown>): SandboxResponse => {
    const payment = payments.get(paymentKey);
    if (!payment) return error(404, 'NOT_FOUND_PAYMENT', '존재하지 않는 결제 정보 입니다.');
    const { cancelReason, cancelAmount } = body;
    if (typeof cancelReason !== 'string' || !cancelReason || cancelReason.length > 200) return error(400, 'INVALID_REQUEST', 'cancelReason is required (at most 200 characters).');
    if (payment.balanceAmount === 0) return error(400, 'ALREADY_CANCELED_PAYMENT', '이미 취소된 결제 입니다.');
    const amount = cancelAmount === undefined ? payment.balanceAmount : cancelAmount;
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 1) return error(400, 'INVALID_REQUEST', 'cancelAmount must be an integer >= 1.');
    if (amount > payment.balanceAmount) return error(400, 'NOT_CANCELABLE_AMOUNT', '취소 할 수 없는 금액 입니다.');
    payment.balanceAmount -= amount;
    payment.status = payment.balanceAmount === 0 ? 'CANCELED' : 'PARTIAL_CANCELED';
    const transactionKey = randomBytes(16).toString('hex');
    payment.cancels.push({ cancelAmount: amount, cancelReason, canceledAt: kstIso(new Date()), transactionKey });
    payment.lastTransactionKey = transactionKey;
    deliver(paymentKey, 1);
    return json(200, payment);
  };

  const route = async (req: SandboxRequest): Promise<SandboxResponse> => {
    if (req.headers.authorization !== expectedAuth) return error(401, 'UNAUTHORIZED_KEY', '인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.');
    const p = req.path;
    if (req.method === 'GET') {
      const byKey = /^\/v1\/payments\/([^/]+)$/.exec(p);
      const byOrderId = /^\/v1\/payments\/orders\/([^/]+)$/.exec(p);
      const key = byOrderId ? byOrder.get(decodeURIComponent(byOrderId[1]!)) : byKey ? decodeURIComponent(byKey[1]!) : undefined;
      if (!byKey && !byOrderId) return error(404, 'NOT_FOUND', 'No such endpoint.');
      const payment = key ? payments.get(key) : undefined;
      return payment ? json(200, payment) : error(404, 'NOT_FOUND_PAYMENT', '존재하지 않는 결제 정보 입니다.');
    }
    if (req.method !== 'POST') return error(405, 'METHOD_NOT_ALLOWED', 'Method not allowed.');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body.toString('utf8') || '{}') as Record<string, unknown>;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
    } catch {
      return error(400, 'INVALID_REQUEST', 'The body must be a JSON object.');
    }
    if (p === '/v1/billing/authorizations/issue') return issue(req, body);
    const billing = /^\/v1\/billing\/([^/]+)$/.exec(p);
    if (billing) return charge(req, decodeURIComponent(billing[1]!), body);
    const cancelMatch = /^\/v1\/payments\/([^/]+)\/cancel$/.exec(p);
    if (cancelMatch) return cancel(decodeURIComponent(cancelMatch[1]!), body);
    return error(404, 'NOT_FOUND', 'No such endpoint.');
  };

  const handle = async (req: SandboxRequest): Promise<SandboxResponse> => {
    const key = req.method === 'POST' ? req.headers['idempotency-key'] : undefined;
    if (typeof key !== 'string') return route(req);
    if (key.length === 0 || key.length > 300) return error(400, 'INVALID_REQUEST', 'Idempotency-Key must be 1..300 characters.');
    // Scoped by key, API key, URL and method, as Toss scopes it.
    const scope = `${req.headers.authorization}|POST|${req.path}|${key}`;
    const fingerprint = createHash('sha256').update(req.body).digest('hex');
    const seen = idempotency.get(scope);
    if (seen) {
      if (seen.fingerprint !== fingerprint) return error(422, 'IDEMPOTENCY_KEY_REUSED', 'The Idempotency-Key was used with a different request body.');
      if (!seen.response) return error(409, 'IDEMPOTENT_REQUEST_PROCESSING', 'A request with this Idempotency-Key is still being processed.');
      return seen.response;
    }
    const entry: IdempotencyEntry = { fingerprint, response: null };
    idempotency.set(scope, entry);
    const response = await route(req);
    // Toss remembers only answered requests; a request that failed for want of auth is not remembered.
    if (response.status === 401) idempotency.delete(scope);
    else entry.response = response;
    return response;
  };

  const control = async (action: string, req: SandboxRequest): Promise<SandboxResponse> => {
    const body = req.body.length ? (JSON.parse(req.body.toString('utf8')) as Record<string, unknown>) : {};
    switch (action) {
      case 'ledger':
        return json(200, { payments: [...payments.values()] });
      case 'webhooks':
        return json(200, { deliveries });
      case 'configure':
        if (typeof body.webhookUrl === 'string' || body.webhookUrl === null) webhookUrl = body.webhookUrl as string | null;
        if (typeof body.webhookMinuteMs === 'number') minuteMs = body.webhookMinuteMs;
        if (typeof body.delayMs === 'number') delayMs = body.delayMs;
        if (typeof body.delayAfterCommitMs === 'number') delayAfterCommitMs = body.delayAfterCommitMs;
        if (typeof body.holdAfterCommit === 'number') holdAfterCommit = body.holdAfterCommit;
        return json(200, { webhookUrl, webhookMinuteMs: minuteMs, delayMs, delayAfterCommitMs, holdAfterCommit });
      case 'release':
        releaseHeld();
        return json(200, { released: true });
      case 'fail-next':
        failNext = { code: typeof body.code === 'string' ? body.code : 'PROVIDER_ERROR', status: typeof body.status === 'number' ? body.status : 400, count: typeof body.count === 'number' ? body.count : 1 };
        return json(200, failNext);
      case 'send-webhook': {
        const key = typeof body.paymentKey === 'string' ? body.paymentKey : '';
        if (!payments.has(key)) return error(404, 'NOT_FOUND_PAYMENT', 'No such payment.');
        deliver(key, 1);
        return json(200, { queued: true });
      }
      case 'reset':
        auths = new Map(); usedAuthKeys = new Set(); payments = new Map(); byOrder = new Map(); idempotency = new Map();
        failNext = null; delayMs = 0; delayAfterCommitMs = 0; deliveries = [];
        holdAfterCommit = 0;
        releaseHeld();
        for (const t of timers) clearTimeout(t);
        timers.clear();
        return json(200, { reset: true });
      default:
        return error(404, 'NOT_FOUND', `No control ${action}; try ledger, webhooks, configure, release, fail-next, send-webhook, reset.`);
    }
  };

  return {
    name: TOSS_SANDBOX_NAME,
    handle,
    control,
    ledger: () => [...payments.values()],
    whenHeld: () => (held.length > 0 ? Promise.resolve() : new Promise<void>((resolve) => heldWaiters.push(resolve))),
    release: releaseHeld,
    whenDelivered: (count) =>
      deliveries.length >= count ? Promise.resolve([...deliveries]) : new Promise((resolve) => deliveryWaiters.add({ count, resolve: () => resolve([...deliveries]) })),
    close: async () => {
      closed = true;
      releaseHeld();
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
};
