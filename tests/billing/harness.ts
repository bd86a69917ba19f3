/**
 * Billing ports for tests: the Toss sandbox on loopback, the real Toss client against it, the PostgreSQL store on
 * the given database, a vault with a fresh key, and a notifier that records what it was told.
 */
import { randomBytes } from 'node:crypto';
import type { BillingGateway, BillingPorts } from '../../core/billing/ports.ts';
import { defaultBillingPolicy, type BillingNotice } from '../../core/billing/model.ts';
import { defaultCatalog } from '../../core/billing/plans.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { postgresBillingStore } from '../../adapters/postgres/billing.ts';
import type { Database } from '../../adapters/postgres/database.ts';
import { tossClient } from '../../adapters/toss/client.ts';
import { aesGcmVault } from '../../adapters/secrets/key-vault.ts';
import { startSandbox } from '../../sandbox/index.ts';
import { tossSandbox, TOSS_SANDBOX_SECRET_KEY, type LedgerPayment } from '../../sandbox/toss/index.ts';

export const mutableClock = (start: string | Date) => {
  let t = new Date(start).getTime();
  const clock: Clock & { set(d: string | Date): void; advanceDays(n: number): void } = {
    now: () => new Date(t),
    set: (d) => void (t = new Date(d).getTime()),
    advanceDays: (n) => void (t += n * 86_400_000),
  };
  return clock;
};

export interface Harness {
  billing: BillingPorts;
  url: string;
  notices: { tenantId: string; notice: BillingNotice }[];
  ledger(): LedgerPayment[];
  control(action: string, body?: unknown): Promise<any>;
  /** Resolves once the sandbox holds a committed charge (after `control('configure', { holdAfterCommit: 1 })`). */
  whenHeld(): Promise<void>;
  /** Lets held charges answer. */
  release(): void;
  /** Aborts every Toss call in flight, as a lost connection would (the client then cannot tell what happened). */
  cutInFlight(): void;
  /** Toss calls made through the gateway, by method. */
  calls: Record<string, number>;
  close(): Promise<void>;
}

export const billingHarness = async (db: Database, options: { timeoutMs?: number; onNotice?: (tenantId: string, notice: BillingNotice) => void; webhookUrl?: string } = {}): Promise<Harness> => {
  const provider = tossSandbox({ webhookMinuteMs: 5, ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}) });
  const sandbox = await startSandbox([provider]);
  const url = sandbox.urls.toss!;
  const notices: Harness['notices'] = [];
  const client = tossClient({ baseUrl: url, secretKey: TOSS_SANDBOX_SECRET_KEY, timeoutMs: options.timeoutMs ?? 10_000 });
  // Every call also listens to a signal the test may abort: a lost answer without racing a timer.
  let cut = new AbortController();
  const calls: Record<string, number> = {};
  const withCut = (signal?: AbortSignal) => (signal ? AbortSignal.any([signal, cut.signal]) : cut.signal);
  const count = (name: string) => void (calls[name] = (calls[name] ?? 0) + 1);
  const gateway: BillingGateway = {
    issueBillingKey: (input, signal) => (count('issueBillingKey'), client.issueBillingKey(input, withCut(signal))),
    charge: (request, signal) => (count('charge'), client.charge(request, withCut(signal))),
    cancel: (input, signal) => (count('cancel'), client.cancel(input, withCut(signal))),
    getPayment: (paymentKey, signal) => (count('getPayment'), client.getPayment(paymentKey, withCut(signal))),
    getPaymentByOrderId: (orderId, signal) => (count('getPaymentByOrderId'), client.getPaymentByOrderId(orderId, withCut(signal))),
  };
  const billing: BillingPorts = {
    store: postgresBillingStore(db),
    gateway,
    vault: aesGcmVault(new Map([['k1', randomBytes(32)]]), 'k1'),
    notifier: {
      notify: async (tenantId, notice) => {
        notices.push({ tenantId, notice });
        options.onNotice?.(tenantId, notice);
      },
    },
    plans: defaultCatalog,
    policy: defaultBillingPolicy,
  };
  return {
    billing,
    url,
    notices,
    ledger: () => provider.ledger(),
    whenHeld: () => provider.whenHeld(),
    release: () => provider.release(),
    cutInFlight: () => {
      cut.abort();
      cut = new AbortController();
    },
    calls,
    control: async (action, body) => {
      const res = await fetch(`${url}/__sandbox/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
      return res.json();
    },
    close: () => sandbox.close(),
  };
};
