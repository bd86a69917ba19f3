/**
 * Configuration in, billing ports out: the Toss client (or, with no secret key outside production, the Toss
 * sandbox started in this process), the billing-key vault, the store over the relational database and the
 * log notifier. The sandbox module is imported only when used, so a configured production process never loads it.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { BillingGateway, BillingPorts, Notifier } from '../../core/billing/ports.ts';
import { defaultWebhookPolicy } from '../../core/billing/model.ts';
import type { RateCounter } from '../../core/platform/rate-counter.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { defaultCatalog } from '../../core/billing/plans.ts';
import { DomainError } from '../../core/shared/errors.ts';
import type { Config } from '../config.ts';
import type { Database } from '../postgres/database.ts';
import { postgresBillingStore } from '../postgres/billing.ts';
import { tossClient } from './client.ts';
import { aesGcmVault, developmentKey, parseEncryptionKeys } from './key-vault.ts';
import { webhookWorker, type WebhookWorker } from './webhook-worker.ts';

type BillingConfig = Pick<Config, Extract<keyof Config, `TOSS_${string}` | `BILLING_${string}`> | 'NODE_ENV' | 'DATA_DIR'>;

export interface BillingWiring {
  ports: BillingPorts;
  close(): Promise<void>;
}

/** Tells the tenant what happened; this adapter writes it to the log (no amounts of card data beyond the masked). */
export const logNotifier = (logger: Logger): Notifier => ({
  notify: async (tenantId, notice) => {
    logger.info('billing notice', { tenantId, notice: { ...notice } });
  },
});

const unconfiguredGateway = (): BillingGateway => {
  const fail = () => Promise.reject(new DomainError('unavailable', 'Toss Payments is not configured on this server (set TOSS_SECRET_KEY)', { details: { provider: 'toss' } }));
  return { issueBillingKey: fail, charge: fail, cancel: fail, getPayment: fail, getPaymentByOrderId: fail };
};

/** A gateway built on its first use; concurrent first calls share one start. */
const lazyGateway = (start: () => Promise<BillingGateway>): BillingGateway => {
  let started: Promise<BillingGateway> | undefined;
  const get = () => (started ??= start());
  return {
    issueBillingKey: async (input, signal) => (await get()).issueBillingKey(input, signal),
    charge: async (request, signal) => (await get()).charge(request, signal),
    cancel: async (input, signal) => (await get()).cancel(input, signal),
    getPayment: async (paymentKey, signal) => (await get()).getPayment(paymentKey, signal),
    getPaymentByOrderId: async (orderId, signal) => (await get()).getPaymentByOrderId(orderId, signal),
  };
};

export const billingFromConfig = async (
  config: BillingConfig,
  /** `eager`: start the sandbox now (the server, which says so at start); otherwise on the first Toss call. */
  deps: {
    database: Database;
    logger: Logger;
    notifier?: Notifier;
    webhookUrl?: string;
    eager?: boolean;
    /** The shared counters and clock; given, a worker drains the webhook queue in this process (the server). */
    shared?: () => { rateCounter: RateCounter; clock: Clock };
  },
): Promise<BillingWiring> => {
  let vaultKeys: Map<string, Buffer>;
  let activeId: string;
  if (config.BILLING_KEY_ENCRYPTION_KEYS) {
    vaultKeys = parseEncryptionKeys(config.BILLING_KEY_ENCRYPTION_KEYS);
    activeId = config.BILLING_KEY_ACTIVE_ID ?? [...vaultKeys.keys()][0]!;
  } else {
    // The config schema refuses production without keys; elsewhere a key derived from the data directory.
    if (config.NODE_ENV === 'production') throw new Error('BILLING_KEY_ENCRYPTION_KEYS is required in production');
    vaultKeys = developmentKey(config.DATA_DIR);
    activeId = 'dev';
    if (config.NODE_ENV === 'development') {
      deps.logger.warn('BILLING_KEY_ENCRYPTION_KEYS is not set: billing keys are sealed with a development key derived from DATA_DIR; never use this in production');
    }
  }
  const vault = aesGcmVault(vaultKeys, activeId);

  const useSandbox = config.TOSS_SANDBOX === 'on' || (config.TOSS_SANDBOX === 'auto' && config.NODE_ENV !== 'production' && !config.TOSS_SECRET_KEY);
  let gateway: BillingGateway;
  let sandbox: { urls: Record<string, string>; close(): Promise<void> } | undefined;
  if (useSandbox) {
    const startGateway = async (): Promise<BillingGateway> => {
      const { startSandbox } = await import('../../sandbox/index.ts');
      const { tossSandbox, TOSS_SANDBOX_SECRET_KEY, TOSS_SANDBOX_NAME } = await import('../../sandbox/toss/index.ts');
      sandbox = await startSandbox([tossSandbox({ ...(deps.webhookUrl ? { webhookUrl: deps.webhookUrl } : {}) })]);
      const url = sandbox.urls[TOSS_SANDBOX_NAME]!;
      if (config.NODE_ENV === 'development') deps.logger.warn(`no TOSS_SECRET_KEY configured: using the Toss sandbox at ${url}`, { tossSandbox: url });
      return tossClient({ baseUrl: url, secretKey: TOSS_SANDBOX_SECRET_KEY, timeoutMs: config.TOSS_TIMEOUT_MS });
    };
    // A CLI command that never charges a card should not start a sandbox: start it on the first call instead.
    gateway = deps.eager ? await startGateway() : lazyGateway(startGateway);
  } else if (config.TOSS_SECRET_KEY) {
    gateway = tossClient({ baseUrl: config.TOSS_BASE_URL, secretKey: config.TOSS_SECRET_KEY, timeoutMs: config.TOSS_TIMEOUT_MS });
  } else {
    gateway = unconfiguredGateway();
  }

  const ports: BillingPorts = {
    store: postgresBillingStore(deps.database),
    gateway,
    vault,
    notifier: deps.notifier ?? logNotifier(deps.logger),
    plans: defaultCatalog,
    policy: {
      retryDays: config.BILLING_RETRY_DAYS,
      retryableAttempts: config.BILLING_RETRYABLE_ATTEMPTS,
      leaseSeconds: config.BILLING_LEASE_SECONDS,
      expiryNoticeDays: 3,
      webhooks: defaultWebhookPolicy,
    },
  };
  let worker: WebhookWorker | undefined;
  if (deps.shared) {
    const shared = deps.shared;
    worker = webhookWorker(() => ({ ...ports, clock: shared().clock, rateCounter: shared().rateCounter }), {
      onError: (error) => deps.logger.warn('webhook event not processed yet; it stays queued', { error: error as Error }),
    });
    ports.webhookQueue = worker;
  }

  return {
    ports,
    close: async () => {
      await worker?.close();
      await sandbox?.close();
    },
  };
};
