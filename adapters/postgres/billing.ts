/**
 * The billing store on PostgreSQL (or PGlite through the same driver). `claimDue` selects due subscriptions
 * FOR UPDATE SKIP LOCKED and leases them in one statement, so concurrent runners never take the same row; every
 * settle is a conditional update, so whoever comes second changes nothing.
 */
import type { BillingStore, BillingUnit } from '../../core/billing/ports.ts';
import type { PaymentIntent, PaymentRecord, StoredBillingKey, Subscription, WebhookEvent } from '../../core/billing/model.ts';
import { WEBHOOK_MAX_ATTEMPTS } from '../../core/billing/webhooks.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Database } from './database.ts';
import { d, dn, n, postgresPlanReader, s, sn, SUB_COLUMNS, subOf } from './billing-plans.ts';

type Row = Record<string, unknown>;
const subParams = (x: Subscription): unknown[] => [
  x.id, x.tenantId, x.state, x.planId, x.planVersion, x.amountKrw, x.anchor, x.periodIndex, x.currentPeriodStart, x.currentPeriodEnd,
  x.trialEndsAt, x.pendingPlanId, x.billingKeyId, x.customerKey, x.attempt, x.dunningStep, x.nextActionAt, x.canceledAt, x.endedAt, x.createdAt, x.version,
];

const keyOf = (r: Row): StoredBillingKey => ({
  id: s(r.id), tenantId: s(r.tenant_id), customerKey: s(r.customer_key), sealed: { keyId: s(r.key_id), data: r.sealed === null ? '' : s(r.sealed) },
  card: { number: s(r.card_number), issuerCode: sn(r.card_issuer), cardType: sn(r.card_type), ownerType: sn(r.owner_type) },
  createdAt: d(r.created_at), discardedAt: dn(r.discarded_at),
});

const INTENT_COLUMNS = `id, tenant_id, subscription_id, kind, period_index, attempt, order_id, idempotency_key, amount_krw, order_name, plan_id,
  plan_version, billing_key_id, target_payment_key, status, payment_key, failure_code, failure_message, created_at, resolved_at`;

const intentOf = (r: Row): PaymentIntent => ({
  id: s(r.id), tenantId: s(r.tenant_id), subscriptionId: s(r.subscription_id), kind: s(r.kind) as PaymentIntent['kind'], periodIndex: n(r.period_index),
  attempt: n(r.attempt), orderId: s(r.order_id), idempotencyKey: s(r.idempotency_key), amountKrw: n(r.amount_krw), orderName: s(r.order_name),
  planId: s(r.plan_id), planVersion: n(r.plan_version), billingKeyId: s(r.billing_key_id), targetPaymentKey: sn(r.target_payment_key),
  status: s(r.status) as PaymentIntent['status'], paymentKey: sn(r.payment_key), failureCode: sn(r.failure_code), failureMessage: sn(r.failure_message),
  createdAt: d(r.created_at), resolvedAt: dn(r.resolved_at),
});

const paymentOf = (r: Row): PaymentRecord => ({
  paymentKey: s(r.payment_key), tenantId: s(r.tenant_id), subscriptionId: s(r.subscription_id), orderId: s(r.order_id), kind: s(r.kind) as PaymentRecord['kind'],
  periodIndex: n(r.period_index), orderName: s(r.order_name), status: s(r.status) as PaymentRecord['status'], amountKrw: n(r.amount_krw), balanceKrw: n(r.balance_krw),
  cardNumber: sn(r.card_number), receiptUrl: sn(r.receipt_url), approvedAt: dn(r.approved_at), createdAt: d(r.created_at), updatedAt: d(r.updated_at),
});

const webhookOf = (r: Row): WebhookEvent => ({
  id: s(r.id), eventType: s(r.event_type), body: r.body, source: s(r.source), paymentKey: sn(r.payment_key), receivedAt: d(r.received_at),
  processedAt: dn(r.processed_at), attempts: n(r.attempts), lastError: sn(r.last_error), notBefore: dn(r.not_before), expiresAt: d(r.expires_at),
});

/**
 * Payments pages: the cursor names a position in the tenant's own history (the last item's creation time, to the
 * microsecond, and its payment key) and carries a digest bound to the tenant, so it says nothing about other
 * tenants and an edited cursor, or another tenant's, is refused. Nothing platform-wide (no sequence) is in it.
 */
interface PaymentsPosition {
  /** created_at as microseconds since the epoch, the precision PostgreSQL keeps. */
  micros: string;
  paymentKey: string;
}
const cursorDigest = (tenantId: string, payload: string): string => createHash('sha256').update(`sellpo:payments-cursor:${tenantId}:${payload}`).digest('base64url').slice(0, 16);
const encodeCursor = (tenantId: string, position: PaymentsPosition): string => {
  const payload = Buffer.from(`${position.micros}.${position.paymentKey}`).toString('base64url');
  return `${payload}.${cursorDigest(tenantId, payload)}`;
};
const decodeCursor = (tenantId: string, cursor: string): PaymentsPosition | null => {
  const [payload, digest, extra] = cursor.split('.');
  if (!payload || !digest || extra !== undefined) return null;
  const expected = cursorDigest(tenantId, payload);
  if (digest.length !== expected.length || !timingSafeEqual(Buffer.from(digest), Buffer.from(expected))) return null;
  const m = /^(\d{1,17})\.([A-Za-z0-9_-]{1,200})$/.exec(Buffer.from(payload, 'base64url').toString('utf8'));
  return m ? { micros: m[1]!, paymentKey: m[2]! } : null;
};

const unitOf = (db: Database): BillingUnit => ({
  ...postgresPlanReader(db),
  lockTenant: async (tenantId) => void (await db.query(`SELECT pg_advisory_xact_lock(hashtext('sellpo:billing:' || $1))`, [tenantId])),

  getSubscription: async (tenantId, id) =>
    (await db.query(`SELECT ${SUB_COLUMNS} FROM subscriptions WHERE tenant_id = $1 AND id = $2`, [tenantId, id])).rows.map(subOf)[0] ?? null,
  setApiCallBudget: async (tenantId, callsPerDay, at) => {
    if (callsPerDay === null) {
      await db.query('DELETE FROM api_call_budgets WHERE tenant_id = $1', [tenantId]);
      return (await db.query('SELECT 1 FROM tenants WHERE id = $1', [tenantId])).rowCount === 1;
    }
    const r = await db.query(
      `INSERT INTO api_call_budgets (tenant_id, calls_per_day, set_at) SELECT id, $2, $3 FROM tenants WHERE id = $1
       ON CONFLICT (tenant_id) DO UPDATE SET calls_per_day = EXCLUDED.calls_per_day, set_at = EXCLUDED.set_at`,
      [tenantId, callsPerDay, at],
    );
    return r.rowCount === 1;
  },
  lockSubscription: async (tenantId, id) =>
    (await db.query(`SELECT ${SUB_COLUMNS} FROM subscriptions WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, id])).rows.map(subOf)[0] ?? null,
  insertSubscription: async (sub) => {
    const r = await db.query(
      `INSERT INTO subscriptions (${SUB_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21) ON CONFLICT DO NOTHING`,
      subParams(sub),
    );
    return r.rowCount === 1;
  },
  updateSubscription: async (sub) => {
    const r = await db.query(
      `UPDATE subscriptions SET state = $3, plan_id = $4, plan_version = $5, amount_krw = $6, anchor = $7, period_index = $8, current_period_start = $9,
         current_period_end = $10, trial_ends_at = $11, pending_plan_id = $12, billing_key_id = $13, customer_key = $14, attempt = $15, dunning_step = $16,
         next_action_at = $17, canceled_at = $18, ended_at = $19, version = $20
       WHERE id = $1 AND tenant_id = $2 AND version = $20 - 1`,
      subParams(sub).filter((_, i) => i !== 19),
    );
    return r.rowCount === 1;
  },
  hasEverSubscribed: async (tenantId) => (await db.query('SELECT 1 FROM subscriptions WHERE tenant_id = $1 LIMIT 1', [tenantId])).rowCount > 0,

  insertBillingKey: async (k) => {
    await db.query(
      `INSERT INTO billing_keys (id, tenant_id, customer_key, key_id, sealed, card_number, card_issuer, card_type, owner_type, created_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (id) DO NOTHING`,
      [k.id, k.tenantId, k.customerKey, k.sealed.keyId, k.sealed.data, k.card.number, k.card.issuerCode, k.card.cardType, k.card.ownerType, k.createdAt],
    );
  },
  getBillingKey: async (tenantId, id) =>
    (await db.query('SELECT * FROM billing_keys WHERE tenant_id = $1 AND id = $2', [tenantId, id])).rows.map(keyOf)[0] ?? null,
  discardBillingKey: async (tenantId, id, at) => {
    await db.query('UPDATE billing_keys SET sealed = NULL, discarded_at = COALESCE(discarded_at, $3) WHERE tenant_id = $1 AND id = $2', [tenantId, id, at]);
  },

  recordIntent: async (i) => {
    const inserted = await db.query(
      `INSERT INTO payment_intents (${INTENT_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)
       ON CONFLICT (order_id) DO NOTHING RETURNING ${INTENT_COLUMNS}`,
      [i.id, i.tenantId, i.subscriptionId, i.kind, i.periodIndex, i.attempt, i.orderId, i.idempotencyKey, i.amountKrw, i.orderName, i.planId, i.planVersion,
        i.billingKeyId, i.targetPaymentKey, i.status, i.paymentKey, i.failureCode, i.failureMessage, i.createdAt, i.resolvedAt],
    );
    if (inserted.rows[0]) return intentOf(inserted.rows[0]);
    return intentOf((await db.query(`SELECT ${INTENT_COLUMNS} FROM payment_intents WHERE order_id = $1`, [i.orderId])).rows[0]!);
  },
  getIntentByOrderId: async (orderId) =>
    (await db.query(`SELECT ${INTENT_COLUMNS} FROM payment_intents WHERE order_id = $1`, [orderId])).rows.map(intentOf)[0] ?? null,
  resolveIntent: async (id, o) => {
    const r = await db.query(
      `UPDATE payment_intents SET status = $2, payment_key = $3, failure_code = $4, failure_message = $5, resolved_at = $6 WHERE id = $1 AND status = 'pending'`,
      [id, o.status, o.paymentKey ?? null, o.failureCode ?? null, o.failureMessage ?? null, o.at],
    );
    return r.rowCount === 1;
  },
  pendingIntents: async (subscriptionId) =>
    (await db.query(`SELECT ${INTENT_COLUMNS} FROM payment_intents WHERE subscription_id = $1 AND status = 'pending' ORDER BY created_at`, [subscriptionId])).rows.map(intentOf),
  pendingInitialIntents: async (tenantId) =>
    (await db.query(`SELECT ${INTENT_COLUMNS} FROM payment_intents WHERE tenant_id = $1 AND status = 'pending' AND kind = 'initial'`, [tenantId])).rows.map(intentOf),
  stalePendingIntents: async (before, limit) =>
    (await db.query(`SELECT ${INTENT_COLUMNS} FROM payment_intents WHERE status = 'pending' AND created_at < $1 ORDER BY created_at LIMIT $2`, [before, limit])).rows.map(intentOf),

  upsertPayment: async (p) => {
    const r = await db.query(
      `INSERT INTO billing_payments (payment_key, tenant_id, subscription_id, order_id, kind, period_index, order_name, status, amount_krw, balance_krw,
         card_number, receipt_url, approved_at, created_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
       ON CONFLICT (payment_key) DO UPDATE SET status = EXCLUDED.status, balance_krw = EXCLUDED.balance_krw,
         receipt_url = COALESCE(EXCLUDED.receipt_url, billing_payments.receipt_url), updated_at = EXCLUDED.updated_at
       WHERE billing_payments.status IS DISTINCT FROM EXCLUDED.status OR billing_payments.balance_krw IS DISTINCT FROM EXCLUDED.balance_krw`,
      [p.paymentKey, p.tenantId, p.subscriptionId, p.orderId, p.kind, p.periodIndex, p.orderName, p.status, p.amountKrw, p.balanceKrw, p.cardNumber, p.receiptUrl,
        p.approvedAt, p.createdAt, p.updatedAt],
    );
    return r.rowCount === 1;
  },
  getPayment: async (tenantId, paymentKey) =>
    (await db.query('SELECT * FROM billing_payments WHERE tenant_id = $1 AND payment_key = $2', [tenantId, paymentKey])).rows.map(paymentOf)[0] ?? null,
  findPaymentByKey: async (paymentKey) =>
    (await db.query('SELECT * FROM billing_payments WHERE payment_key = $1', [paymentKey])).rows.map(paymentOf)[0] ?? null,
  periodPayments: async (subscriptionId, periodIndex) =>
    (await db.query(`SELECT * FROM billing_payments WHERE subscription_id = $1 AND period_index = $2 AND kind <> 'refund' ORDER BY seq DESC`, [subscriptionId, periodIndex])).rows.map(paymentOf),
  listPayments: async (tenantId, page) => {
    const before = page.cursor ? decodeCursor(tenantId, page.cursor) : null;
    if (page.cursor && before === null) throw new DomainError('invalid', 'cursor is not the nextCursor of a previous page of this tenant', { details: { field: 'cursor' } });
    const { rows } = await db.query(
      `SELECT *, ((extract(epoch FROM created_at) * 1000000)::bigint)::text AS position_micros FROM billing_payments
       WHERE tenant_id = $1 AND ($2::bigint IS NULL OR (created_at, payment_key) < ('epoch'::timestamptz + $2::bigint * interval '1 microsecond', $3::text))
       ORDER BY created_at DESC, payment_key DESC LIMIT $4`,
      [tenantId, before?.micros ?? null, before?.paymentKey ?? null, page.limit + 1],
    );
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return { items: items.map(paymentOf), nextCursor: rows.length > page.limit && last ? encodeCursor(tenantId, { micros: s(last.position_micros), paymentKey: s(last.payment_key) }) : null };
  },

  recordWebhook: async (e) =>
    (await db.query(
      `INSERT INTO billing_webhook_events (id, event_type, body, source, payment_key, received_at, not_before, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
      [e.id, e.eventType, JSON.stringify(e.body), e.source, e.paymentKey, e.receivedAt, e.notBefore, e.expiresAt],
    )).rowCount === 1,
  pendingWebhooks: async (source, upTo) =>
    n((await db.query(
      'SELECT count(*)::int AS n FROM (SELECT 1 FROM billing_webhook_events WHERE source = $1 AND processed_at IS NULL LIMIT $2) AS pending',
      [source, upTo],
    )).rows[0]!.n),
  markWebhook: async (id, o) => {
    await db.query('UPDATE billing_webhook_events SET processed_at = $2, last_error = $3, attempts = attempts + 1 WHERE id = $1', [id, o.processedAt, o.error]);
  },
  deferWebhooks: async (ids, until) => {
    await db.query('UPDATE billing_webhook_events SET not_before = $2 WHERE id = ANY($1::text[]) AND processed_at IS NULL', [ids, until]);
  },
  unprocessedWebhooks: async (limit, now) =>
    (await db.query(
      `SELECT * FROM billing_webhook_events WHERE processed_at IS NULL AND attempts < ${WEBHOOK_MAX_ATTEMPTS} AND (not_before IS NULL OR not_before <= $2)
       ORDER BY received_at LIMIT $1`,
      [limit, now],
    )).rows.map(webhookOf),
});

/**
 * Deletes webhook events past their retention (raw bodies included), a batch at a time; run by the server's
 * periodic purge. Returns how many rows went.
 */
export const purgeWebhookEvents = async (db: Database, now: Date, batch = 5_000): Promise<number> => {
  let removed = 0;
  for (;;) {
    const r = await db.query(
      'DELETE FROM billing_webhook_events WHERE id IN (SELECT id FROM billing_webhook_events WHERE expires_at <= $1 LIMIT $2)',
      [now, batch],
    );
    removed += r.rowCount;
    if (r.rowCount < batch) return removed;
  }
};

export const postgresBillingStore = (db: Database): BillingStore => ({
  ...unitOf(db),
  transaction: (work, options) => db.transaction((tx) => work(unitOf(tx)), options),
  claimDue: async (now, limit, owner, leaseUntil) => {
    const { rows } = await db.query(
      `WITH due AS (
         SELECT id FROM subscriptions
         WHERE next_action_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
         ORDER BY next_action_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED
       )
       UPDATE subscriptions s SET lease_owner = $3, lease_until = $4 FROM due WHERE s.id = due.id
       RETURNING ${SUB_COLUMNS.split(',').map((c) => `s.${c.trim()}`).join(', ')}`,
      [now, limit, owner, leaseUntil],
    );
    return rows.map(subOf);
  },
  releaseLease: async (id, owner) => {
    await db.query('UPDATE subscriptions SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2', [id, owner]);
  },
});
