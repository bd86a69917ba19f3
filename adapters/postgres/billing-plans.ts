/**
 * What metering reads of billing on PostgreSQL (or PGlite through the same driver): a tenant's latest subscription
 * and the daily API-call budget an administrator set. The billing store (billing.ts) is built on these; a process
 * that only meters calls (a per-endpoint Lambda outside billing) reads them without the rest of the store.
 */
import type { BillingStore } from '../../core/billing/ports.ts';
import type { Subscription } from '../../core/billing/model.ts';
import type { Database } from './database.ts';

type Row = Record<string, unknown>;

// Readers of a row's columns, shared with billing.ts: date, date or null, number, text, text or null.
export const d = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
export const dn = (v: unknown): Date | null => (v === null || v === undefined ? null : d(v));
export const n = (v: unknown): number => Number(v);
export const s = (v: unknown): string => String(v);
export const sn = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export const SUB_COLUMNS = `id, tenant_id, state, plan_id, plan_version, amount_krw, anchor, period_index, current_period_start, current_period_end,
  trial_ends_at, pending_plan_id, billing_key_id, customer_key, attempt, dunning_step, next_action_at, canceled_at, ended_at, created_at, version`;

export const subOf = (r: Row): Subscription => ({
  id: s(r.id), tenantId: s(r.tenant_id), state: s(r.state) as Subscription['state'], planId: s(r.plan_id), planVersion: n(r.plan_version),
  amountKrw: n(r.amount_krw), anchor: d(r.anchor), periodIndex: n(r.period_index), currentPeriodStart: d(r.current_period_start),
  currentPeriodEnd: d(r.current_period_end), trialEndsAt: dn(r.trial_ends_at), pendingPlanId: sn(r.pending_plan_id), billingKeyId: s(r.billing_key_id),
  customerKey: s(r.customer_key), attempt: n(r.attempt), dunningStep: n(r.dunning_step), nextActionAt: dn(r.next_action_at), canceledAt: dn(r.canceled_at),
  endedAt: dn(r.ended_at), createdAt: d(r.created_at), version: n(r.version),
});

export const postgresPlanReader = (db: Database): Pick<BillingStore, 'latestSubscription' | 'apiCallBudget'> => ({
  apiCallBudget: async (tenantId) => {
    const { rows } = await db.query<{ calls_per_day: number }>('SELECT calls_per_day FROM api_call_budgets WHERE tenant_id = $1', [tenantId]);
    return rows[0]?.calls_per_day ?? null;
  },
  latestSubscription: async (tenantId) =>
    (await db.query(`SELECT ${SUB_COLUMNS} FROM subscriptions WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, [tenantId])).rows.map(subOf)[0] ?? null,
});
