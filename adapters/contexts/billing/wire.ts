/**
 * The billing context's ports: the Toss client (or, with no secret key outside production, the Toss sandbox
 * started in this process), the platform's vault for billing keys, the store over the relational database and the log
 * notifier; in a process that runs background work, the webhook queue's worker and the purge of old events.
 * It also serves the platform its metered API quota.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { BillingGateway, BillingPorts, Notifier } from '../../../core/billing/ports.ts';
import { defaultCatalog } from '../../../core/billing/plans.ts';
import { DomainError } from '../../../core/shared/errors.ts';
import { postgresBillingStore, purgeWebhookEvents } from '../../postgres/billing.ts';
import { lazy, lazyPort } from '../../providers/lazy-port.ts';
import { sandboxUrl, startProviderSandbox, wantsSandbox } from '../../providers/sandbox-choice.ts';
import type { WebhookWorker } from '../../toss/webhook-worker.ts';
import { defineContext, every, PURGE_EVERY_MS, type Profile } from '../context.ts';
import { billingConfig, billingPolicy } from './config.ts';
import { meterServes } from './quota.ts';

/** Tells the tenant what happened; this adapter writes it to the log (no card data beyond the masked). */
export const logNotifier = (logger: Logger): Notifier => ({
  notify: async (tenantId, notice) => {
    logger.info('billing notice', { tenantId, notice: { ...notice } });
  },
});

const gatewayMethods = { issueBillingKey: true, charge: true, cancel: true, getPayment: true, getPaymentByOrderId: true } as const;

const unconfiguredGateway = (): BillingGateway => {
  const fail = () => Promise.reject(new DomainError('unavailable', 'Toss Payments is not configured on this server (set TOSS_SECRET_KEY)', { details: { provider: 'toss' } }));
  return { issueBillingKey: fail, charge: fail, cancel: fail, getPayment: fail, getPaymentByOrderId: fail };
};

/** Where the Toss sandbox posts its webhooks: the webhook endpoint of this server, when it serves one. */
const webhookUrl = (profile: Profile): string | undefined => {
  const endpoint = profile.endpoints.find((e) => e.id === 'billing.tossWebhook');
  return endpoint && profile.serverUrl ? new URL(endpoint.path, profile.serverUrl).href : undefined;
};

export const billing = defineContext({
  name: 'billing',
  config: billingConfig,
  wire: async (config, shared, profile) => {
    const { logger } = shared;

    let gateway: BillingGateway;
    const sandbox = lazy(async () => {
      const { tossSandbox, TOSS_SANDBOX_SECRET_KEY, TOSS_SANDBOX_NAME } = await import('../../../sandbox/toss/index.ts');
      const url = webhookUrl(profile);
      const running = await startProviderSandbox(
        async () => [tossSandbox(url ? { webhookUrl: url } : {})],
        (urls) => {
          if (config.NODE_ENV === 'development') logger.warn(`no TOSS_SECRET_KEY configured: using the Toss sandbox at ${urls[TOSS_SANDBOX_NAME]}`, { tossSandbox: urls[TOSS_SANDBOX_NAME] });
        },
      );
      const { tossClient } = await import('../../toss/client.ts');
      return { running, gateway: tossClient({ baseUrl: sandboxUrl(running, TOSS_SANDBOX_NAME), secretKey: TOSS_SANDBOX_SECRET_KEY, timeoutMs: config.TOSS_TIMEOUT_MS }) };
    });
    if (wantsSandbox({ setting: config.TOSS_SANDBOX, nodeEnv: config.NODE_ENV, configured: Boolean(config.TOSS_SECRET_KEY) })) {
      // A CLI command that never charges a card should not start a sandbox: start it on the first call instead.
      gateway = profile.eagerProviders ? (await sandbox.get()).gateway : lazyPort(async () => (await sandbox.get()).gateway, gatewayMethods);
    } else if (config.TOSS_SECRET_KEY) {
      // The client's code loads on the first call: most processes that wire billing only meter calls against plans.
      const secretKey = config.TOSS_SECRET_KEY;
      const client = lazy(async () => (await import('../../toss/client.ts')).tossClient({ baseUrl: config.TOSS_BASE_URL, secretKey, timeoutMs: config.TOSS_TIMEOUT_MS }));
      gateway = lazyPort(client.get, gatewayMethods);
    } else {
      gateway = unconfiguredGateway();
    }

    const ports: BillingPorts = {
      store: postgresBillingStore(shared.database),
      gateway,
      vault: shared.ports.vault,
      notifier: logNotifier(logger),
      plans: defaultCatalog,
      policy: billingPolicy(config),
    };
    let worker: WebhookWorker | undefined;
    let stopPurge: (() => void) | undefined;
    if (profile.background) {
      const { webhookWorker } = await import('../../toss/webhook-worker.ts');
      // Read on each drain: the ports object as it is then.
      worker = webhookWorker(() => ({ ...ports, clock: shared.ports.clock, rateCounter: shared.ports.rateCounter }), {
        onError: (error) => logger.warn('webhook event not processed yet; it stays queued', { error: error as Error }),
      });
      ports.webhookQueue = worker;
      // Raw webhook bodies past their retention; billing lives in the relational database whatever holds the key-value stores.
      stopPurge = every(PURGE_EVERY_MS, async () => {
        try {
          const removed = await purgeWebhookEvents(shared.database, shared.ports.clock.now());
          if (removed) logger.info('expired webhook events purged', { removed });
        } catch (error) {
          logger.warn('could not purge expired webhook events', { error: error as Error });
        }
      });
    }

    return {
      ports,
      close: async () => {
        stopPurge?.();
        await worker?.close();
        await (await sandbox.take())?.running.close();
      },
    };
  },
  serves: meterServes,
});
