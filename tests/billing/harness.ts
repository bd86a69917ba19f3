/**
 * Billing ports for tests: the Toss sandbox on loopback, the real Toss client against it, the PostgreSQL store on
 * the given database, a vault with a fresh key, and a notifier that records what it was told.
 */
import { randomBytes } from 'node:crypto';
import type { BillingNotice, BillingPorts } from '../../core/billing/ports.ts';
import { defaultBillingPolicy } from '../../core/billing/ports.ts';
import { defaultCatalog } from '../../core/billing/plans.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { postgresBillingStore } from '../../adapters/postgres/billing.ts';
import type { Database } from '../../adapters/postgres/database.ts';
import { tossClient } from '../../adapters/toss/client.ts';
import { aesGcmVault } from '../../adapters/toss/key-vault.ts';
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
  close(): Promise<void>;
}

export const billingHarness = async (db: Database, options: { timeoutMs?: number; onNotice?: (tenantId: string, notice: BillingNotice) => void; webhookUrl?: string } = {}): Promise<Harness> => {
  const provider = tossSandbox({ webhookMinuteMs: 5, ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}) });
  const sandbox = await startSandbox([provider]);
  const url = sandbox.urls.toss!;
  const notices: Harness['notices'] = [];
  const billing: BillingPorts = {
    store: postgresBillingStore(db),
    gateway: tossClient({ baseUrl: url, secretKey: TOSS_SANDBOX_SECRET_KEY, timeoutMs: options.timeoutMs ?? 5_000 }),
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
    control: async (action, body) => {
      const res = await fetch(`${url}/__sandbox/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
      return res.json();
    },
    close: () => sandbox.close(),
  };
};
