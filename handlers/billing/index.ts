import type { AnyEndpoint } from '../kit/endpoint.ts';

/** Endpoints of the billing bounded context. */
export const billingEndpoints: AnyEndpoint[] = [];
