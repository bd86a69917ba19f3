import type { AnyEndpoint } from '../kit/endpoint.ts';
import { listPaymentsEndpoint } from './payments.ts';
import { listPlansEndpoint } from './plans.ts';
import { renewDueEndpoint } from './renewals.ts';
import { cancelEndpoint, changePaymentMethodEndpoint, changePlanEndpoint, getSubscriptionEndpoint, resumeEndpoint } from './subscription.ts';
import { subscribeEndpoint } from './subscriptions.ts';
import { tossWebhookEndpoint } from './webhooks.ts';

/** Endpoints of the billing bounded context. */
export const billingEndpoints: AnyEndpoint[] = [
  listPlansEndpoint,
  subscribeEndpoint,
  getSubscriptionEndpoint,
  cancelEndpoint,
  resumeEndpoint,
  changePlanEndpoint,
  changePaymentMethodEndpoint,
  listPaymentsEndpoint,
  renewDueEndpoint,
  tossWebhookEndpoint,
];
