import type { AnyEndpoint } from '../kit/endpoint.ts';
import { listPaymentsEndpoint, listPlansEndpoint } from './payments.ts';
import { renewDueEndpoint, tossWebhookEndpoint } from './operations.ts';
import {
  cancelEndpoint, changePlanEndpoint, getSubscriptionEndpoint, paymentMethodEndpoint, resumeEndpoint, subscribeEndpoint,
} from './subscription.ts';

/** Endpoints of the billing bounded context. */
export const billingEndpoints: AnyEndpoint[] = [
  listPlansEndpoint,
  subscribeEndpoint,
  getSubscriptionEndpoint,
  cancelEndpoint,
  resumeEndpoint,
  changePlanEndpoint,
  paymentMethodEndpoint,
  listPaymentsEndpoint,
  renewDueEndpoint,
  tossWebhookEndpoint,
];
