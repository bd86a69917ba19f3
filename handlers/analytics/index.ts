import type { AnyEndpoint } from '../kit/endpoint.ts';

/** Endpoints of the analytics bounded context. */
export const analyticsEndpoints: AnyEndpoint[] = [];
