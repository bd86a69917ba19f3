import type { AnyEndpoint } from '../kit/endpoint.ts';

/** Endpoints of the coupang bounded context. */
export const coupangEndpoints: AnyEndpoint[] = [];
